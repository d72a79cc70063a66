// Component figure: how fast PostgreSQL/TimescaleDB takes rows into the telemetry
// hypertable, by method, on one connection, in 5,000-row batches (docs/benchmarks.md "Figures and how they are measured"):
//   copy          COPY ... FROM STDIN (pg-copy-streams, text format)
//   copy-staging  ingest's idempotent path: COPY into a TEMP staging table, then
//                 INSERT ... SELECT ... ON CONFLICT DO NOTHING, in one transaction
//   insert-multi  one multi-row INSERT ... VALUES (...),(...) per batch
//   insert-single one INSERT per row, autocommit (what the naive design does)
// Same 8 columns for every method (a multi-row INSERT of all 21 columns would pass
// PostgreSQL's 65,535 bind-parameter limit at 5,000 rows).
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const COLS = ['ts', 'character_name', 'event_key', 'received_at', 'stream_seq', 'ew', 'ns', 'z'];
type Row = [string, string, string, string, number, number, number, number];

export interface CopyInsertResult {
  batchRows: number;
  rowsPerS: Record<'copy' | 'copyStaging' | 'insertMulti' | 'insertSingle', number>;
  /** copy rows/s divided by insert-multi rows/s. */
  copyVsInsertMulti: number;
}

let seq = 0;
function makeRows(n: number): Row[] {
  const base = Date.now();
  const now = new Date().toISOString();
  return Array.from({ length: n }, (_, i): Row => {
    seq++;
    return [
      new Date(base + i).toISOString(),
      `Bench Char ${seq % 200}`,
      randomUUID(),
      now,
      seq,
      Math.random() * 100,
      Math.random() * 100,
      seq % 90,
    ];
  });
}

const copyText = (rows: Row[]) => `${rows.map((r) => r.join('\t')).join('\n')}\n`;

async function copyBatch(c: pg.Client, table: string, rows: Row[]): Promise<void> {
  await pipeline(Readable.from([copyText(rows)]), c.query(copyFrom(`copy ${table} (${COLS.join(', ')}) from stdin`)));
}

async function rate(batches: number, rowsPer: number, fn: (rows: Row[]) => Promise<void>): Promise<number> {
  const data = Array.from({ length: batches }, () => makeRows(rowsPer));
  const t0 = process.hrtime.bigint();
  for (const rows of data) await fn(rows);
  return Math.round((batches * rowsPer) / (Number(process.hrtime.bigint() - t0) / 1e9));
}

export async function benchCopyVsInsert(
  databaseUrl: string,
  batches: number,
  singleRowSeconds: number,
): Promise<CopyInsertResult> {
  const BATCH = 5000;
  const c = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-copy' });
  await c.connect();
  try {
    // Warm-up: first chunk creation and catalog caches are not what we measure.
    await copyBatch(c, 'telemetry', makeRows(BATCH));
    await c.query(`create temp table stage (like telemetry including defaults) on commit delete rows`);

    const copy = await rate(batches, BATCH, (rows) => copyBatch(c, 'telemetry', rows));
    const copyStaging = await rate(batches, BATCH, async (rows) => {
      await c.query('begin');
      await copyBatch(c, 'stage', rows);
      await c.query(
        `insert into telemetry (${COLS.join(', ')}) select ${COLS.join(', ')} from stage on conflict do nothing`,
      );
      await c.query('commit');
    });
    const values = Array.from(
      { length: BATCH },
      (_, r) => `(${COLS.map((_, k) => `$${r * COLS.length + k + 1}`).join(',')})`,
    ).join(',');
    const multiSql = `insert into telemetry (${COLS.join(', ')}) values ${values}`;
    const insertMulti = await rate(batches, BATCH, async (rows) => {
      await c.query(multiSql, rows.flat());
    });
    const singleSql = `insert into telemetry (${COLS.join(', ')}) values (${COLS.map((_, k) => `$${k + 1}`).join(',')})`;
    let singles = 0;
    const rows = makeRows(100000);
    const t0 = Date.now();
    while (Date.now() - t0 < singleRowSeconds * 1000 && singles < rows.length)
      await c.query(singleSql, rows[singles++]);
    const insertSingle = Math.round(singles / ((Date.now() - t0) / 1000));
    return {
      batchRows: BATCH,
      rowsPerS: { copy, copyStaging, insertMulti, insertSingle },
      copyVsInsertMulti: Math.round((copy / insertMulti) * 100) / 100,
    };
  } finally {
    await c.end().catch(() => {});
  }
}
