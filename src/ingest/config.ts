// Environment variables of the ingest role (JetStream -> TimescaleDB projector).
// How they interact and how to tune them: docs/ingest.md.
import { int, oneOf, str, type ParsedVars, type VarSpecs } from '../shared/env-vars.js';
import type { SharedConfig } from '../shared/config-vars.js';

export const APPLY_MODES = ['copy-staging', 'copy-direct', 'insert', 'copy-plain'] as const;
export type ApplyMode = (typeof APPLY_MODES)[number];

export const FAULTS = ['none', 'exit-after-commit', 'exit-mid-copy'] as const;
export type Fault = (typeof FAULTS)[number];

export const ingestVars = {
  CONSUMER_NAME: str('Durable JetStream consumer name shared by all ingest processes (competing consumers).', {
    default: 'projector',
    minLength: 1,
    maxLength: 64,
  }),
  INGEST_BATCH_MAX_EVENTS: int('Most events written in one COPY transaction.', 5000, 1, 1000000),
  INGEST_BATCH_MAX_WAIT_MS: int('Longest a batch waits to fill before it is written.', 50, 1, 60000),
  INGEST_MAX_DELIVER: int(
    'Deliveries of a message that fails to apply for a data reason before it is dead-lettered (counted by the consumer; ' +
      'see docs/ingest.md).',
    5,
    1,
    1000,
  ),
  INGEST_ACK_WAIT_SECONDS: int(
    'Seconds JetStream waits for an ack before redelivering (the consumer sends `working` while it holds a batch).',
    30,
    1,
    3600,
  ),
  INGEST_MAX_ACK_PENDING: int(
    'Unacknowledged messages across all ingest processes (must exceed processes x batch).',
    20000,
    1,
    1000000,
  ),
  INGEST_WRITERS: int(
    'Batches one ingest process writes at once, each on its own PostgreSQL connection (keep below PG_POOL_MAX).',
    2,
    1,
    64,
  ),
  INGEST_PULL_MAX_MESSAGES: int(
    'Messages one ingest process asks JetStream for at a time (bounds its buffer: this x the largest message, typically ' +
      'a few KiB to 100 KiB).',
    1000,
    1,
    100000,
  ),
  INGEST_PULL_EXPIRES_MS: int(
    'Lifetime of one pull request; the server sends heartbeats every half of it, and two missed heartbeats make ' +
      "the consumer pull anew. Bounds how long ingest stalls when the consumer's leader dies on a NATS cluster (about " +
      'this long; docs/operations.md "Drills"). nats.js\'s default is 30000.',
    10000,
    1000,
    300000,
  ),
  INGEST_RETRY_MIN_MS: int(
    'First wait before retrying a batch after a database error (doubles each try).',
    100,
    1,
    60000,
  ),
  INGEST_RETRY_MAX_MS: int('Longest wait between retries of a batch after database errors.', 5000, 1, 600000),
  INGEST_MAX_MESSAGE_BYTES: int(
    'Largest stream message ingest reads; a bigger one (only a foreign publisher or a raised max_payload makes ' +
      'one) is dead-lettered unread with `too_large`.',
    8 * 1024 * 1024,
    1024,
    64 * 1024 * 1024,
  ),
  INGEST_POISON_NAK_DELAY_MS: int(
    'Redelivery delay of a message that failed to apply for a data reason.',
    1000,
    0,
    3600000,
  ),
  INGEST_UNHEALTHY_AFTER_SECONDS: int(
    '/health reports ingest unhealthy when batches have failed to write for this long, or messages have waited ' +
      'this long with no batch settled.',
    30,
    1,
    86400,
  ),
  INGEST_LAG_POLL_MS: int('How often the consumer lag (num_pending) is read for metrics.', 5000, 100, 600000),
  INGEST_APPLY_MODE: oneOf(
    'How a batch is written. `copy-staging`: COPY into a session temp table, then INSERT … ON CONFLICT DO NOTHING ' +
      '(idempotent). `copy-direct` (default): COPY straight into the tables; a batch holding an already-applied event ' +
      '(unique violation) is rolled back and written through staging (idempotent). `insert`: multi-row INSERT … ON ' +
      'CONFLICT (idempotent, slower). `copy-plain`: COPY straight into the tables (benchmark baseline only: a redelivered ' +
      'event violates the unique key and its batch is bisected).',
    APPLY_MODES,
    'copy-direct',
  ),
  INGEST_FAULT: oneOf(
    'TEST ONLY fault injection: `exit-after-commit` SIGKILLs the process after its first COMMIT and before the ' +
      'acks; `exit-mid-copy` SIGKILLs it halfway through its first COPY. Never set in production.',
    FAULTS,
    'none',
  ),
} satisfies VarSpecs;

/** The shared variables ingest reads besides its own. */
export const ingestSharedVars = ['STREAM_NAME', 'SUBJECT_PREFIX'] as const satisfies readonly (keyof SharedConfig)[];

/** Everything the ingest role (and replay) is given (built by the composition root, src/config.ts). */
export type IngestConfig = Readonly<ParsedVars<typeof ingestVars>> &
  Pick<SharedConfig, (typeof ingestSharedVars)[number]>;
