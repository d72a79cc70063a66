// Canonical JSON: object keys sorted at every level, so equal events give equal text
// whatever order a client wrote their fields in. The edge serializes every accepted
// event this way exactly once: the text is both what the JetStream envelope carries and
// what an event key without `event_id` is hashed from (src/shared/envelope.ts).

const quotedKeys = new Map<string, string>();
const MAX_CACHED_KEYS = 1024;

function quoteKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    // Event field names repeat; unknown extra fields could be anything: bound the cache.
    if (quotedKeys.size < MAX_CACHED_KEYS) quotedKeys.set(k, q);
  }
  return q;
}

/**
 * The general definition, for any JSON value. Written as loops (no filter/map/join);
 * output is pinned against the straightforward version in envelope.unit.test.ts.
 */
export function canonicalJson(value: unknown): string {
  // Same text as JSON.stringify for finite numbers (and -0 -> "0" in both).
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let s = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) s += ',';
      s += canonicalJson(value[i]) ?? '';
    }
    return `${s}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let s = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const v = obj[keys[i]];
    if (v === undefined) continue;
    if (!first) s += ',';
    first = false;
    s += `${quoteKey(keys[i])}:${canonicalJson(v)}`;
  }
  return `${s}}`;
}

// Fast path for the common event: a flat object (no nested object or array) whose
// fields come in one of a few orders ("shapes"; a plugin writes the same fields in the
// same order every time). Per shape we compile, once, a function that copies the
// fields into an object literal with the keys already sorted and hands it to the native
// JSON.stringify: V8 builds such literals as fast-mode objects, so this costs about one
// plain stringify, about half of a stringify plus canonicalJson (see docs/benchmarks.md
// "Figures behind code choices"). Anything else takes canonicalJson.
type ShapeFn = (e: Record<string, unknown>) => string | undefined;
interface Shape {
  keys: string[];
  fn: ShapeFn | undefined;
}

/** Distinct field orders remembered (hostile clients cannot make us compile forever). */
export const MAX_SHAPES = 256;
const MAX_SHAPE_KEYS = 128;
const shapesByLength = new Map<number, Shape[]>();
let shapeCount = 0;

// Keys V8 would enumerate before the others in a literal (array indices) or treat
// specially in one (__proto__): such shapes always take the general path.
const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/;
const literalSafe = (k: string) => k !== '__proto__' && !(ARRAY_INDEX.test(k) && Number(k) < 4294967295);

function compile(keys: string[]): ShapeFn | undefined {
  if (!keys.every(literalSafe)) return undefined;
  const sorted = [...keys].sort();
  // JSON string literals are valid JS string literals: no key can escape its quotes.
  const q = sorted.map((k) => JSON.stringify(k));
  const reads = q.map((k, i) => `const v${i} = e[${k}];`).join('\n');
  const nested = q.map((_, i) => `(typeof v${i} === 'object' && v${i} !== null)`).join(' || ');
  const literal = q.map((k, i) => `${k}: v${i}`).join(', ');
  // Not eval of input: the source is built from JSON.stringify'd key names only (above).
  return new Function(
    'e',
    `${reads}\nif (${nested || 'false'}) return undefined;\nreturn JSON.stringify({${literal}});`,
  ) as ShapeFn;
}

function shapeOf(keys: string[]): Shape | undefined {
  const list = shapesByLength.get(keys.length);
  if (list) {
    outer: for (let s = 0; s < list.length; s++) {
      const known = list[s].keys;
      for (let i = 0; i < keys.length; i++) if (known[i] !== keys[i]) continue outer;
      return list[s];
    }
  }
  if (shapeCount >= MAX_SHAPES || keys.length > MAX_SHAPE_KEYS) return undefined;
  const shape = { keys, fn: compile(keys) };
  shapeCount++;
  if (list) list.push(shape);
  else shapesByLength.set(keys.length, [shape]);
  return shape;
}

/** canonicalJson(event) for an event object (same text, faster for flat events). */
export function canonicalEventJson(event: Record<string, unknown>): string {
  const fn = shapeOf(Object.keys(event))?.fn;
  return fn?.(event) ?? canonicalJson(event);
}
