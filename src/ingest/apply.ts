// Applies decoded messages to the projections in ONE transaction; acks are the
// caller's business and happen only after this resolves, i.e. after COMMIT
// (docs/ingest.md "How it works").
//
// Why staging exists (measured, see docs/ingest.md "Measurements"):
// plain COPY into the hypertable is the fastest, but a redelivered event (crash after
// COMMIT and before the ack, competing consumers, replay) violates the unique
// (event_key, ts) index and fails the whole batch. COPY into a session temp table +
// `INSERT … SELECT … ON CONFLICT DO NOTHING` keeps COPY's parsing speed, is idempotent
// for any mix of old and new rows, and needs no per-consumer checkpoint (a checkpoint
// of the applied stream sequence does not work with competing consumers, whose batches
// interleave). Multi-row INSERT is idempotent too but less than half as fast.
// Measured through the consumer (test/ingest/measure/apply-modes.ts, 200k events, 100
// per message, 2 writers, 2-core machine): copy-staging 56k events/s, copy-plain 65k,
// insert 25k; later, in one invocation, copy-staging 61k vs copy-direct 91k. The default
// is `copy-direct`: plain COPY, and only a batch holding an already-stored event (rare:
// redelivery, replay, resend) is rolled back and redone through staging.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { isUniqueViolation } from '../shared/errors.js';
import type { DecodedMessage, Row } from './decode.js';
import { encodeRows } from './copy-text.js';
import { ensureStaging, insertRows, mergeStaged } from './staging.js';
import { upsertPlayerLatest, upsertPlayerLatestFromStaging } from './player-latest.js';
import type { TableSpec } from './tables.js';
import { logDirtyBuckets } from './rollup-dirty.js';

/** How a batch is written (docs/ingest.md); an operator picks one of the first two (INGEST_APPLY_MODE). */
export const APPLY_MODES = ['copy-staging', 'copy-direct', 'insert', 'copy-plain'] as const;
export type ApplyMode = (typeof APPLY_MODES)[number];

/** `set local`: the setting ends with the transaction, so a pooled client never keeps it. */
const BEGIN_INGEST = "begin; set local tracker.ingest = 'on'";

export interface ApplyOptions {
  readonly mode: ApplyMode;
  /** Test-only seam (src/ingest/seams.ts): called once half of a COPY's data has been sent. */
  readonly midCopy?: () => void;
}

/** Per table: events in the batch, and rows that were new (the rest were already applied). */
export interface ApplyCounts {
  events: Record<string, number>;
  inserted: Record<string, number>;
}

/**
 * One transaction: BEGIN, each table's rows, COMMIT. In `copy-direct` a batch holding an
 * event that is already stored is rolled back and redone once through staging.
 */
export async function applyBatch(
  client: pg.ClientBase,
  items: readonly DecodedMessage[],
  opts: ApplyOptions,
): Promise<ApplyCounts> {
  const byTable = rowsByTable(items);
  // Redeliveries and replays are rare on the hot path: copy-direct tries the cheaper
  // plain COPY, and only when the unique key refuses an event redoes the whole batch
  // through staging, which skips the known rows.
  let mode: ApplyMode = opts.mode === 'copy-direct' ? 'copy-plain' : opts.mode;
  for (;;) {
    if (mode === 'copy-staging') await ensureStaging(client);
    // One round trip: the transaction, and the bypass of the raw-write invalidation
    // triggers (this path logs its own buckets, logDirtyBuckets below;
    // docs/retention-and-aggregation.md "Writes outside ingest").
    await client.query(BEGIN_INGEST);
    try {
      const counts = await writeTables(client, byTable, { ...opts, mode });
      await client.query('commit');
      return counts;
    } catch (err) {
      // The connection may be gone too; the caller then discards the client.
      await client.query('rollback').catch(() => {});
      if (opts.mode !== 'copy-direct' || mode === 'copy-staging' || !isUniqueViolation(err)) throw err;
      mode = 'copy-staging';
    }
  }
}

function rowsByTable(items: readonly DecodedMessage[]): Map<TableSpec, Row[]> {
  const byTable = new Map<TableSpec, Row[]>();
  for (const it of items) {
    if (!it.spec) continue; // an extension type: in the log only
    const rows = byTable.get(it.spec);
    if (rows) {
      for (const r of it.rows) rows.push(r);
    } else byTable.set(it.spec, [...it.rows]);
  }
  return byTable;
}

/** Inside the transaction: every table's rows, their rollup buckets, player_latest. */
async function writeTables(
  client: pg.ClientBase,
  byTable: ReadonlyMap<TableSpec, Row[]>,
  opts: ApplyOptions,
): Promise<ApplyCounts> {
  const counts: ApplyCounts = { events: {}, inserted: {} };
  for (const [spec, rows] of byTable) {
    if (rows.length === 0) continue;
    counts.events[spec.table] = rows.length;
    counts.inserted[spec.table] = await writeRows(client, spec, rows, opts);
    // Same transaction: a late row is never committed without its rollup invalidation.
    if (counts.inserted[spec.table] > 0) await logDirtyBuckets(client, spec.table, rows);
    if (spec.table === 'telemetry') {
      if (opts.mode === 'copy-staging') await upsertPlayerLatestFromStaging(client);
      else await upsertPlayerLatest(client, rows);
    }
  }
  return counts;
}

async function writeRows(client: pg.ClientBase, spec: TableSpec, rows: Row[], opts: ApplyOptions): Promise<number> {
  switch (opts.mode) {
    case 'copy-staging':
      await copyIn(
        client,
        `copy ${spec.staging} (${spec.columns.join(', ')}) from stdin`,
        encodeRows(rows),
        opts.midCopy,
      );
      return mergeStaged(client, spec);
    case 'copy-plain':
    case 'copy-direct':
      return copyIn(
        client,
        `copy ${spec.table} (${spec.columns.join(', ')}) from stdin`,
        encodeRows(rows),
        opts.midCopy,
      );
    case 'insert':
      return insertRows(client, spec, rows);
  }
}

/** Streams COPY text through pg-copy-streams; a failure sends CopyFail (docs/dependencies.md "pg-copy-streams"). */
async function copyIn(client: pg.ClientBase, sql: string, text: string, midCopy?: () => void): Promise<number> {
  const stream = client.query(copyStreams.from(sql));
  await pipeline(Readable.from(chunks(text, midCopy)), stream);
  return stream.rowCount;
}

async function* chunks(text: string, midCopy?: () => void): AsyncGenerator<Buffer> {
  if (!midCopy) {
    yield Buffer.from(text);
    return;
  }
  // Fault injection: send the first half of the rows, give the server time to read
  // it (so the COPY really is in progress there), then let the hook kill the process.
  const cut = text.indexOf('\n', Math.floor(text.length / 2)) + 1 || text.length;
  yield Buffer.from(text.slice(0, cut));
  await new Promise((r) => setTimeout(r, 200));
  midCopy();
  yield Buffer.from(text.slice(cut));
}
