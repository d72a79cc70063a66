import t from 'tap';
import { canonicalJson, eventKey, messageId, encodeEnvelope, decodeEnvelope } from '../../src/shared/envelope.js';

t.test('canonical JSON sorts keys at every level', async (t) => {
  t.equal(
    canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'é' } }),
    '{"a":{"c":"é","d":[1,{"x":1,"y":2}]},"b":1}',
  );
});

t.test('event keys', async (t) => {
  const base = {
    type: 'telemetry',
    character_name: 'Bob Smith',
    timestamp: '2026-11-25T12:00:00Z',
    ew: 1,
    ns: 2,
    z: 3,
  };
  const k = eventKey(base);
  t.match(k, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  t.equal(
    eventKey({ z: 3, ns: 2, ew: 1, timestamp: base.timestamp, character_name: 'Bob Smith', type: 'telemetry' }),
    k,
    'key order does not matter',
  );
  t.not(eventKey({ ...base, ew: 1.5 }), k, 'content matters');
  const withId = eventKey({ ...base, event_id: 'e1' });
  t.equal(eventKey({ ...base, ew: 9, event_id: 'e1' }), withId, 'event_id decides when given');
  t.not(eventKey({ ...base, character_name: 'Alice', event_id: 'e1' }), withId, 'scoped by character');
  t.not(eventKey({ ...base, type: 'spawn', event_id: 'e1' }), withId, 'scoped by type');
});

t.test('message ids and envelope round trip', async (t) => {
  t.equal(messageId(['a']), 'a');
  t.equal(messageId(['a', 'b']), messageId(['a', 'b']));
  const { createHash } = await import('node:crypto');
  t.equal(
    messageId(['a', 'bc']),
    `b-${createHash('sha256').update('a').update('bc').digest('base64url')}`,
    'sha-256 over the keys in order',
  );
  t.not(messageId(['a', 'b']), messageId(['b', 'a']));
  const env = {
    v: 1 as const,
    type: 'spawn' as const,
    received_at: new Date(0).toISOString(),
    ids: ['x'],
    events: [{ mob: 'Drudge\t"\\' }],
  };
  t.same(decodeEnvelope(encodeEnvelope(env)), env);
  t.throws(() => decodeEnvelope(Buffer.from('{"v":2}')), /unsupported envelope version 2/);
  t.throws(() => decodeEnvelope(Buffer.from('{"v":1,"ids":[],"events":[{}]}')), /equal-length/);
});

t.test('eventKey is pinned to its documented definition (stored keys must never change)', async (t) => {
  const { createHash } = await import('node:crypto');
  const reference = (e: Record<string, any>) => {
    const h = createHash('sha256').update(e.type).update('\0').update(e.character_name).update('\0');
    if (e.event_id !== undefined) h.update('id\0').update(e.event_id);
    else h.update('json\0').update(canonicalJson(e));
    const x = h.digest('hex');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
  };
  let n = 0;
  for (const name of ['Bob', 'Zoë 龍 🌍', 'a.b*> _5F', 'x'.repeat(64)]) {
    for (const type of ['telemetry', 'spawn', 'rare', 'chat']) {
      const ev = {
        type,
        character_name: name,
        timestamp: '2026-11-25T12:00:00Z',
        ew: 1.5,
        extra: { b: [1, { z: 'ü', a: null }], a: 'x' },
      };
      t.equal(eventKey(ev), reference(ev), `${type}/${name} without event_id`);
      const withId = { ...ev, event_id: `id-${n++} ü\u0001` };
      t.equal(eventKey(withId), reference(withId), `${type}/${name} with event_id`);
    }
  }
});

t.test('canonicalJson equals the straightforward definition on random JSON', async (t) => {
  const reference = (value: unknown): string => {
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    if (Array.isArray(value)) return `[${value.map((v) => reference(v)).join(',')}]`;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(',')}}`;
  };
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const gen = (depth: number): unknown => {
    const r = rnd();
    if (depth > 3 || r < 0.3)
      return [null, true, false, rnd() * 1e6 - 5e5, Math.floor(rnd() * 100), 'é"\\\n\t🦄', ''][Math.floor(rnd() * 7)];
    if (r < 0.5) return Array.from({ length: Math.floor(rnd() * 4) }, () => gen(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rnd() * 6); i > 0; i--)
      o[['b', 'a', 'Z', 'é', '__proto_', '10', '2', 'ew'][Math.floor(rnd() * 8)] + i] = gen(depth + 1);
    return o;
  };
  for (let i = 0; i < 2000; i++) {
    const v = JSON.parse(JSON.stringify(gen(0)) ?? 'null');
    if (canonicalJson(v) !== reference(v)) {
      t.fail(`differs on ${JSON.stringify(v)}`);
      return;
    }
  }
  t.pass('2000 random values');
});

t.test('canonicalEventJson (the edge fast path) equals canonicalJson on random events', async (t) => {
  const { canonicalEventJson, MAX_SHAPES } = await import('../../src/shared/canonical-json.js');
  let seed = 11;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  // Hostile keys: literal-special (__proto__), array indices, quotes, line separators, empty.
  const names = [
    'type',
    'ew',
    'ns',
    'z',
    'b',
    'a',
    '__proto__',
    '0',
    '10',
    '2',
    '4294967295',
    '01',
    '',
    'é',
    'q"\\',
    'ls\u2028',
    'x y',
    'constructor',
  ];
  const values = () =>
    [
      null,
      true,
      false,
      rnd() * 1e6 - 5e5,
      -0,
      1e21,
      5e-324,
      'é"\\\n\t🦄\u2028',
      '',
      { n: [1, { b: 2, a: 1 }] },
      [3, 2],
    ][Math.floor(rnd() * 11)];
  let flat = 0;
  // More distinct field orders than the shape cache holds: the overflow takes the general path.
  for (let i = 0; i < MAX_SHAPES * 8; i++) {
    const o: Record<string, unknown> = {};
    for (let k = Math.floor(rnd() * 8); k > 0; k--) o[names[Math.floor(rnd() * names.length)]] = values();
    const ev = JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
    if (Object.values(ev).every((v) => v === null || typeof v !== 'object')) flat++;
    const got = canonicalEventJson(ev);
    if (got !== canonicalJson(ev)) {
      t.fail(`differs on ${JSON.stringify(ev)}: ${got}`);
      return;
    }
    if (canonicalEventJson(ev) !== got) {
      t.fail('second call differs');
      return;
    }
  }
  t.ok(flat > MAX_SHAPES, `${flat} flat events among ${MAX_SHAPES * 8}`);
  t.equal(
    canonicalEventJson(JSON.parse('{"__proto__":{"polluted":1},"b":2,"a":1}')),
    '{"__proto__":{"polluted":1},"a":1,"b":2}',
  );
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
});
