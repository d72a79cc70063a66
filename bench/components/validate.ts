// Component figure: ajv validation cost per event (ns/event), beside JSON.parse and the
// event key hash the edge also pays per event, so the validator's share is visible.
import { EventFactory } from '../loadgen/events.js';
import { eventKeyOf } from '../../src/shared/envelope.js';
import { canonicalEventJson } from '../../src/shared/canonical-json.js';
import { compileFallback } from './fallback-schema.js';
import { loadProjectValidator } from './project-validator.js';
import { normalizeEvent, mayNeedNormalizing, DEFAULT_NORMALIZE_OPTIONS } from '../../schemas/normalize.js';
import { checkEvent, isErrorReply, type FrameOptions } from '../../src/edge/frame.js';
import { SizeBudget } from '../../src/edge/size-budget.js';

export interface ValidateResult {
  validator: string;
  events: number;
  validateNsPerEvent: number;
  jsonParseNsPerEvent: number;
  eventKeyNsPerEvent: number;
  /** Sanity: how many of the sample events the validator accepted (must be all). */
  validShare: number;
  /** What a canonical event pays for the older-plugin normaliser (docs/protocol.md "Older plugins"): the fast test. */
  normalizeCanonicalNsPerEvent: number;
  /** normalizeEvent on an older plugin's telemetry (N/A, numbers as text, a zoneless .NET timestamp). */
  normalizeLegacyNsPerEvent: number;
  /** The edge's whole per-event check (src/edge/frame.ts checkEvent: validate, normalise if needed, key), canonical. */
  checkCanonicalNsPerEvent: number;
  /** The same for the older plugin's events: validate, normalise, validate again, key. */
  checkLegacyNsPerEvent: number;
}

/** The sample's telemetry as an older plugin sends it: every rule but typeless and missing timestamp. */
function legacyForm(e: Record<string, unknown>): Record<string, unknown> {
  if (e.type !== 'telemetry') return e;
  return {
    ...e,
    kills_per_hour: 'N/A',
    ew: String(e.ew),
    kills: String(e.kills ?? 0),
    timestamp: String(e.timestamp).replace(/Z$/, '1234'),
  };
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
  const normalizer = benchNormalizer(events as Record<string, unknown>[], minMs);
  return {
    ...normalizer,
    validator: project?.name ?? 'bench fallback (TypeBox equivalent of docs/protocol.md; schemas/ not available)',
    events: v.calls,
    validateNsPerEvent: Math.round(v.nsPerCall),
    jsonParseNsPerEvent: Math.round(p.nsPerCall),
    eventKeyNsPerEvent: Math.round(k.nsPerCall),
    validShare,
  };
}

function benchNormalizer(events: Record<string, unknown>[], minMs: number) {
  const telemetry = events.filter((e) => e.type === 'telemetry');
  const legacy = telemetry.map(legacyForm);
  const limits: FrameOptions = { subjectPrefix: 'tracker', maxEventDepth: 16, budget: new SizeBudget(1024 * 1024) };
  const check = (e: unknown) => checkEvent(e, undefined, 1, false, limits);
  if (legacy.some((e) => isErrorReply(check(e)))) throw new Error('bench: a legacy sample event is refused');
  const receive = () => '2026-12-04T10:00:00.000Z';
  for (const e of legacy) normalizeEvent(e, DEFAULT_NORMALIZE_OPTIONS, receive);
  let i = 0;
  const canonical = timeNs(() => {
    mayNeedNormalizing(telemetry[i++ % telemetry.length]);
  }, minMs / 2);
  i = 0;
  const old = timeNs(() => {
    normalizeEvent(legacy[i++ % legacy.length], DEFAULT_NORMALIZE_OPTIONS, receive);
  }, minMs / 2);
  i = 0;
  const checkCanonical = timeNs(() => {
    check(telemetry[i++ % telemetry.length]);
  }, minMs / 2);
  i = 0;
  const checkLegacy = timeNs(() => {
    check(legacy[i++ % legacy.length]);
  }, minMs / 2);
  return {
    normalizeCanonicalNsPerEvent: Math.round(canonical.nsPerCall),
    normalizeLegacyNsPerEvent: Math.round(old.nsPerCall),
    checkCanonicalNsPerEvent: Math.round(checkCanonical.nsPerCall),
    checkLegacyNsPerEvent: Math.round(checkLegacy.nsPerCall),
  };
}
