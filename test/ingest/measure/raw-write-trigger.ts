// Measurement (not a test): what the raw-write invalidation triggers
// (sql/170_raw_write_invalidation.sql) cost.
//   npx tsx test/ingest/measure/raw-write-trigger.ts [runs=3] [batchesPerRun=40]
// 1. Ingest's own path: events/s of applyBatch (copy-direct, the default; batches of 5,000
//    events as 50 messages of 100, 5 telemetry messages per spawn message, decoded before
//    the clock starts) into a database with the triggers and one without (the same
//    migrations, the triggers dropped). Ingest bypasses them (tracker.ingest = 'on'): what
//    is left is the WHEN clause evaluated per row. Batches alternate between the two
//    databases (ABBA…), so a busy neighbour on the shared machine slows both alike, and
//    both tables grow alike.
// 2. A bulk load outside ingest, where the triggers do their work: COPY of 100,000
//    telemetry rows (10 statements of 10,000, alternating), with and without them.
// Prints the median and the spread (min–max) of each. Results:
// docs/retention-and-aggregation.md "Writes outside ingest".
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { startPostgres, createDatabase } from '../../../src/localstack/postgres.js';
import { migrate } from '../../../src/shared/migrate.js';
import { applyBatch } from '../../../src/ingest/apply.js';
import { decodeMessage, type DecodedMessage } from '../../../src/ingest/decode.js';
import { encodeEnvelope } from '../../../src/shared/envelope.js';
import { subjectFor } from '../../../src/shared/subjects.js';
import { envelope, telemetry, spawnEv } from '../fixtures.js';

const runs = Number(process.argv[2] ?? 3);
const batchesPerRun = Number(process.argv[3] ?? 40);
const PER_MESSAGE = 100;
const MESSAGES_PER_BATCH = 50;
const BULK_ROWS = 100_000;

const server = await startPostgres({
  dir: join(mkdtempSync(join(tmpdir(), 'measure-trigger-')), 'pg'),
  port: 0,
  detached: false,
  fast: true, // like the test stack: fsync off, so the figure is the CPU cost
  database: 'postgres',
});
const dbUrl = async (name: string) => {
  await createDatabase(server.url, name);
  const url = server.url.replace(/\/[^/]*$/, `/${name}`);
  await migrate(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
};
const withTriggers = await dbUrl('with_triggers');
const withoutTriggers = await dbUrl('without_triggers');
const { rows: triggers } = await withoutTriggers.query<{ tgname: string; table: string }>(
  `select tgname, tgrelid::regclass::text as table from pg_trigger where tgname like '%\\_invalidate\\_%'`,
);
for (const tr of triggers) await withoutTriggers.query(`drop trigger ${tr.tgname} on ${tr.table}`);
console.log(`dropped ${triggers.length} triggers in the database without them`);

let seq = 0;
let next = 0; // event index: every run writes new events (new keys, later timestamps)
function batches(): DecodedMessage[][] {
  return Array.from({ length: batchesPerRun }, () =>
    Array.from({ length: MESSAGES_PER_BATCH }, (_, m) => {
      const who = `Bench ${m % 200}`;
      const spawn = m % 6 === 5;
      const events = Array.from({ length: PER_MESSAGE }, () =>
        spawn ? spawnEv(who, next++) : telemetry(who, next++, { latency_ms: 12.5, mem_mb: 300, session_id: 's1' }),
      );
      const type = spawn ? 'spawn' : 'telemetry';
      return decodeMessage(
        { prefix: 'tracker', maxMessageBytes: 1 << 20 },
        subjectFor('tracker', type, who),
        encodeEnvelope(envelope(type, events)),
        ++seq,
      );
    }),
  );
}

/** Seconds spent per database; batches alternate between them, so load on the shared machine hits both alike. */
type Both = { with: number; without: number };
const dbs = { with: withTriggers, without: withoutTriggers };

async function ingestRun(): Promise<Both> {
  const data = { with: batches(), without: batches() };
  const spent = { with: 0, without: 0 };
  for (let i = 0; i < batchesPerRun; i++)
    for (const which of i % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      const t0 = performance.now();
      await applyBatch(dbs[which], data[which][i], { mode: 'copy-direct' });
      spent[which] += (performance.now() - t0) / 1000;
    }
  const events = batchesPerRun * MESSAGES_PER_BATCH * PER_MESSAGE;
  return { with: Math.round(events / spent.with), without: Math.round(events / spent.without) };
}

function copyText(startMs: number, rows: number): string {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const ts = new Date(startMs + i * 2000).toISOString();
    lines.push(`${ts}\tBulk ${i % 100}\t${randomUUID()}\t${ts}\t${i}\t1\t2\t3\n`);
  }
  return lines.join('');
}
const COPY_SQL = 'copy telemetry (ts, character_name, event_key, received_at, stream_seq, ew, ns, z) from stdin';

/** BULK_ROWS rows in 10 COPY statements per database, alternating. */
async function bulkRun(startMs: number): Promise<Both> {
  const spent = { with: 0, without: 0 };
  const part = BULK_ROWS / 10;
  for (let k = 0; k < 10; k++) {
    const text = copyText(startMs + k * part * 2000, part);
    for (const which of k % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      const t0 = performance.now();
      await pipeline(Readable.from([text]), dbs[which].query(copyStreams.from(COPY_SQL)));
      spent[which] += (performance.now() - t0) / 1000;
    }
  }
  return { with: Math.round(BULK_ROWS / spent.with), without: Math.round(BULK_ROWS / spent.without) };
}

const ingest = { with: [] as number[], without: [] as number[] };
const bulk = { with: [] as number[], without: [] as number[] };
// Warm-up of both (first chunks, catalog caches), not measured.
for (const c of [withTriggers, withoutTriggers])
  for (const b of batches().slice(0, 4)) await applyBatch(c, b, { mode: 'copy-direct' });
for (let r = 0; r < runs; r++) {
  const x = await ingestRun();
  ingest.with.push(x.with);
  ingest.without.push(x.without);
  console.log(`ingest run ${r + 1}: ${x.with} events/s with triggers, ${x.without} without`);
}
await withTriggers.query('delete from tracker_rollup_dirty'); // ingest's own entries
const bulkStart = Date.parse('2020-01-01T00:00:00Z');
for (let r = 0; r < runs; r++) {
  const x = await bulkRun(bulkStart + r * 86_400_000 * 3);
  bulk.with.push(x.with);
  bulk.without.push(x.without);
  console.log(`bulk COPY run ${r + 1}: ${x.with} rows/s with triggers, ${x.without} without`);
}
const { rows: logged } = await withTriggers.query<{ source: string; entries: number }>(
  `select source, count(*)::int as entries from tracker_rollup_dirty group by source order by source`,
);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = (xs: number[]) => `median ${median(xs)}, spread ${Math.min(...xs)}–${Math.max(...xs)}`;
console.log(`ingest (copy-direct, events/s) with triggers:    ${summary(ingest.with)}`);
console.log(`ingest (copy-direct, events/s) without triggers: ${summary(ingest.without)}`);
// Each run times both databases on alternating batches: its ratio is the paired figure.
const ratios = ingest.with.map((w, i) => w / ingest.without[i]);
console.log(
  `ingest with/without per run: ${ratios.map((r) => r.toFixed(3)).join(', ')}; median ${median(ratios).toFixed(3)}`,
);
console.log(`bulk COPY of ${BULK_ROWS} telemetry rows (rows/s) with triggers:    ${summary(bulk.with)}`);
console.log(`bulk COPY of ${BULK_ROWS} telemetry rows (rows/s) without triggers: ${summary(bulk.without)}`);
console.log(`dirty-log entries written by the bulk loads: ${JSON.stringify(logged)}`);
await Promise.all([withTriggers.end(), withoutTriggers.end()]);
await server.stop();
