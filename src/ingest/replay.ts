// Replay: rebuild the projections from the JetStream log with the SAME apply path as
// the live consumer (decode -> the configured apply mode; by default `copy-direct`: plain COPY,
// and a batch holding an already-stored event is redone through staging + INSERT …
// ON CONFLICT DO NOTHING, docs/ingest.md "Exactly-once effect").
// Idempotent: rows already present are skipped, so running it twice changes nothing.
// Reads through its own ephemeral, ack-less pull consumer (the live durable's position
// is untouched, so replay can run while ingest runs) from the stream start or --since,
// up to the stream's last sequence at the moment replay started, then exits.
// Rollups: every replayed batch logs its buckets in the dirty log like live ingest does,
// and replay ends with one tracker_refresh_rollups() so they are rebuilt when it exits
// (sql/150_maintained_rollups.sql); --truncate also forgets the rollups first.
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { IngestOptions } from './index.js';
import type { Logger } from '../shared/logger.js';
import { isNotFound } from '../shared/nats.js';
import { withRetry, type RetryOptions } from '../shared/retry.js';
import { classify, errorMessage, ReplayError } from '../shared/errors.js';
import { decodeOptions, type DecodeOptions } from './decode.js';
import { announceDeadLetters, type DeadLetterOutlet } from './dead-letters.js';
import { decodeInFlight, type InFlight } from './in-flight.js';
import { batchTotals, writeBatch, type WriteOptions } from './write-batch.js';

export interface ReplayOptions {
  since?: Date;
  truncate?: boolean;
  /** `--alerts`: src/main.ts runs the alerts rebuild instead (docs/alerts.md "Rebuild"). */
  alerts?: true;
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
/** Replay gives up after this many failed tries of one batch (it is run by hand: say so rather than wait forever). */
const REPLAY_MAX_TRIES = 10;

export async function replay(
  ingest: IngestOptions,
  log: Logger,
  nc: NatsConnection,
  pool: pg.Pool,
  opts: ReplayOptions = {},
): Promise<ReplayResult> {
  const jsm = await jetstreamManager(nc);
  const stream = await streamToReplay(jsm, ingest.consumer.streamName);
  const result: ReplayResult = {
    messages: 0,
    events: 0,
    inserted: 0,
    duplicates: 0,
    deadLettered: 0,
    fromSeq: null,
    toSeq: stream.state.last_seq,
  };
  if (opts.truncate) await truncateProjections(pool, log);
  if (stream.state.messages === 0) return { ...result, rollups: await refreshRollups(pool) };

  const info = await jsm.consumers.add(ingest.consumer.streamName, replayConsumerConfig(opts.since));
  try {
    if (info.num_pending === 0) return result;
    const consumer = await jetstream(nc).consumers.get(ingest.consumer.streamName, info.name);
    await replayBatches(consumer, replayWriter(ingest, log, nc, pool), result);
    result.rollups = await refreshRollups(pool);
    return result;
  } finally {
    await jsm.consumers.delete(ingest.consumer.streamName, info.name).catch(() => {});
  }
}

async function streamToReplay(jsm: JetStreamManager, name: string): Promise<StreamInfo> {
  return jsm.streams.info(name).catch((err) => {
    throw isNotFound(err) ? new ReplayError(`stream ${name} does not exist: nothing to replay`) : err;
  });
}

/** Projections only: dead_letters and aggregates' own state are not touched. */
async function truncateProjections(pool: pg.Pool, log: Logger): Promise<void> {
  await pool.query(`truncate ${PROJECTIONS.join(', ')}`);
  await pool.query('select tracker_reset_rollups()');
  log.warn({ tables: PROJECTIONS }, 'projections and rollups truncated before replay');
}

function replayConsumerConfig(since: Date | undefined): Partial<ConsumerConfig> {
  return {
    ack_policy: AckPolicy.None,
    mem_storage: true,
    inactive_threshold: 60 * NS_PER_S, // the server removes it if replay dies
    description: 'telemetry tracker replay',
    ...(since
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.toISOString() }
      : { deliver_policy: DeliverPolicy.All }),
  };
}

async function refreshRollups(pool: pg.Pool): Promise<Record<string, number> | null> {
  const { rows } = await pool.query<{ w: Record<string, number> | null }>('select tracker_refresh_rollups() as w');
  // The sessions too (sql/180_sessions.sql), with the gap they were built with.
  await pool.query('select tracker_refresh_sessions()');
  return rows[0].w;
}

/** Replay's own pieces of the live consumer's path: decode, writeBatch, dead letters. */
interface ReplayWriter {
  readonly decode: DecodeOptions;
  readonly write: WriteOptions;
  readonly deadLetters: DeadLetterOutlet;
  readonly retry: RetryOptions;
  readonly batchMaxEvents: number;
  readonly pullMaxMessages: number;
}

function replayWriter(
  ingest: Pick<IngestOptions, 'subjectPrefix' | 'consumer' | 'maxMessageBytes' | 'signingKey' | 'applyMode' | 'loop'>,
  log: Logger,
  nc: NatsConnection,
  pool: pg.Pool,
): ReplayWriter {
  return {
    decode: decodeOptions(ingest),
    // No redelivery in a replay: a refused message is dead-lettered at once.
    write: { pool, stream: ingest.consumer.streamName, apply: { mode: ingest.applyMode }, maxDeliver: 1 },
    deadLetters: { nc, prefix: ingest.subjectPrefix, log },
    retry: {
      policy: { minMs: ingest.loop.retryMinMs, maxMs: ingest.loop.retryMaxMs, jitter: false },
      retryable: (err, attempt) => classify(err) === 'transient' && attempt < REPLAY_MAX_TRIES,
      onRetry: (err, delay) =>
        log.warn({ err: errorMessage(err), retry_in_ms: delay }, 'replay batch failed; retrying'),
    },
    batchMaxEvents: ingest.loop.batchMaxEvents,
    pullMaxMessages: ingest.loop.pullMaxMessages,
  };
}

/** Reads the replay consumer up to result.toSeq in batches; its consumer needs no acks. */
async function replayBatches(consumer: Consumer, w: ReplayWriter, result: ReplayResult): Promise<void> {
  const messages = await consumer.consume({ max_messages: w.pullMaxMessages });
  let batch: InFlight[] = [];
  let size = 0;
  for await (const msg of messages) {
    result.fromSeq ??= msg.seq;
    const item = decodeInFlight(w.decode, msg);
    batch.push(item);
    size += item.size;
    const last = msg.seq >= result.toSeq || msg.info.pending === 0;
    if (size >= w.batchMaxEvents || last) {
      await writeReplayed(w, batch, result);
      batch = [];
      size = 0;
    }
    if (last) break;
  }
  await messages.close().catch(() => {});
}

async function writeReplayed(w: ReplayWriter, batch: InFlight[], result: ReplayResult): Promise<void> {
  const written = await withRetry(() => writeBatch(w.write, batch), w.retry);
  // A dead letter already recorded by the live consumer was published then.
  announceDeadLetters(w.deadLetters, written.deadLetters, 'new');
  const { events, inserted } = batchTotals(written);
  result.messages += batch.length;
  result.events += events;
  result.inserted += inserted;
  result.duplicates += events - inserted;
  result.deadLettered += written.deadLetters.length;
}
