// Environment variables of the ingest role (JetStream -> TimescaleDB projector), and
// how the composition root turns them into the role's options (camelCase, units in
// names): no module of src/ingest/ sees a variable name (docs/contributing.md "Layout").
// How they interact and how to tune them: docs/ingest.md.
import { int, oneOf, str, type ParsedVars, type VarSpecs } from '../shared/env-vars.js';
import type { SharedConfig } from '../shared/config-vars.js';
import type { ApplyMode } from '../ingest/apply.js';
import type { IngestOptions } from '../ingest/index.js';

/**
 * The apply modes an operator chooses between: both are idempotent, and which is faster
 * depends on how often batches hold redelivered events (docs/ingest.md "Exactly-once
 * effect"). `insert` and `copy-plain` exist to measure that choice: benchmarks and
 * tests set them through the role's seams (src/ingest/seams.ts), never the environment.
 */
const OPERATOR_APPLY_MODES = ['copy-staging', 'copy-direct'] as const satisfies readonly ApplyMode[];

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
      '(unique violation) is rolled back and written through staging (idempotent).',
    OPERATOR_APPLY_MODES,
    'copy-direct',
  ),
} satisfies VarSpecs;

/** The shared variables ingest reads besides its own. */
export const ingestSharedVars = [
  'STREAM_NAME',
  'SUBJECT_PREFIX',
  'TRACKER_SIGNING_KEY',
] as const satisfies readonly (keyof SharedConfig)[];

/** Ingest's slice of the environment (src/config.ts); the role and replay get `ingestOptions(…)`. */
export type IngestConfig = Readonly<ParsedVars<typeof ingestVars>> &
  Pick<SharedConfig, (typeof ingestSharedVars)[number]>;

/** The options of the ingest role and of replay, built from ingest's variables. */
export function ingestOptions(cfg: IngestConfig): IngestOptions {
  return {
    subjectPrefix: cfg.SUBJECT_PREFIX,
    consumer: {
      streamName: cfg.STREAM_NAME,
      consumerName: cfg.CONSUMER_NAME,
      ackWaitSeconds: cfg.INGEST_ACK_WAIT_SECONDS,
      maxAckPending: cfg.INGEST_MAX_ACK_PENDING,
    },
    maxMessageBytes: cfg.INGEST_MAX_MESSAGE_BYTES,
    signingKey: cfg.TRACKER_SIGNING_KEY,
    applyMode: cfg.INGEST_APPLY_MODE,
    maxDeliver: cfg.INGEST_MAX_DELIVER,
    loop: {
      batchMaxEvents: cfg.INGEST_BATCH_MAX_EVENTS,
      batchMaxWaitMs: cfg.INGEST_BATCH_MAX_WAIT_MS,
      pullMaxMessages: cfg.INGEST_PULL_MAX_MESSAGES,
      pullExpiresMs: cfg.INGEST_PULL_EXPIRES_MS,
      ackWaitMs: cfg.INGEST_ACK_WAIT_SECONDS * 1000,
      retryMinMs: cfg.INGEST_RETRY_MIN_MS,
      retryMaxMs: cfg.INGEST_RETRY_MAX_MS,
      writers: cfg.INGEST_WRITERS,
      nakDelayMs: cfg.INGEST_POISON_NAK_DELAY_MS,
    },
    unhealthyAfterSeconds: cfg.INGEST_UNHEALTHY_AFTER_SECONDS,
    lagPollMs: cfg.INGEST_LAG_POLL_MS,
  };
}
