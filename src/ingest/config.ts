// Environment variables of the ingest role (JetStream -> TimescaleDB projector).
import { int, str, type VarSpecs } from '../shared/env-vars.js';

export const ingestVars = {
  CONSUMER_NAME: str('Durable JetStream consumer name shared by all ingest processes (competing consumers).', { default: 'projector', minLength: 1, maxLength: 64 }),
  INGEST_BATCH_MAX_EVENTS: int('Most events written in one COPY transaction.', 5000, 1, 1000000),
  INGEST_BATCH_MAX_WAIT_MS: int('Longest a batch waits to fill before it is written.', 50, 1, 60000),
  INGEST_MAX_DELIVER: int('Deliveries of one message before it is dead-lettered.', 5, 1, 1000),
  INGEST_ACK_WAIT_SECONDS: int('Seconds JetStream waits for an ack before redelivering.', 30, 1, 3600),
  INGEST_MAX_ACK_PENDING: int('Unacknowledged messages across all ingest processes (must exceed processes x batch).', 20000, 1, 1000000),
} satisfies VarSpecs;
