// The conformance corpus (test/fixtures/legacy/): payloads written the way the fielded
// plugin writes them, sent over /ws/position with X-Plugin-Secret, each checked where it
// must end up: a row in TimescaleDB, the log plus /ws/live for extension types, or
// /ws/live for chat. Then the normalisation counters must add up to the corpus's rules.
import t, { type Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { extensionSubjectFor } from '../../src/shared/subjects.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';

const SECRET = 'legacy-secret-123';
const dir = join(import.meta.dirname, '..', 'fixtures', 'legacy');

interface Expectation {
  table?: string;
  row?: Record<string, unknown>;
  log?: string;
  live?: Record<string, unknown>;
  /** Refused: the error code and field path, and the record in GET /quarantine. */
  quarantine?: { reason: string; path: string };
  rules?: string[];
}
interface Case {
  file: string;
  case: string;
  frame: string;
  expect: Expectation | Expectation[];
}

const corpus: Case[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .flatMap((file) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as Case[]).map((c) => ({ ...c, file })));
const expectations = (c: Case) => (Array.isArray(c.expect) ? c.expect : [c.expect]);

function open(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const received: any[] = [];
  ws.on('message', (d) => received.push(JSON.parse(String(d))));
  const ready = new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  return { ws, received, ready };
}

t.test('every payload of the corpus lands where it must', async (t) => {
  const cfg = await testConfig({ PLUGIN_SECRET: SECRET });
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL, 'legacy'));
  t.teardown(() => app.stop());
  const base = `127.0.0.1:${app.port}`;
  const extensionTypes = corpus.flatMap((c) => expectations(c).flatMap((e) => (e.log ? [e.log] : [])));
  const live = open(`ws://${base}/ws/live?types=chat,${extensionTypes.join(',')}`);
  await live.ready;
  const plugin = open(`ws://${base}/ws/position?ack=1`, { 'X-Plugin-Secret': SECRET });
  await plugin.ready;
  t.teardown(() => {
    plugin.ws.close();
    live.ws.close();
  });

  const sentAt = Date.now();
  for (const c of corpus) plugin.ws.send(c.frame);
  const acks = await whenCaughtUp(() => {
    const a = plugin.received.filter((m) => m.type === 'ack');
    return a.length === corpus.length ? a : undefined;
  });
  for (const [i, c] of corpus.entries()) {
    const errors = plugin.received.filter((m) => m.type === 'error' && m.frame === i + 1);
    const refused = expectations(c).flatMap((e) => (e.quarantine ? [e.quarantine] : []));
    t.same(
      errors.map((e) => ({ reason: e.code, path: e.errors?.[0]?.path })),
      refused,
      `${c.file}: ${c.case}: ${refused.length ? 'refused, naming the field' : 'no error'}`,
    );
    t.equal(
      acks.find((a) => a.frame === i + 1)?.rejected,
      refused.length,
      `${c.file}: ${c.case}: refused events counted in the ack`,
    );
  }

  const nc = await connect({ servers: cfg.NATS_URL });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  for (const c of corpus) {
    for (const e of expectations(c)) {
      const what = `${c.file}: ${c.case}`;
      if (e.table && e.row) await checkRow(t, app.rt.pool, e.table, e.row, sentAt, what);
      if (e.log) await checkExtension(t, jsm, cfg, live.received, e.log, JSON.parse(c.frame).character_name, what);
      if (e.quarantine) {
        const name = JSON.parse(c.frame).character_name;
        const q = await whenCaughtUp(async () => {
          const r = await fetch(`http://${base}/quarantine?character=${encodeURIComponent(name)}`);
          return ((await r.json()) as any).quarantine?.[0];
        });
        t.equal(q.reason, e.quarantine.reason, `${what}: quarantined`);
        t.same(JSON.parse(q.raw), JSON.parse(c.frame), `${what}: the raw event kept as sent`);
      }
      if (e.live) {
        const got = await whenCaughtUp(() => live.received.find((m) => m.character_name === e.live?.character_name));
        t.match(got, e.live, `${what}: delivered live as canonical`);
      }
    }
  }

  const counted = await normalizedCounts(`http://${base}/metrics`);
  const expected: Record<string, number> = {};
  for (const c of corpus)
    for (const e of expectations(c)) for (const r of e.rules ?? []) expected[r] = (expected[r] ?? 0) + 1;
  t.same(counted, expected, 'tracker_edge_normalized_total{rule} counts each rule the corpus exercises');
  const metrics = await (await fetch(`http://${base}/metrics`)).text();
  const quarantined = [...metrics.matchAll(/^tracker_edge_quarantined_total\{reason="([a-z_]+)"\} (\d+)$/gm)];
  t.same(
    Object.fromEntries(quarantined.map((m) => [m[1], Number(m[2])])),
    { invalid_event: corpus.flatMap((c) => expectations(c).filter((e) => e.quarantine)).length },
    'tracker_edge_quarantined_total{reason} counts the refused ones',
  );
  t.comment(`corpus: ${corpus.length} frames; normalized by rule: ${JSON.stringify(counted)}`);
  t.comment(`quarantined by reason: ${quarantined.map((m) => `${m[1]}=${m[2]}`).join(', ')}`);
});

async function checkRow(
  t: Test,
  pool: { query: (sql: string, params: unknown[]) => Promise<{ rows: any[] }> },
  table: string,
  row: Record<string, unknown>,
  sentAt: number,
  what: string,
) {
  const { ts, ...columns } = row;
  const found = await whenCaughtUp(
    async () => {
      const sql = `select row_to_json(x) as r, extract(epoch from ts) * 1000 as ms from ${table} x where character_name = $1`;
      const { rows } = await pool.query(sql, [row.character_name]);
      return rows.length > 0 ? rows : undefined;
    },
    { what: `${what}: a ${table} row` },
  );
  t.equal(found.length, 1, `${what}: stored once`);
  t.match(found[0].r, columns, `${what}: columns`);
  if (ts === 'receive') {
    t.ok(found[0].ms >= sentAt - 1000 && found[0].ms <= Date.now() + 1000, `${what}: stamped with the receive time`);
  } else if (typeof ts === 'string') {
    const { rows } = await pool.query(`select count(*)::int as n from ${table} where character_name = $1 and ts = $2`, [
      row.character_name,
      ts,
    ]);
    t.equal(rows[0].n, 1, `${what}: ts is ${ts}`);
  }
}

async function checkExtension(
  t: Test,
  jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  cfg: { STREAM_NAME: string; SUBJECT_PREFIX: string },
  liveReceived: any[],
  type: string,
  name: string,
  what: string,
) {
  const subject = extensionSubjectFor(cfg.SUBJECT_PREFIX, type, name);
  const msg = await jsm.streams.getMessage(cfg.STREAM_NAME, { last_by_subj: subject });
  const env = msg?.json<{ type: string; events: Array<Record<string, unknown>> }>();
  t.equal(env?.type, type, `${what}: in the log under ${subject}`);
  t.equal(env?.events[0].character_name, name, `${what}: the event as sent`);
  const got = await whenCaughtUp(() => liveReceived.find((m) => m.type === type && m.character_name === name));
  t.ok(got, `${what}: delivered on /ws/live?types=${type}`);
}

async function normalizedCounts(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(url)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^tracker_edge_normalized_total\{rule="([a-z_]+)"\} (\d+)$/gm))
    out[m[1]] = Number(m[2]);
  return out;
}
