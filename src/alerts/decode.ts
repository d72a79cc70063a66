// Stream message -> telemetry samples for evaluation. Ingest validates and dead-letters
// (docs/ingest.md "Foreign and malformed messages"); alerts only reads: a message that is
// not telemetry or not an envelope gives no sample, and an event whose fields do not
// read as the schema says is skipped, so no foreign message can stop evaluation.
import { decodeEnvelope } from '../shared/envelope.js';
import { parseSubject } from '../shared/subjects.js';
import type { Sample } from './types.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function sampleOf(character: string, receivedAt: number, ev: Record<string, unknown> | null): Sample | undefined {
  if (ev === null || typeof ev !== 'object' || ev.character_name !== character) return undefined;
  const ts = typeof ev.timestamp === 'string' ? Date.parse(ev.timestamp) : Number.NaN;
  const ew = num(ev.ew);
  const ns = num(ev.ns);
  if (!Number.isFinite(ts) || ew === undefined || ns === undefined) return undefined;
  return {
    character,
    ts,
    receivedAt,
    ew,
    ns,
    kills: num(ev.kills),
    deaths: num(ev.deaths),
    memMb: num(ev.mem_mb),
    memHandles: num(ev.mem_handles),
    latencyMs: num(ev.latency_ms),
  };
}

/** The telemetry samples of one stream message, in order; [] for anything else. */
export function samplesOf(prefix: string, subject: string, data: Uint8Array): Sample[] {
  const route = parseSubject(prefix, subject);
  if (route?.type !== 'telemetry') return [];
  let receivedAt: number;
  let events: unknown[];
  try {
    const env = decodeEnvelope(data);
    receivedAt = Date.parse(env.received_at);
    events = env.events;
  } catch {
    return [];
  }
  if (!Number.isFinite(receivedAt)) return [];
  const out: Sample[] = [];
  for (const ev of events) {
    const s = sampleOf(route.characterName, receivedAt, ev as Record<string, unknown> | null);
    if (s) out.push(s);
  }
  return out;
}
