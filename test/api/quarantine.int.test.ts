// GET /quarantine (docs/api.md) and `quarantine replay` (docs/operations.md "Quarantine"),
// with the whole product in one process: refused events over /ws/position, listed by
// the API, then replayed with a checker that now accepts them (the seam a loosened
// setting goes through) and projected by ingest into PostgreSQL exactly once.
import t from 'tap';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { connectNats } from '../../src/shared/nats.js';
import { jetstream } from '@nats-io/jetstream';
import { replayQuarantine } from '../../src/quarantine/replay.js';
import { replayAdmit } from '../../src/quarantine/command.js';
import * as R from '../../src/api/schemas/responses.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { spawnMain, mainEnv } from '../helpers/main-process.js';
import { openClient, telemetry } from '../edge/helpers.js';
import { schemaErrors, qs } from './helpers.js';

const SECRET = 'quarantine-secret-1';
// Zoneless timestamps refused at first; replay then runs with the default `utc` (docs/operations.md "Quarantine").
const cfg = await testConfig({ PLUGIN_SECRET: SECRET, API_MAX_ROWS: '50', EDGE_ZONELESS_TIMESTAMPS: 'refuse' });
const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL, 'quarantine-test'));
t.teardown(() => app.stop());
const base = `http://127.0.0.1:${app.port}`;
const get = async (path: string) => {
  const r = await fetch(base + path);
  return { status: r.status, body: (await r.json()) as any };
};
const plugin = await openClient(`ws://127.0.0.1:${app.port}/ws/position?ack=1`, { 'X-Plugin-Secret': SECRET });
t.teardown(() => plugin.close());

// 6 refused telemetry events (3 characters), 1 malformed frame, then 1 accepted event.
const t0 = new Date(Date.now() - 1000).toISOString();
const refused = ['Ann', 'Bob', 'Ann', 'Cy', 'Ann', 'Bob'].map((name, i) =>
  // A .NET DateTime of kind Unspecified: 7 fractional digits, no zone.
  telemetry(name, {
    timestamp: new Date(Date.now() - 5000 + i).toISOString().replace('Z', '1234'),
    event_id: `kph-${i}`,
  }),
);
for (const ev of refused) plugin.send(ev);
plugin.send('not json at all');
plugin.send(telemetry('Ann', { event_id: 'fine' }));
await plugin.next((m) => m.type === 'ack' && m.frame === 8);
await whenCaughtUp(async () => (await get('/quarantine')).body.quarantine?.length === 7, { what: '7 records listed' });

t.test('GET /quarantine lists refused events newest first, filtered', async (t) => {
  const all = await get('/quarantine');
  t.equal(all.status, 200);
  t.equal(schemaErrors(R.QuarantineResponse, all.body), undefined, 'matches the documented schema');
  t.equal(all.body.truncated, false);
  t.same(
    all.body.quarantine.map((r: any) => r.reason),
    ['malformed_json', ...Array(6).fill('invalid_event')],
    'newest first',
  );
  const seqs = all.body.quarantine.map((r: any) => r.seq);
  t.same(
    seqs,
    [...seqs].sort((a: number, b: number) => b - a),
    'descending sequences',
  );
  t.equal(all.body.quarantine[0].raw, 'not json at all');

  const ann = await get(`/quarantine${qs({ character: 'Ann', reason: 'invalid_event' })}`);
  t.same(
    ann.body.quarantine.map((r: any) => JSON.parse(r.raw).event_id),
    ['kph-4', 'kph-2', 'kph-0'],
    'by character and reason',
  );
  const frames = await get('/quarantine?reason=malformed_json');
  t.equal(frames.body.quarantine.length, 1);

  const two = await get('/quarantine?limit=2');
  t.equal(two.body.quarantine.length, 2);
  t.equal(two.body.truncated, true, 'limit cuts and flags');
  t.same(
    two.body.quarantine.map((r: any) => r.seq),
    seqs.slice(0, 2),
  );

  const future = new Date(Date.now() + 3_600_000).toISOString();
  t.same((await get(`/quarantine${qs({ from: future, to: future })}`)).body.quarantine, [], 'empty range');
  const past = await get(`/quarantine${qs({ to: t0 })}`);
  t.same(past.body.quarantine, [], 'nothing before the first refusal');
  const since = await get(`/quarantine${qs({ from: t0 })}`);
  t.equal(since.body.quarantine.length, 7);

  for (const [path, param] of [
    ['/quarantine?reason=too_large', 'reason'],
    ['/quarantine?limit=0', 'limit'],
    ['/quarantine?limit=51', 'limit'],
    ['/quarantine?from=yesterday', 'from'],
    [`/quarantine${qs({ from: future, to: t0 })}`, 'from'],
    ['/quarantine?character=', 'character'],
    ['/quarantine?who=x', 'who'],
  ]) {
    const r = await get(path);
    t.equal(r.status, 400, `${path} -> 400`);
    t.match(r.body.error?.message, `"${param}"`, `${path}: names ${param}`);
  }
  const doc = (await get('/openapi.json')).body;
  t.same(
    doc.paths['/quarantine'].get.parameters.map((p: any) => p.name),
    ['reason', 'character', 'from', 'to', 'limit'],
  );
});

const telemetryRows = async (): Promise<number> =>
  (await app.rt.pool.query<{ n: number }>('select count(*)::int as n from telemetry')).rows[0].n;

t.test('the command line: --help, bad options, --dry-run', async (t) => {
  const env = mainEnv(cfg, { LOG_LEVEL: 'silent', EDGE_ZONELESS_TIMESTAMPS: 'refuse' });
  const help = spawnMain(env, ['quarantine', '--help']);
  t.equal((await help.exited).code, 0);
  t.match(help.stdout(), /--reason CODE/);
  const bad = spawnMain(env, ['quarantine', 'replay', '--bogus']);
  t.equal((await bad.exited).code, 2);
  t.equal(bad.stderr().trim().split('\n').length, 1, 'one line');
  t.match(bad.stderr(), /--bogus/);
  const dry = spawnMain(env, ['quarantine', 'replay', '--dry-run', '--json']);
  t.equal((await dry.exited).code, 0, dry.stderr());
  const report = JSON.parse(dry.stdout()).quarantine_replay;
  t.match(report, { read: 7, passed: 0, published: 0, deleted: 0, dry_run: true });
  t.same(report.still_failing, { invalid_event: 6, malformed_json: 1 }, 'today nothing passes');
});

t.test('replay: what now passes is stored once, what fails stays', async (t) => {
  const nc = await connectNats(cfg, 'quarantine-test');
  t.teardown(() => nc.close());
  const before = await telemetryRows();
  // The operator loosened the setting: zoneless timestamps are read as UTC again.
  const admit = replayAdmit({ ...cfg, EDGE_ZONELESS_TIMESTAMPS: 'utc' }, nc);
  const deps = { nc, streamName: cfg.STREAM_NAME, admit, maxEventsPerFrame: 1000 };

  const ann = await replayQuarantine(deps, { reason: 'invalid_event', dryRun: true });
  t.match(ann, { read: 6, passed: 6, published: 0, deleted: 0, skipped_by_filter: 1 }, 'dry run with a filter');

  const first = await get('/quarantine');
  const r1 = await replayQuarantine(deps, { dryRun: false });
  t.match(r1, { read: 7, passed: 6, published: 6, deleted: 6, still_failing: { malformed_json: 1 } });
  await whenCaughtUp(async () => (await telemetryRows()) === before + 6, { what: '6 rows projected' });
  const left = await get('/quarantine');
  t.same(
    left.body.quarantine.map((r: any) => r.reason),
    ['malformed_json'],
    'only what still fails stays',
  );

  const r2 = await replayQuarantine(deps, { dryRun: false });
  t.match(r2, { read: 1, passed: 0, published: 0 }, 'a second replay finds nothing new to publish');

  // The same record once more (as if its delete had failed): JetStream dedupes on the event key.
  const copy = first.body.quarantine.find((r: any) => r.character_name === 'Cy');
  const { seq: _seq, ...record } = copy;
  await jetstream(nc).publish(`${cfg.SUBJECT_PREFIX}.quarantine.invalid_event.Cy`, JSON.stringify(record));
  const r3 = await replayQuarantine(deps, { dryRun: false });
  t.match(r3, { passed: 1, published: 0, duplicates: 1, deleted: 1 }, 'republished event is a duplicate');
  t.equal(await telemetryRows(), before + 6, 'each event stored exactly once');
  const rows = await app.rt.pool.query<{ n: number }>(
    `select count(*)::int as n from telemetry where character_name = 'Ann'`,
  );
  t.equal(rows.rows[0].n, 4, "Ann's three repaired events plus the one accepted at first");
});
