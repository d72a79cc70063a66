// Replays the quarantine (docs/operations.md "Quarantine"): each record's raw event
// (each event of a raw frame) goes through today's validators; what passes is
// published exactly as the edge publishes one event (same subject, envelope, and
// Nats-Msg-Id = the event key, so JetStream and ingest store it once) and the record is
// deleted; what still fails stays. Reads up to the last record present at the start.
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes } from '../shared/errors.js';
import { isNotFound } from '../shared/nats.js';
import { quarantineStreamName, type QuarantineRecord } from '../shared/quarantine.js';
import { envelopeFromJson } from '../edge/envelope-json.js';
import { checkEvent, isErrorReply, parseFrame, type AcceptedEvent, type FrameOptions } from '../edge/frame.js';
import type { ErrorReply } from '../edge/replies.js';

/** Today's verdict on one replayed event: the seam where a test (or a new rule) decides. */
export type Admit = (event: unknown) => AcceptedEvent | ErrorReply;

/**
 * The one function replay validates with: the edge's checks and limits
 * (src/edge/frame.ts checkEvent). Strings are always scanned: the frame text that told
 * the edge whether it had to is gone.
 */
export function admitReplayed(event: unknown, limits: FrameOptions): AcceptedEvent | ErrorReply {
  return checkEvent(event, undefined, 0, true, limits);
}

export interface QuarantineReplayOptions {
  /** Only records refused with this code; the others are skipped. */
  reason?: string;
  /** Only records stored at or after this time. */
  since?: Date;
  /** Validate and count only: publish nothing, delete nothing. */
  dryRun: boolean;
}

export interface QuarantineReplayDeps {
  nc: NatsConnection;
  streamName: string;
  admit: Admit;
  /** EDGE_MAX_EVENTS_PER_FRAME, for a raw frame that now parses. */
  maxEventsPerFrame: number;
  publishTimeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface QuarantineReplayReport {
  /** Records read (after --since). */
  read: number;
  /** Records whose every event passes today: published (or, in a dry run, would be) and deleted. */
  passed: number;
  /** Events stored in the log by this replay. */
  published: number;
  /** Events JetStream already held (same Nats-Msg-Id within its duplicate window). */
  duplicates: number;
  /** Chat events that now pass: chat is live-only (core NATS), so an old one is not sent again. */
  chat_not_sent: number;
  deleted: number;
  /** Records that stay, by the code they fail with today (`raw_truncated`: cut, cannot pass). */
  still_failing: Record<string, number>;
  /** Records left alone: another --reason, or stored before --since. */
  skipped_by_filter: number;
  /** Messages on quarantine subjects that are not quarantine records (left alone). */
  unreadable: number;
  dry_run: boolean;
}

const NS_PER_S = 1_000_000_000;
const PULL_BATCH = 256;

export async function replayQuarantine(
  deps: QuarantineReplayDeps,
  opts: QuarantineReplayOptions,
): Promise<QuarantineReplayReport> {
  const report: QuarantineReplayReport = {
    read: 0,
    passed: 0,
    published: 0,
    duplicates: 0,
    chat_not_sent: 0,
    deleted: 0,
    still_failing: {},
    skipped_by_filter: 0,
    unreadable: 0,
    dry_run: opts.dryRun,
  };
  const jsm = await jetstreamManager(deps.nc);
  const stream = quarantineStreamName(deps.streamName);
  let state: Awaited<ReturnType<JetStreamManager['streams']['info']>>['state'];
  try {
    ({ state } = await jsm.streams.info(stream));
  } catch (err) {
    if (isNotFound(err)) return report;
    throw err;
  }
  if (state.messages === 0) return report;
  const info = await jsm.consumers.add(stream, readerConfig(opts.since));
  try {
    report.skipped_by_filter = state.messages - info.num_pending;
    if (info.num_pending === 0) return report;
    const total = info.num_pending;
    const js = jetstream(deps.nc);
    const consumer = await js.consumers.get(stream, info.name);
    const messages = await consumer.consume({ max_messages: PULL_BATCH });
    let seen = 0;
    for await (const m of messages) {
      seen++;
      await replayOne(deps, js, jsm, stream, m.seq, m.string(), opts, report);
      deps.onProgress?.(seen, total);
      if (m.seq >= state.last_seq || m.info.pending === 0) break;
    }
    await messages.close().catch(() => {});
    return report;
  } finally {
    await jsm.consumers.delete(stream, info.name).catch(() => {});
  }
}

function readerConfig(since: Date | undefined): Partial<ConsumerConfig> {
  return {
    ack_policy: AckPolicy.None,
    mem_storage: true,
    inactive_threshold: 60 * NS_PER_S, // the server removes it if the command dies
    description: 'telemetry tracker quarantine replay',
    ...(since
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.toISOString() }
      : { deliver_policy: DeliverPolicy.All }),
  };
}

async function replayOne(
  deps: QuarantineReplayDeps,
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  seq: number,
  text: string,
  opts: QuarantineReplayOptions,
  report: QuarantineReplayReport,
): Promise<void> {
  const record = parseRecord(text);
  if (!record) {
    report.unreadable++;
    return;
  }
  if (opts.reason !== undefined && record.reason !== opts.reason) {
    report.skipped_by_filter++;
    return;
  }
  report.read++;
  const verdicts = judge(deps, record);
  const failing = verdicts.find(isErrorReply);
  if (failing) {
    report.still_failing[failing.code] = (report.still_failing[failing.code] ?? 0) + 1;
    return;
  }
  report.passed++;
  if (opts.dryRun) return;
  const receivedAt = isoOrNow(record.received_at);
  for (const ev of verdicts as AcceptedEvent[]) {
    if (ev.type === 'chat') {
      report.chat_not_sent++;
      continue;
    }
    const ack = await js.publish(ev.subject, envelopeFromJson(ev.type, receivedAt, [ev.key], [ev.json]), {
      msgID: ev.key,
      timeout: deps.publishTimeoutMs ?? 10_000,
    });
    if (ack.duplicate) report.duplicates++;
    else report.published++;
  }
  // Deleted only once every event is stored: a crash before this replays it again, stored once.
  if (await jsm.streams.deleteMessage(stream, seq, false)) report.deleted++;
}

/** Every event of the record with today's verdict; a record that cannot pass gets one error. */
function judge(deps: QuarantineReplayDeps, record: QuarantineRecord): Array<AcceptedEvent | ErrorReply> {
  const fail = (code: string, message: string) => [{ type: 'error', code, message, frame: 0 } as ErrorReply];
  if (record.raw_truncated) return fail('raw_truncated', 'the raw text was cut at the size limit');
  let events: unknown[];
  if (record.raw_kind === 'frame') {
    const parsed = parseFrame(record.raw, 0, deps.maxEventsPerFrame);
    if (!parsed.ok) return [parsed.error];
    events = parsed.events;
  } else {
    try {
      events = [JSON.parse(record.raw)];
    } catch (err) {
      return fail(ErrorCodes.malformedJson, (err as Error).message);
    }
  }
  return events.map((ev) => deps.admit(ev));
}

function parseRecord(text: string): QuarantineRecord | undefined {
  try {
    const r = JSON.parse(text) as QuarantineRecord;
    const kindOk = r?.raw_kind === 'event' || r?.raw_kind === 'frame';
    return kindOk && typeof r.raw === 'string' && typeof r.reason === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The envelope's received_at: the record's, when it is the 24-character ISO form the size budget counts. */
function isoOrNow(s: unknown): string {
  const ms = typeof s === 'string' ? Date.parse(s) : NaN;
  const iso = Number.isFinite(ms) ? new Date(ms).toISOString() : '';
  return iso === s ? iso : new Date().toISOString();
}
