// GET /quarantine: the newest refused events in [from, to), read from the quarantine
// stream (src/shared/quarantine.ts), not from PostgreSQL (docs/api.md "/quarantine").
//
// JetStream reads forward only, so the newest-first list walks the stream backward in
// windows of sequences:
// 1. [from, to) becomes a sequence range [lo, hi] (an unfiltered ephemeral consumer
//    started at a time reports the first sequence at or after it; none is made when
//    the range covers the whole stream).
// 2. From hi down, each window gets an ephemeral consumer filtered by subject (reason,
//    character), so the server only sends matching records; the window doubles until
//    limit + 1 records are found or lo is reached.
// Cost: the server examines every stored record of the windows walked; a request stops
// after QUARANTINE_SCAN_MAX of them and answers what it found, flagged `truncated`.
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes, TrackerError } from '../../shared/errors.js';
import { isNotFound } from '../../shared/nats.js';
import { quarantineFilter, quarantineStreamName, type QuarantineRecord } from '../../shared/quarantine.js';

/** Most stream records one request examines (each window's whole span counts). */
export const QUARANTINE_SCAN_MAX = 100_000;
const FIRST_WINDOW = 1024;
const NS_PER_S = 1_000_000_000;
const FETCH_EXPIRES_MS = 5000;

export interface QuarantineFilter {
  from: Date;
  to: Date;
  reason?: string;
  character?: string;
}

export type QuarantineItem = QuarantineRecord & { seq: number };

export interface QuarantineSource {
  read(f: QuarantineFilter, limit: number): Promise<{ rows: QuarantineItem[]; truncated: boolean }>;
}

export function quarantineSource(nc: NatsConnection, streamName: string, prefix: string): QuarantineSource {
  const stream = quarantineStreamName(streamName);
  return {
    read: async (f, limit) => {
      try {
        return await readNewest(nc, await jetstreamManager(nc), stream, prefix, f, limit);
      } catch (err) {
        if (isNotFound(err)) return { rows: [], truncated: false };
        if (err instanceof TrackerError) throw err;
        throw new TrackerError(ErrorCodes.unavailable, `quarantine stream unreadable: ${(err as Error).message}`, {
          cause: err,
        });
      }
    },
  };
}

async function readNewest(
  nc: NatsConnection,
  jsm: JetStreamManager,
  stream: string,
  prefix: string,
  f: QuarantineFilter,
  limit: number,
): Promise<{ rows: QuarantineItem[]; truncated: boolean }> {
  const { state } = await jsm.streams.info(stream);
  const empty = { rows: [], truncated: false };
  if (state.messages === 0 || f.from.getTime() > Date.parse(state.last_ts)) return empty;
  const hi = f.to.getTime() > Date.parse(state.last_ts) ? state.last_seq : (await seqAt(jsm, stream, f.to)) - 1;
  const lo = f.from.getTime() <= Date.parse(state.first_ts) ? state.first_seq : await seqAt(jsm, stream, f.from);
  const filter = quarantineFilter(prefix, f.reason, f.character);
  const rows: QuarantineItem[] = [];
  let end = hi;
  let window = Math.max(FIRST_WINDOW, limit + 1);
  let scanned = 0;
  while (end >= lo && rows.length <= limit) {
    if (scanned >= QUARANTINE_SCAN_MAX) return { rows: rows.slice(0, limit), truncated: true };
    const start = Math.max(lo, end - window + 1, end - (QUARANTINE_SCAN_MAX - scanned) + 1);
    const found = await readWindow(nc, jsm, stream, filter, start, end);
    rows.push(...found.reverse());
    scanned += end - start + 1;
    end = start - 1;
    window *= 2;
  }
  return { rows: rows.slice(0, limit), truncated: rows.length > limit };
}

const consumerBase = (): Partial<ConsumerConfig> => ({
  ack_policy: AckPolicy.None,
  mem_storage: true,
  inactive_threshold: 30 * NS_PER_S, // the server removes it if this request dies
  description: 'telemetry tracker GET /quarantine',
});

/** The first sequence stored at or after `t` (the server resolves the start time, as for any consumer). */
async function seqAt(jsm: JetStreamManager, stream: string, t: Date): Promise<number> {
  const info = await jsm.consumers.add(stream, {
    ...consumerBase(),
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: t.toISOString(),
  });
  await jsm.consumers.delete(stream, info.name).catch(() => {});
  return info.delivered.stream_seq + 1;
}

/** The records matching `filter` with a sequence in [start, end], oldest first. */
async function readWindow(
  nc: NatsConnection,
  jsm: JetStreamManager,
  stream: string,
  filter: string,
  start: number,
  end: number,
): Promise<QuarantineItem[]> {
  const info = await jsm.consumers.add(stream, {
    ...consumerBase(),
    filter_subject: filter,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: start,
  });
  const out: QuarantineItem[] = [];
  try {
    // Matching records in the window are at most its span; num_pending says how many exist at all.
    const want = Math.min(info.num_pending, end - start + 1);
    if (want === 0) return out;
    const consumer = await jetstream(nc).consumers.get(stream, info.name);
    const messages = await consumer.fetch({ max_messages: want, expires: FETCH_EXPIRES_MS });
    for await (const m of messages) {
      if (m.seq > end) break;
      const item = itemOf(m.seq, m.string());
      if (item) out.push(item);
      if (m.seq === end || m.info.pending === 0) break;
    }
    messages.stop();
  } finally {
    await jsm.consumers.delete(stream, info.name).catch(() => {});
  }
  return out;
}

/**
 * A record as the API shows it: known fields only, checked, since anyone with NATS
 * access can publish on these subjects; anything else is skipped.
 */
function itemOf(seq: number, text: string): QuarantineItem | undefined {
  let r: Partial<QuarantineRecord>;
  try {
    r = JSON.parse(text) as Partial<QuarantineRecord>;
  } catch {
    return undefined;
  }
  if (typeof r !== 'object' || r === null) return undefined;
  const { reason, message, raw, raw_kind, received_at } = r;
  if (typeof reason !== 'string' || typeof message !== 'string' || typeof raw !== 'string') return undefined;
  if ((raw_kind !== 'event' && raw_kind !== 'frame') || typeof received_at !== 'string') return undefined;
  const item: QuarantineItem = { seq, v: 1, reason, message, raw_kind, raw, received_at };
  if (Array.isArray(r.errors)) item.errors = r.errors.filter(isFieldError);
  if (r.raw_truncated === true) item.raw_truncated = true;
  if (typeof r.character_name === 'string') item.character_name = r.character_name;
  return item;
}

const isFieldError = (e: unknown): e is { path: string; message: string } =>
  typeof (e as { path?: unknown })?.path === 'string' && typeof (e as { message?: unknown })?.message === 'string';
