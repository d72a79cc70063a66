// Replay: rebuild the projections from the JetStream log with the SAME apply path as
// the live consumer (decode -> INGEST_APPLY_MODE; by default `copy-direct`: plain COPY,
// and a batch holding an already-stored event is redone through staging + INSERT …
// ON CONFLICT DO NOTHING, docs/ingest.md "Exactly-once effect").
// Idempotent: rows already present are skipped, so running it twice changes nothing.
// Reads through its own ephemeral, ack-less pull consumer (the live durable's position
// is untouched, so replay can run while ingest runs) from the stream start or --since,
// up to the stream's last sequence at the moment replay started, then exits.
// Rollups: every replayed batch logs its buckets in the dirty log like live ingest does,
// and replay ends with one tracker_refresh_rollups() so they are rebuilt when it exits
// (sql/150_maintained_rollups.sql); --truncate also forgets the rollups first.
import { withRetry } from '../shared/retry.js';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { IngestConfig } from './config.js';
import type { Logger } from '../shared/logger.js';
import { isNotFound } from '../shared/nats.js';
import { poolApplier } from './isolate.js';
import { toInFlight, writeBatch, type BatchContext, type InFlight } from './write-batch.js';
import { classify, errorMessage, ReplayError } from '../shared/errors.js';

export interface ReplayOptions {
  since?: Date;
  truncate?: boolean;
}
export interface ReplayResult {
  messages: number;
  events: number;
  inserted: number;
  duplicates: number;
  deadLettered: number;
  fromSeq: number | null;
  toSeq: number;
  /** Rollup rows the closing refresh wrote per level; null when another process held the refresh lock (it folds the replay in). */
  rollups?: Record<string, number> | null;
}

const NS_PER_S = 1_000_000_000;
const PROJECTIONS = ['telemetry', 'spawn_events', 'rare_events', 'player_latest'];

export async function replay(
  cfg: IngestConfig,
  log: Logger,
  nc: NatsConnection,
  pool: pg.Pool,
  opts: ReplayOptions = {},
): Promise<ReplayResult> {
  const jsm = await jetstreamManager(nc);
  const stream = await jsm.streams.info(cfg.STREAM_NAME).catch((err) => {
    throw isNotFound(err) ? new ReplayError(`stream ${cfg.STREAM_NAME} does not exist: nothing to replay`) : err;
  });
  const toSeq = stream.state.last_seq;
  const result: ReplayResult = {
    messages: 0,
    events: 0,
    inserted: 0,
    duplicates: 0,
    deadLettered: 0,
    fromSeq: null,
    toSeq,
  };
  if (opts.truncate) {
    // Projections only: dead_letters and aggregates' own state are not touched.
    await pool.query(`truncate ${PROJECTIONS.join(', ')}`);
    await pool.query('select tracker_reset_rollups()');
    log.warn({ tables: PROJECTIONS }, 'projections and rollups truncated before replay');
  }
  if (stream.state.messages === 0) return { ...result, rollups: await refreshRollups(pool) };

  const config: Partial<ConsumerConfig> = {
    ack_policy: AckPolicy.None,
    mem_storage: true,
    inactive_threshold: 60 * NS_PER_S, // the server removes it if replay dies
    description: 'telemetry tracker replay',
    ...(opts.since
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: opts.since.toISOString() }
      : { deliver_policy: DeliverPolicy.All }),
  };
  const info = await jsm.consumers.add(cfg.STREAM_NAME, config);
  try {
    if (info.num_pending === 0) return result;
    const consumer = await jetstream(nc).consumers.get(cfg.STREAM_NAME, info.name);
    const ctx: BatchContext = {
      nc,
      pool,
      log,
      prefix: cfg.SUBJECT_PREFIX,
      maxMessageBytes: cfg.INGEST_MAX_MESSAGE_BYTES,
      stream: cfg.STREAM_NAME,
      applier: poolApplier(pool, { mode: cfg.INGEST_APPLY_MODE }),
      maxDeliver: 1, // no redelivery in a replay: a refused message is dead-lettered at once
      nakDelayMs: 0,
      settle: false,
    };
    const messages = await consumer.consume({ max_messages: cfg.INGEST_PULL_MAX_MESSAGES });
    let batch: InFlight[] = [];
    let size = 0;
    for await (const msg of messages) {
      result.fromSeq ??= msg.seq;
      const item = toInFlight(ctx, msg);
      batch.push(item);
      size += item.size;
      const last = msg.seq >= toSeq || msg.info.pending === 0;
      if (size >= cfg.INGEST_BATCH_MAX_EVENTS || last) {
        await writeWithRetry(ctx, batch, result, cfg, log);
        batch = [];
        size = 0;
      }
      if (last) break;
    }
    await messages.close().catch(() => {});
    result.rollups = await refreshRollups(pool);
    return result;
  } finally {
    await jsm.consumers.delete(cfg.STREAM_NAME, info.name).catch(() => {});
  }
}

/** Replay gives up after this many failed tries of one batch (it is run by hand: say so rather than wait forever). */
const REPLAY_MAX_TRIES = 10;
async function refreshRollups(pool: pg.Pool): Promise<Record<string, number> | null> {
  const { rows } = await pool.query<{ w: Record<string, number> | null }>('select tracker_refresh_rollups() as w');
  return rows[0].w;
}

async function writeWithRetry(
  ctx: BatchContext,
  batch: InFlight[],
  result: ReplayResult,
  cfg: IngestConfig,
  log: Logger,
): Promise<void> {
  const out = await withRetry(() => writeBatch(ctx, batch), {
    policy: { minMs: cfg.INGEST_RETRY_MIN_MS, maxMs: cfg.INGEST_RETRY_MAX_MS, jitter: false },
    retryable: (err, attempt) => classify(err) === 'transient' && attempt < REPLAY_MAX_TRIES,
    onRetry: (err, delay) => log.warn({ err: errorMessage(err), retry_in_ms: delay }, 'replay batch failed; retrying'),
  });
  result.messages += batch.length;
  result.events += out.events;
  result.inserted += out.inserted;
  result.duplicates += out.duplicates;
  result.deadLettered += out.deadLettered;
}
