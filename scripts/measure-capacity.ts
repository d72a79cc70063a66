// Bytes per event in the log and in each table, measured (docs/operations.md "Capacity"):
// for each event type, a fresh stream and a fresh database, N events of that type sent
// through the real edge (ack mode) and ingest, then the stream's bytes and messages and
// every table's size (pg_total_relation_size, hypertable_size for hypertables: indexes
// and TOAST included) minus the empty database's, after VACUUM and the rollup refresh.
//   npx tsx scripts/measure-capacity.ts [--telemetry N] [--spawns N] [--rares N] [--batch-max-events N]
// Telemetry is players × hours at the plugin's 2 s cadence (1,800 samples per
// player-hour) with every field the plugin sends; spawns and rares are spread over the
// same hour and the map's cells. Runs on a private stack in a temp dir (bench/lib/stack.ts).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import WebSocket from 'ws';
import { startApp } from '../src/app.js';
import { loadConfig, resolveServices } from '../src/config.js';
import { commandLineOrExit } from '../src/shared/command-line.js';
import { createLogger } from '../src/shared/logger.js';
import { benchDatabase, startBenchStack, type BenchStack } from '../bench/lib/stack.js';

const USAGE =
  'usage: npx tsx scripts/measure-capacity.ts [--players N] [--hours N] [--spawns N] [--rares N] [--batch-max-events N]';
const { values } = commandLineOrExit('measure-capacity', USAGE, process.argv.slice(2), {
  players: { type: 'string', arg: 'N', help: 'Characters sending telemetry (default 10).' },
  hours: { type: 'string', arg: 'N', help: 'Hours of telemetry per character at one sample per 2 s (default 1).' },
  spawns: { type: 'string', arg: 'N', help: 'Spawn events (default 6000).' },
  rares: { type: 'string', arg: 'N', help: 'Rare events (default 2000).' },
  'batch-max-events': {
    type: 'string',
    arg: 'N',
    help: 'EDGE_BATCH_MAX_EVENTS: 1 = one JetStream message per event, as in live play (default); 500 = bulk.',
  },
});
const count = (v: string | undefined, def: number, name: string) => {
  const n = v === undefined ? def : Number(v);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`measure-capacity: --${name} must be a whole number ≥ 1, got ${v}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
};
const players = count(values.players, 10, 'players');
const hours = count(values.hours, 1, 'hours');
const batchMax = count(values['batch-max-events'], 1, 'batch-max-events');

const START = Date.UTC(2026, 10, 25, 12);
const name = (i: number) => `Player ${String(i).padStart(2, '0')} of Dereth`;
type Ev = Record<string, unknown>;
const SAMPLES: Record<string, () => Ev[]> = {
  telemetry: () =>
    Array.from({ length: players * hours * 1800 }, (_, i) => {
      const p = i % players,
        k = Math.floor(i / players);
      return {
        type: 'telemetry',
        character_name: name(p),
        timestamp: new Date(START + k * 2000 + p * 37).toISOString(),
        event_id: `t-${p}-${k}`,
        ew: 30 + Math.sin(k / 200 + p) * 20,
        ns: -10 + Math.cos(k / 150 + p) * 20,
        z: (k % 40) * 0.5,
        char_tag: 'GUILD',
        session_id: `s-${p}`,
        kills: Math.floor(k / 9),
        deaths: Math.floor(k / 4000),
        rares_found: Math.floor(k / 1500),
        prismatic_taper_count: 1500 - (k % 300),
        kills_per_hour: 400 + (k % 97),
        onlinetime: `0d ${String(Math.floor(k / 1800)).padStart(2, '0')}:${String(Math.floor(k / 30) % 60).padStart(2, '0')}:${String((k * 2) % 60).padStart(2, '0')}`,
        vt_state: k % 5 ? 'Combat' : 'Navigating',
        latency_ms: 30 + (k % 50),
        mem_mb: 800 + (k % 64) * 0.25,
        cpu_pct: (k % 30) * 0.8,
        mem_handles: 2000 + (k % 200),
      };
    }),
  spawn: () =>
    Array.from({ length: count(values.spawns, 6000, 'spawns') }, (_, i) => ({
      type: 'spawn',
      character_name: name(i % players),
      timestamp: new Date(START + Math.floor((i * 3_600_000 * hours) / 6000)).toISOString(),
      event_id: `s-${i}`,
      mob: ['Drudge Skulker', 'Mosswart Elder', "Olthoi's Soldier", 'Banderling Raider'][i % 4],
      ew: 30 + (i % 41) * 0.7,
      ns: -10 + (i % 37) * 0.6,
      z: (i % 20) * 0.5,
    })),
  rare: () =>
    Array.from({ length: count(values.rares, 2000, 'rares') }, (_, i) => ({
      type: 'rare',
      character_name: name(i % players),
      timestamp: new Date(START + Math.floor((i * 3_600_000 * hours) / 2000)).toISOString(),
      event_id: `r-${i}`,
      name: ['Pearl of Blood Drinking', "Gelidite's Ring", 'Ancient Falchion'][i % 3],
      ew: 30 + (i % 41) * 0.7,
      ns: -10 + (i % 37) * 0.6,
      z: (i % 20) * 0.5,
    })),
};

const TABLE_SIZES = `select c.relname as table,
    coalesce(
      (select hypertable_size(c.oid) from timescaledb_information.hypertables h
        where h.hypertable_schema = n.nspname and h.hypertable_name = c.relname),
      pg_total_relation_size(c.oid))::bigint as bytes
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p', 'm')`;

async function tableSizes(db: pg.Client): Promise<Map<string, number>> {
  const { rows } = await db.query<{ table: string; bytes: string }>(TABLE_SIZES);
  return new Map(rows.map((r) => [r.table, Number(r.bytes)]));
}

function dirBytes(path: string): number {
  try {
    return readdirSync(path).reduce((n, f) => {
      const p = join(path, f);
      const s = statSync(p);
      return n + (s.isDirectory() ? dirBytes(p) : s.size);
    }, 0);
  } catch {
    return Number.NaN;
  }
}

/** The stream's folder in the private nats-server's store (…/jetstream/$G/streams/<name>). */
function findDir(root: string, name: string): string | undefined {
  for (const f of readdirSync(root, { withFileTypes: true })) {
    if (!f.isDirectory()) continue;
    const p = join(root, f.name);
    if (f.name === name) return p;
    const found = findDir(p, name);
    if (found) return found;
  }
  return undefined;
}

/** Sends `events` over one ack-mode connection, at most 8 frames of 100 in flight. */
async function send(port: number, events: Ev[]): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/position?ack=1`, { headers: { 'X-Plugin-Secret': SECRET } });
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  const frames = Array.from({ length: Math.ceil(events.length / 100) }, (_, i) => events.slice(i * 100, i * 100 + 100));
  let next = 0,
    acked = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (next < frames.length && next - acked < 8) ws.send(JSON.stringify(frames[next++]));
    };
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type !== 'ack' || m.accepted !== 100 - (m.rejected ?? 0) || m.rejected)
        return reject(new Error(`unexpected reply ${data}`));
      if (++acked === frames.length) resolve();
      else pump();
    });
    pump();
  });
  ws.close();
}

const SECRET = 'measure-capacity-secret';
const TABLE_OF = { telemetry: 'telemetry', spawn: 'spawn_events', rare: 'rare_events' } as const;

async function measure(stack: BenchStack, type: keyof typeof TABLE_OF) {
  const events = SAMPLES[type]();
  const db = await benchDatabase(stack, type);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('vacuum');
  const before = await tableSizes(client);
  const id = `cap${type}${process.pid}`;
  const cfg = resolveServices(
    loadConfig({
      NATS_URL: stack.natsUrl,
      DATABASE_URL: db.url,
      STREAM_NAME: id.toUpperCase(),
      SUBJECT_PREFIX: id,
      CONSUMER_NAME: id,
      ROLES: 'edge,ingest',
      PORT: '0',
      PLUGIN_SECRET: SECRET,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
      QUARANTINE_MAX_BYTES: String(1024 * 1024),
      EDGE_BATCH_MAX_EVENTS: String(batchMax),
      EDGE_RATE_LIMIT_EVENTS_PER_SECOND: '0',
    }),
    {},
  );
  const app = await startApp(cfg, createLogger('warn', 'measure-capacity'));
  try {
    await send(app.port, events);
    for (;;) {
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${TABLE_OF[type]}`);
      if (Number(rows[0].n) >= events.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await app.stop();
  }
  await client.query('select tracker_refresh_rollups()');
  await client.query('vacuum analyze');
  const after = await tableSizes(client);
  await client.end();
  await db.drop();
  const nc = await connect({ servers: stack.natsUrl });
  const { state } = await (await jetstreamManager(nc)).streams.info(cfg.STREAM_NAME);
  await nc.close();
  const streamDir = stack.dir ? findDir(join(stack.dir, 'nats'), cfg.STREAM_NAME) : undefined;
  const onDisk = streamDir ? dirBytes(streamDir) : Number.NaN;
  const tables = [...after]
    .map(([table, bytes]) => ({ table, bytes: bytes - (before.get(table) ?? 0) }))
    .filter((t) => t.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  return { type, events: events.length, messages: state.messages, streamBytes: state.bytes, onDisk, tables };
}

const stack = await startBenchStack({ fastPg: true });
const per = (bytes: number, n: number) => (bytes / n).toFixed(1);
try {
  process.stdout.write(
    `# ${players} players × ${hours} h, EDGE_BATCH_MAX_EVENTS=${batchMax}\n\n` +
      '| type | events | log messages | log bytes/event (stream state) | log bytes/event (on disk) | table | table bytes/event |\n' +
      '| --- | ---: | ---: | ---: | ---: | --- | ---: |\n',
  );
  for (const type of ['telemetry', 'spawn', 'rare'] as const) {
    const m = await measure(stack, type);
    for (const [i, t] of m.tables.entries()) {
      const lead =
        i === 0
          ? `${m.type} | ${m.events} | ${m.messages} | ${per(m.streamBytes, m.events)} | ${per(m.onDisk, m.events)}`
          : ' | | | |';
      process.stdout.write(`| ${lead} | ${t.table} | ${per(t.bytes, m.events)} |\n`);
    }
    const total = m.tables.reduce((n, t) => n + t.bytes, 0);
    process.stdout.write(`| | | | | | **all tables** | **${per(total, m.events)}** |\n`);
  }
} finally {
  await stack.stop();
}
