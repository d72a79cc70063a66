// Small edge pieces: subject token encoding, envelope bytes, dedup cache, secret check,
// nesting limit.
import t from 'tap';
import { encodeToken, decodeToken, subjectFor, parseSubject } from '../../src/shared/subjects.js';
import { encodeEnvelope, decodeEnvelope, eventKey, messageId } from '../../src/shared/envelope.js';
import { envelopeFromJson } from '../../src/edge/envelope-json.js';
import { RecentKeys } from '../../src/edge/dedup-cache.js';
import { secretChecker } from '../../src/shared/secret-checker.js';
import { deepCheck } from '../../src/edge/deep-check.js';
import { liveTopics } from '../../src/edge/live-route.js';

t.test('character tokens round-trip and are valid NATS tokens', async (t) => {
  const names = [
    'Bob',
    'Bob Smith',
    'a.b',
    'star*',
    'gt>',
    '>',
    '*',
    '.',
    ' ',
    'under_score',
    '_5F',
    'tab\there',
    'Zoë',
    '龍王',
    '🌍 emoji',
    'mixed.Case *> ü_',
    'x'.repeat(64),
    '-dash-',
  ];
  for (const name of names) {
    const token = encodeToken(name);
    t.match(token, /^[A-Za-z0-9_-]+$/, `${JSON.stringify(name)} -> ${token}: only safe characters`);
    t.equal(decodeToken(token), name, `${JSON.stringify(name)} round-trips`);
    const subject = subjectFor('tracker', 'telemetry', name);
    t.equal(subject.split('.').length, 3, 'exactly three subject tokens');
    t.same(parseSubject('tracker', subject), { type: 'telemetry', characterName: name });
  }
  t.equal(encodeToken('Bob Smith'), 'Bob_20Smith');
  t.equal(encodeToken('a.b*>'), 'a_2Eb_2A_3E');
  t.equal(encodeToken('Zoë'), 'Zo_C3_AB');
  t.not(encodeToken('a_2E'), encodeToken('a.'), 'an underscore in a name cannot collide with an escape');
});

t.test('envelopeFromJson is byte-identical to encodeEnvelope', async (t) => {
  const events = [
    {
      type: 'telemetry',
      character_name: 'Zoë',
      timestamp: '2026-11-25T12:00:00Z',
      ew: 1.5,
      ns: -2,
      z: 0,
      extra: { a: [1, 'x'] },
    },
    {
      type: 'telemetry',
      character_name: 'Zoë',
      timestamp: '2026-11-25T12:00:01Z',
      ew: 1e-7,
      ns: 2,
      z: 0,
      event_id: 'e"1',
    },
  ];
  const ids = events.map(eventKey);
  const at = '2026-11-25T12:00:02.000Z';
  const a = envelopeFromJson(
    'telemetry',
    at,
    ids,
    events.map((e) => JSON.stringify(e)),
  );
  const b = encodeEnvelope({ v: 1, type: 'telemetry', received_at: at, ids, events });
  t.equal(Buffer.from(a).toString(), Buffer.from(b).toString());
  t.same(decodeEnvelope(a).events, events);
  t.match(messageId(ids), /^b-/);
});

t.test('RecentKeys: bounded by count and age', async (t) => {
  const r = new RecentKeys(3, 1000);
  for (const k of ['a', 'b', 'c', 'd']) r.add(k, 0);
  t.equal(r.size, 3);
  t.notOk(r.has('a', 1), 'oldest evicted over the count');
  t.ok(r.has('d', 999));
  t.notOk(r.has('d', 1000), 'expired after the ttl');
  for (let i = 0; i < 64; i++) r.add(`late${i}`, 5000);
  t.equal(r.size, 3, 'still bounded');
  t.notOk(r.has('d', 5000), 'expired entries are gone');
  const big = new RecentKeys(1000, 1000);
  for (let i = 0; i < 500; i++) big.add(`k${i}`, 0);
  for (let i = 0; i < 64; i++) big.add(`n${i}`, 2000);
  t.equal(big.size, 64, 'the periodic sweep drops expired keys');
  const off = new RecentKeys(0, 1000);
  off.add('a', 0);
  t.notOk(off.has('a', 1), '0 keys disables the cache');
});

t.test('secretChecker: constant-time compare of any lengths; no secret = open', async (t) => {
  const check = secretChecker('s3cret-value');
  t.ok(check('s3cret-value'));
  t.notOk(check('s3cret-valu'));
  t.notOk(check('s3cret-value!'));
  t.notOk(check(''));
  t.notOk(check('x'.repeat(10000)));
  t.ok(secretChecker(undefined)(''));
});

t.test('deepCheck: nesting limit and bad strings', async (t) => {
  t.equal(deepCheck({ a: { b: { c: 1 } } }, 4, true), undefined);
  t.match(deepCheck({ a: { b: { c: {} } } }, 3, true), { path: '/a/b', message: /deeper than 3/ });
  let deep: unknown = 1;
  for (let i = 0; i < 100000; i++) deep = [deep];
  t.match(deepCheck({ deep }, 16, false), { message: /deeper/ }, 'no stack overflow on 100k levels');
  t.match(deepCheck({ 'a/b': ['ok', 'x\u0000'] }, 16, true), { path: '/a~1b/1' });
  t.equal(deepCheck({ a: 'x\u0000' }, 16, false), undefined, 'strings are skipped without \\u escapes in the frame');
  t.equal(deepCheck({ a: '🌍' }, 16, true), undefined, 'surrogate pairs are fine');
});

t.test('live topics from query parameters', async (t) => {
  t.same(liveTopics(new URLSearchParams('')), {
    topics: ['live/telemetry', 'live/spawn', 'live/rare', 'live/chat'],
    types: ['telemetry', 'spawn', 'rare', 'chat'],
  });
  t.same(liveTopics(new URLSearchParams('types=chat,rare,chat&character=Bob Smith')), {
    topics: ['live/chat/Bob_20Smith', 'live/rare/Bob_20Smith'],
    types: ['chat', 'rare'],
  });
  t.type(liveTopics(new URLSearchParams('types=Nope!')), 'string');
});

t.test('RecentKeys matches a Map-based model on random operations', async (t) => {
  // Model: Map in first-insertion order; add expires from the front, refreshes a known
  // key's time in place, else evicts the oldest when full; has needs a fresh time.
  let seed = 3;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (const [maxKeys, ttl] of [
    [1, 50],
    [7, 30],
    [64, 200],
    [500, 1000],
  ]) {
    const r = new RecentKeys(maxKeys, ttl);
    const model = new Map<string, number>();
    let now = 0;
    let mismatches = 0;
    for (let op = 0; op < 20000; op++) {
      now += Math.floor(rnd() * 3);
      const key = `k${Math.floor(rnd() * maxKeys * 3)}`;
      if (rnd() < 0.5) {
        const want = model.has(key) && now - model.get(key)! < ttl;
        if (r.has(key, now) !== want) mismatches++;
      } else {
        for (const [k, at] of model) {
          if (now - at >= ttl) model.delete(k);
          else break;
        }
        if (model.has(key)) model.set(key, now);
        else {
          if (model.size === maxKeys) model.delete(model.keys().next().value!);
          model.set(key, now);
        }
        r.add(key, now);
        if (r.size !== model.size) mismatches++;
      }
    }
    t.equal(mismatches, 0, `maxKeys ${maxKeys}, ttl ${ttl}: 20,000 operations agree`);
  }
});
