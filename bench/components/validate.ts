// Component figure: ajv validation cost per event (ns/event), beside JSON.parse and the
// event key hash the edge also pays per event, so the validator's share is visible.
import { EventFactory } from '../loadgen/events.js';
import { eventKeyOf } from '../../src/shared/envelope.js';
import { canonicalEventJson } from '../../src/shared/canonical-json.js';
import { compileFallback } from './fallback-schema.js';
import { loadProjectValidator } from './project-validator.js';

export interface ValidateResult {
  validator: string;
  events: number;
  validateNsPerEvent: number;
  jsonParseNsPerEvent: number;
  eventKeyNsPerEvent: number;
  /** Sanity: how many of the sample events the validator accepted (must be all). */
  validShare: number;
}

function timeNs(fn: () => void, minMs: number): { nsPerCall: number; calls: number } {
  let calls = 0;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(minMs) * 1_000_000n;
  let now = t0;
  while (now < end) {
    for (let i = 0; i < 100; i++) fn();
    calls += 100;
    now = process.hrtime.bigint();
  }
  return { nsPerCall: Number(now - t0) / calls, calls };
}

export async function benchValidation(minMs: number): Promise<ValidateResult> {
  const project = await loadProjectValidator();
  const validate = project?.validate ?? compileFallback();
  const f = new EventFactory('Bench Validator', { arrayProbability: 0, arrayMax: 1, spawnEvery: 6 });
  const texts = Array.from({ length: 6000 }, () => f.frame(1));
  const events = texts.map((t) => JSON.parse(t) as { type: string; character_name: string });
  const validShare = events.filter((e) => validate(e)).length / events.length;
  // Warm up the JIT first, then measure.
  for (const e of events) validate(e);
  let i = 0;
  const v = timeNs(() => {
    validate(events[i++ % events.length]);
  }, minMs);
  i = 0;
  const p = timeNs(() => {
    JSON.parse(texts[i++ % texts.length]);
  }, minMs / 2);
  i = 0;
  // What the edge does per accepted event: one canonical serialization (the envelope's
  // text), hashed into the key.
  const k = timeNs(() => {
    const e = events[i++ % events.length] as { type: string; character_name: string; event_id?: string };
    eventKeyOf(e.type, e.character_name, e.event_id, canonicalEventJson(e));
  }, minMs / 2);
  return {
    validator: project?.name ?? 'bench fallback (TypeBox equivalent of docs/protocol.md; schemas/ not available)',
    events: v.calls,
    validateNsPerEvent: Math.round(v.nsPerCall),
    jsonParseNsPerEvent: Math.round(p.nsPerCall),
    eventKeyNsPerEvent: Math.round(k.nsPerCall),
    validShare,
  };
}
