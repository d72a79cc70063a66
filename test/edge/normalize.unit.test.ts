// Every rule of docs/protocol.md "Older plugins", on the normaliser alone and through
// the edge's checkEvent (the importer calls the same checkEvent, src/import/batches.ts).
import t from 'tap';
import { normalizeEvent, DEFAULT_NORMALIZE_OPTIONS, type NormalizeOptions } from '../../schemas/normalize.js';
import { checkEvent, isErrorReply, type FrameOptions } from '../../src/edge/frame.js';
import { SizeBudget } from '../../src/edge/size-budget.js';
import { eventKey } from '../../src/shared/envelope.js';

const RECEIVED = '2026-12-04T10:00:00.000Z';
const lenient = DEFAULT_NORMALIZE_OPTIONS;
const strict: NormalizeOptions = { zonelessTimestamps: 'refuse', missingTimestamp: 'refuse' };
const norm = (ev: Record<string, unknown>, opts = lenient) => normalizeEvent(ev, opts, () => RECEIVED);
const limits: FrameOptions = {
  subjectPrefix: 'tracker',
  maxEventDepth: 16,
  budget: new SizeBudget(1024 * 1024),
  acceptsExtension: () => true,
};
const check = (ev: unknown, normalize = lenient) => checkEvent(ev, undefined, 1, false, { ...limits, normalize });

const base = { type: 'telemetry', character_name: 'Old Plugin', timestamp: '2026-12-04T09:00:00Z', ew: 1, ns: 2, z: 3 };

t.test('a canonical event is returned as it is, no rule applied', async (t) => {
  const ev = { ...base, kills_per_hour: 12.5 };
  const n = norm(ev);
  t.equal(n.event, ev, 'the same object');
  t.same(n.rules, []);
});

t.test('kills_per_hour: N/A, empty, dash (any case, trimmed) and null mean no value', async (t) => {
  for (const v of ['N/A', 'n/a', ' NA ', '', '-', ' - ', 'none', 'null', null]) {
    const ev = { ...base, kills_per_hour: v };
    const n = norm(ev);
    t.notOk('kills_per_hour' in n.event, `${JSON.stringify(v)} removed`);
    t.same(n.rules, ['kills_per_hour_no_value']);
    t.equal(ev.kills_per_hour, v, 'the input is not changed');
    const r = check(ev);
    t.notOk(isErrorReply(r), `${JSON.stringify(v)}: accepted`);
    if (!isErrorReply(r)) t.same(r.normalized, ['kills_per_hour_no_value']);
  }
  const r = check({ ...base, kills_per_hour: 'lots' });
  t.ok(isErrorReply(r) && r.errors?.[0].path === '/kills_per_hour', 'any other text is refused, naming the field');
});

t.test('a telemetry object without type that has ew and ns is telemetry', async (t) => {
  const { type: _, ...typeless } = base;
  const n = norm(typeless);
  t.equal(n.event.type, 'telemetry');
  t.same(n.rules, ['typeless_telemetry']);
  const r = check(typeless);
  t.ok(!isErrorReply(r) && r.type === 'telemetry' && r.subject === 'tracker.telemetry.Old_20Plugin');
  const { ns: __, ...noNs } = typeless;
  const refused = check(noNs);
  t.ok(isErrorReply(refused) && refused.errors?.[0].path === '/type', 'without ew and ns the type stays missing');
});

t.test('numbers sent as strings become numbers; integers only from integral text', async (t) => {
  const ev = { ...base, ew: ' 42 ', ns: '-3.5', z: '12.50', kills: '7', kills_per_hour: '99.5', mem_handles: '1200' };
  const n = norm(ev);
  t.same(
    { ew: n.event.ew, ns: n.event.ns, z: n.event.z, kills: n.event.kills, kph: n.event.kills_per_hour },
    { ew: 42, ns: -3.5, z: 12.5, kills: 7, kph: 99.5 },
  );
  t.same(n.rules, ['number_from_string']);
  t.notOk(isErrorReply(check(ev)));
  const frac = check({ ...base, kills: '12.5' });
  t.ok(isErrorReply(frac) && frac.errors?.[0].path === '/kills', 'a fractional text for an integer is refused');
  for (const v of ['1e3', '0x10', '12,5', 'Infinity', '4 2', '']) {
    const r = check({ ...base, ew: v });
    t.ok(isErrorReply(r) && r.errors?.[0].path === '/ew', `${JSON.stringify(v)} is not a decimal number: refused`);
  }
  const spawn = check({
    type: 'spawn',
    character_name: 'A',
    timestamp: base.timestamp,
    mob: 'Drudge',
    ew: '1',
    ns: '2',
  });
  t.ok(!isErrorReply(spawn) && JSON.parse(spawn.json).ew === 1, 'spawns too');
  const chat = check({ type: 'chat', character_name: 'A', timestamp: base.timestamp, text: 'hi', color: '5' });
  t.ok(!isErrorReply(chat) && JSON.parse(chat.json).color === 5, 'chat colours too');
});

t.test('.NET timestamps: 0-9 fractional digits, Z, an offset or no zone', async (t) => {
  const cases: Array<[string, string | undefined, string]> = [
    ['2026-12-04T09:00:00.1234567Z', undefined, 'Utc kind: canonical already'],
    ['2026-12-04T09:00:00.1234567+02:00', undefined, 'Local kind: canonical already'],
    ['2026-12-04T09:00:00.1234567', '2026-12-04T09:00:00.1234567Z', 'Unspecified kind: read as UTC'],
    ['2026-12-04T09:00:00', '2026-12-04T09:00:00Z', 'no fraction, no zone'],
    ['2026-12-04 09:00:00.5+0200', '2026-12-04T09:00:00.5+02:00', 'space, offset without colon'],
    ['2026-12-04T09:00:00,25-05', '2026-12-04T09:00:00.25-05:00', 'comma fraction, hour offset'],
    ['2026-12-04T09:00:00.123456789012z', '2026-12-04T09:00:00.123456789Z', 'fraction cut at 9 digits'],
  ];
  for (const [sent, want, why] of cases) {
    const n = norm({ ...base, timestamp: sent });
    t.equal(n.event.timestamp, want ?? sent, why);
    const r = check({ ...base, timestamp: sent });
    t.notOk(isErrorReply(r), `${why}: accepted`);
  }
  t.same(norm({ ...base, timestamp: '2026-12-04T09:00:00.1234567' }).rules, ['zoneless_timestamp']);
  const refused = check({ ...base, timestamp: '2026-12-04T09:00:00.1234567' }, strict);
  t.ok(isErrorReply(refused) && refused.errors?.[0].path === '/timestamp', 'EDGE_ZONELESS_TIMESTAMPS=refuse');
  const bad = check({ ...base, timestamp: '2026-13-40T09:00:00' });
  t.ok(isErrorReply(bad) && bad.errors?.[0].path === '/timestamp', 'a date that does not exist is still refused');
});

t.test('a missing timestamp becomes the receive time, marked timestamp_source: server', async (t) => {
  const { timestamp: _, ...none } = base;
  const n = norm(none);
  t.equal(n.event.timestamp, RECEIVED);
  t.equal(n.event.timestamp_source, 'server');
  t.same(n.rules, ['missing_timestamp']);
  const r = check(none);
  t.ok(!isErrorReply(r) && JSON.parse(r.json).timestamp_source === 'server');
  const refused = check(none, strict);
  t.ok(isErrorReply(refused) && refused.errors?.[0].path === '/timestamp', 'EDGE_MISSING_TIMESTAMP=refuse');
});

t.test('the event key is computed on the normalised event: a resend as text deduplicates', async (t) => {
  const asNumbers = check({ ...base, kills: 7, kills_per_hour: 1.5 });
  const asText = check({ ...base, kills: '7', kills_per_hour: '1.5' });
  t.ok(!isErrorReply(asNumbers) && !isErrorReply(asText));
  if (isErrorReply(asNumbers) || isErrorReply(asText)) return;
  t.equal(asText.key, asNumbers.key);
  t.equal(asText.key, eventKey(JSON.parse(asNumbers.json)));
});

t.test('extension types: accepted under <prefix>.ext.<type>.<token> when allowed', async (t) => {
  const vitals = { type: 'vitals', character_name: 'Old Plugin', timestamp: base.timestamp, health: 80 };
  const r = check(vitals);
  t.ok(!isErrorReply(r) && r.extension && r.subject === 'tracker.ext.vitals.Old_20Plugin');
  const off = checkEvent(vitals, undefined, 1, false, { ...limits, acceptsExtension: () => false });
  t.ok(isErrorReply(off) && off.errors?.[0].path === '/type', 'refused when not allowed');
  for (const type of ['Vitals', 'share-x', '9lives', 'a'.repeat(49)]) {
    const bad = check({ ...vitals, type });
    t.ok(isErrorReply(bad) && bad.errors?.[0].path === '/type', `${type}: not an extension type name`);
  }
  const noName = check({ type: 'vitals', timestamp: base.timestamp });
  t.ok(isErrorReply(noName) && noName.errors?.[0].path === '/character_name', 'character_name is required');
  const { timestamp: _, ...untimed } = vitals;
  const stamped = check(untimed);
  t.ok(!isErrorReply(stamped) && JSON.parse(stamped.json).timestamp_source === 'server', 'timestamp rules apply');
});
