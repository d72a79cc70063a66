// Row -> event conversion of import-sqlite: timestamp styles, kills_per_hour, NULLs,
// event ids of exact duplicates, and the argument rules.
import t from 'tap';
import { parseOldTimestamp } from '../../src/import/timestamps.js';
import { mapRow as mapRaw, indexColumns, type SqlValue } from '../../src/import/map-row.js';
import type { StoredType } from '../../src/shared/subjects.js';

/** mapRow over a row given as an object (source.ts hands it arrays plus a column index). */
const mapRow = (type: StoredType, o: Record<string, SqlValue>) =>
  mapRaw(type, Object.values(o), indexColumns(Object.keys(o)));
import { importEventId } from '../../src/import/event-id.js';
import { parseImportArgs, IMPORT_HELP } from '../../src/import/args.js';
import { validators } from '../../schemas/validators.js';
import { normalizeEvent, DEFAULT_NORMALIZE_OPTIONS } from '../../schemas/normalize.js';

t.test('timestamp styles, all UTC when no zone is given', async (t) => {
  const cases: [unknown, string][] = [
    ['2025-01-02T03:04:05Z', '2025-01-02T03:04:05Z'],
    ['2025-01-02T05:04:05+02:00', '2025-01-02T03:04:05Z'],
    ['2025-01-01T22:04:05.5-05:00', '2025-01-02T03:04:05.5Z'],
    ['2025-01-02T03:04:05+0000', '2025-01-02T03:04:05Z'],
    ['2025-01-02T03:04:05.123456', '2025-01-02T03:04:05.123456Z'],
    ['2025-01-02 03:04:05', '2025-01-02T03:04:05Z'],
    ['2025-01-02 03:04:05.250000+00:00', '2025-01-02T03:04:05.25Z'],
    [1735787045, '2025-01-02T03:04:05Z'],
    [1735787045.25, '2025-01-02T03:04:05.25Z'],
    ['1735787045', '2025-01-02T03:04:05Z'],
    [' 1735787045 ', '2025-01-02T03:04:05Z'],
  ];
  for (const [input, want] of cases) {
    const got = parseOldTimestamp(input);
    t.equal(got?.iso, want, `${JSON.stringify(input)} -> ${want}`);
    t.equal(got?.ms, Date.parse(want), `${JSON.stringify(input)}: milliseconds`);
  }
  for (const bad of [
    'yesterday',
    '',
    '2025-02-30 10:00:00',
    '2025-01-02 25:00:00',
    '2025-01-02T03:04:05+19:00',
    1e15,
    -5,
    null,
    'N/A',
    '0099-01-01 00:00:00',
  ]) {
    t.equal(parseOldTimestamp(bad), undefined, `${JSON.stringify(bad)} is refused`);
  }
});

t.test('rows become valid events; quirks', async (t) => {
  const base = {
    id: 1,
    character_name: 'Zoë',
    timestamp: '2025-01-02 03:04:05',
    ew: 1,
    ns: 2,
    z: 3,
    kills: '5',
    kills_per_hour: '12.5',
  };
  const ok = mapRow('telemetry', base);
  t.ok(ok.ok && validators.get('telemetry')!(ok.event), 'a telemetry row maps to a valid event');
  t.same(ok.ok && ok.event, {
    type: 'telemetry',
    character_name: 'Zoë',
    timestamp: '2025-01-02T03:04:05Z',
    ew: 1,
    ns: 2,
    z: 3,
    kills: 5,
    kills_per_hour: 12.5,
  });
  for (const na of ['N/A', 'n/a', '', ' ']) {
    const m = mapRow('telemetry', { ...base, kills_per_hour: na });
    t.ok(m.ok && !('kills_per_hour' in m.event), `kills_per_hour ${JSON.stringify(na)} -> absent (null)`);
  }
  t.same(mapRow('telemetry', { ...base, ns: null }), { ok: false, reason: 'null coordinate ns' });
  t.same(mapRow('telemetry', { ...base, ew: 'abc' }), { ok: false, reason: 'non-numeric coordinate ew' });
  t.same(mapRow('telemetry', { ...base, timestamp: null }), { ok: false, reason: 'null timestamp' });
  const spawn = mapRow('spawn', {
    id: 2,
    character_name: 'A',
    mob: 'Drudge\t"Skulker"',
    ew: 1,
    ns: 2,
    z: null,
    timestamp: 1735787045,
  });
  t.same(
    spawn.ok && spawn.event,
    { type: 'spawn', character_name: 'A', timestamp: '2025-01-02T03:04:05Z', ew: 1, ns: 2, mob: 'Drudge\t"Skulker"' },
    'a NULL z of a spawn is left out',
  );
});

t.test("numbers as text and kills_per_hour's no-value texts follow the edge's normaliser", async (t) => {
  const row = {
    character_name: 'Zoë',
    timestamp: '2025-01-02T03:04:05Z',
    ew: 1,
    ns: 2,
    z: 3,
    kills: ' 42 ',
    kills_per_hour: '12.50',
    mem_mb: '512.5',
    cpu_pct: 7.25,
    latency_ms: '-',
    mem_handles: '1200',
  };
  const m = mapRow('telemetry', row);
  t.same(m.ok && m.event, {
    type: 'telemetry',
    character_name: 'Zoë',
    timestamp: '2025-01-02T03:04:05Z',
    ew: 1,
    ns: 2,
    z: 3,
    kills: 42,
    kills_per_hour: 12.5,
    mem_mb: 512.5,
    cpu_pct: 7.25,
    mem_handles: 1200,
  });
  const { latency_ms: _notANumber, ...sent } = row;
  const live = normalizeEvent({ type: 'telemetry', ...sent }, DEFAULT_NORMALIZE_OPTIONS, () => '');
  t.same(m.ok && m.event, live.event, 'the same event the edge makes of the same values');
  for (const na of ['N/A', ' none ', 'NULL', '-', null]) {
    const e = mapRow('telemetry', { ...row, kills_per_hour: na });
    t.ok(e.ok && !('kills_per_hour' in e.event), `kills_per_hour ${JSON.stringify(na)}: no value, row kept`);
  }
  const bad = mapRow('telemetry', { ...row, mem_handles: 'many', kills_per_hour: 3 });
  t.ok(bad.ok && !('mem_handles' in bad.event), 'a metric that is not a number stays null');
});

t.test('event ids: exact duplicate rows collapse, any difference separates', async (t) => {
  const a = mapRow('telemetry', { id: 1, character_name: 'Z', timestamp: '2025-01-02 03:04:05', ew: 1, ns: 2, z: 3 });
  const b = mapRow('telemetry', { id: 99, character_name: 'Z', timestamp: '2025-01-02T03:04:05Z', ew: 1, ns: 2, z: 3 });
  const c = mapRow('telemetry', { id: 1, character_name: 'Z', timestamp: '2025-01-02 03:04:05', ew: 1, ns: 2, z: 3.5 });
  if (!a.ok || !b.ok || !c.ok) throw new Error('fixture rows must map');
  const id = (m: typeof a & { ok: true }) => importEventId('telemetry_log', m.event);
  t.equal(id(a), id(b), 'another id and another timestamp style for the same event: same event_id');
  t.not(id(a), id(c), 'another z: another event_id');
  t.not(importEventId('telemetry_log', a.event), importEventId('other_log', a.event), 'the table is part of the id');
  t.match(id(a), /^sqlite:telemetry_log:[A-Za-z0-9_-]{43}$/);
  t.ok(id(a).length <= 128, "fits the schema's event_id limit");
});

t.test('arguments', async (t) => {
  const o = parseImportArgs([
    'f.db',
    '--dry-run',
    '--tables',
    'spawn,rare_log',
    '--since=2025-01-01T00:00:00Z',
    '--chunk-rows',
    '100',
  ]);
  t.match(o, { file: 'f.db', dryRun: true, types: ['spawn', 'rare'], chunkRows: 100 });
  t.equal(typeof o !== 'string' && !('help' in o) && o.since?.toISOString(), '2025-01-01T00:00:00.000Z');
  t.match(parseImportArgs([]), /missing FILE/);
  t.match(parseImportArgs(['f.db', '--tables', 'chat']), /unknown table "chat"/);
  t.match(parseImportArgs(['f.db', '--since', 'soon']), /--since needs a date-time/);
  t.match(parseImportArgs(['f.db', '--chunk-rows', '0']), /--chunk-rows must be an integer from 1/);
  t.match(parseImportArgs(['f.db', '--bogus']), /unknown option "--bogus"/);
  t.match(parseImportArgs(['f.db', '-x']), /unknown option "-x"/);
  t.match(parseImportArgs(['f.db', '--dry-run=yes']), /--dry-run takes no value/);
  t.match(parseImportArgs(['a.db', 'b.db']), /only one FILE, got "a.db" and "b.db"/);
  t.match(parseImportArgs(['f.db', '--no-progress', '--workers=0']), { progress: false, workers: 0 });
  t.same(parseImportArgs(['--help']), { help: true });
  t.same(parseImportArgs(['f.db', '-h']), { help: true });
  t.match(IMPORT_HELP, /--worker-start-timeout-ms N .*default 60000/, '--help lists every option with its default');
});
