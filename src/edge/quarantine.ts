// Keeps what the edge refuses for its content (invalid_event, malformed_json) in the
// quarantine stream (src/shared/quarantine.ts, docs/protocol.md "Refused events").
// Best effort by design: the accepted path never waits for it and never fails because
// of it. Publishes are fire-and-forget with a bound on those awaiting their PubAck;
// over the bound, or when JetStream refuses one (no stream, a limit), the record is
// dropped and counted in tracker_edge_quarantine_dropped_total{reason}.
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../shared/logger.js';
import { cutUtf8, isQuarantined, quarantineSubject, type QuarantineRecord } from '../shared/quarantine.js';
import type { ErrorReply } from './replies.js';
import type { EdgeMetrics } from './metrics.js';

/** What was refused: one event of a parsed frame, or the text of a frame that is not JSON. */
export type Refused = { event: unknown } | { frame: string };

export interface Quarantine {
  /** Keeps what `reply` refused when its code is quarantined; never throws, never waits. */
  refused(reply: ErrorReply, what: Refused): void;
  /** Records whose publish has not been answered yet. */
  readonly inflight: number;
}

export interface QuarantineOptions {
  nc: NatsConnection;
  subjectPrefix: string;
  /** The per-event size limit: raw text beyond it is cut and flagged `raw_truncated`. */
  maxRawBytes: number;
  /** The server's max_payload: a record whose escaped raw would not fit is cut further. */
  maxMessageBytes: number;
  metrics: Pick<EdgeMetrics, 'quarantined' | 'quarantineDropped'>;
  log: Logger;
  /** Publishes awaiting their PubAck at once; more are dropped. */
  maxInflight?: number;
  publishTimeoutMs?: number;
}

/** A burst of refusals holds at most this many publishes; the log's publishes are bounded apart. */
export const QUARANTINE_MAX_INFLIGHT = 256;
const PUBLISH_TIMEOUT_MS = 5000;
/** A failing quarantine logs once per this interval, not once per refused event. */
const LOG_EVERY_MS = 10_000;

export function createQuarantine(opts: QuarantineOptions): Quarantine {
  const js: JetStreamClient = jetstream(opts.nc);
  const maxInflight = opts.maxInflight ?? QUARANTINE_MAX_INFLIGHT;
  const timeout = opts.publishTimeoutMs ?? PUBLISH_TIMEOUT_MS;
  let inflight = 0;
  let lastLog = 0;
  const drop = (reason: string, why: string) => {
    opts.metrics.quarantineDropped.inc({ reason });
    const now = Date.now();
    if (now - lastLog < LOG_EVERY_MS) return;
    lastLog = now;
    opts.log.warn({ reason, err: why }, 'refused event not quarantined');
  };
  return {
    get inflight() {
      return inflight;
    },
    refused(reply, what) {
      if (!isQuarantined(reply.code)) return;
      if (inflight >= maxInflight) return drop(reply.code, `over ${maxInflight} quarantine publishes in flight`);
      let record: QuarantineRecord;
      let payload: string;
      try {
        record = quarantineRecord(reply, what, opts.maxRawBytes);
        payload = encodeRecord(record, opts.maxMessageBytes);
      } catch (err) {
        return drop(reply.code, (err as Error).message);
      }
      inflight++;
      const subject = quarantineSubject(opts.subjectPrefix, reply.code, record.character_name);
      js.publish(subject, payload, { timeout }).then(
        () => {
          inflight--;
          opts.metrics.quarantined.inc({ reason: reply.code });
        },
        (err: Error) => {
          inflight--;
          drop(reply.code, err.message);
        },
      );
    },
  };
}

/** The record of one refusal (format: src/shared/quarantine.ts); throws only if the event cannot be serialised. */
export function quarantineRecord(reply: ErrorReply, what: Refused, maxRawBytes: number): QuarantineRecord {
  const isFrame = 'frame' in what;
  // JSON.stringify of a parsed event cannot fail for data but can for depth (RangeError).
  const { text, cut } = cutUtf8(isFrame ? what.frame : JSON.stringify(what.event), maxRawBytes);
  const name = isFrame ? undefined : (what.event as { character_name?: unknown } | null)?.character_name;
  const record: QuarantineRecord = {
    v: 1,
    reason: reply.code,
    message: reply.message,
    raw_kind: isFrame ? 'frame' : 'event',
    raw: text,
    received_at: new Date().toISOString(),
  };
  if (reply.errors?.length) record.errors = reply.errors;
  if (cut) record.raw_truncated = true;
  if (typeof name === 'string') record.character_name = cutUtf8(name, 1024).text;
  return record;
}

/** Headers and subject of the publish, well above what nats.js adds. */
const MESSAGE_MARGIN = 1024;

/**
 * The record as JSON, within `maxMessageBytes`: escaping can make raw up to six times
 * longer in JSON (a control character becomes \u00XX), and each byte cut from raw
 * shortens the JSON by at least one byte, so one further cut by the excess fits.
 */
export function encodeRecord(record: QuarantineRecord, maxMessageBytes: number): string {
  const json = JSON.stringify(record);
  const excess = Buffer.byteLength(json) - (maxMessageBytes - MESSAGE_MARGIN);
  if (excess <= 0) return json;
  const rawBytes = Buffer.byteLength(record.raw);
  if (excess >= rawBytes) throw new Error('quarantine record does not fit one NATS message even without its raw text');
  return JSON.stringify({ ...record, raw: cutUtf8(record.raw, rawBytes - excess).text, raw_truncated: true });
}
