// One table: read chunk -> map rows -> validate and batch like the edge -> publish with
// acks -> advance the checkpoint over chunks whose every message is acknowledged.
// Reading waits whenever `maxInflight` messages await their PubAck, so memory stays
// bounded by one chunk plus the publish window whatever the table's size.
import type { ImportOptions } from './args.js';
import { ChunkBatcher, type BatchLimits } from './batches.js';
import { rowHash, type Checkpoint, type CheckpointStore } from './checkpoint.js';
import { importEventId } from './event-id.js';
import { mapRow, indexColumns, type ColumnIndex, type SqlValue } from './map-row.js';
import type { Progress } from './progress.js';
import type { PublishWindow } from './publish-window.js';
import { noteSkip, type TableReport } from './report.js';
import { ROWID, type OldAppSource, type TableInfo } from './source.js';

export interface TableRun {
  source: OldAppSource;
  info: TableInfo;
  report: TableReport;
  opts: ImportOptions;
  limits: BatchLimits;
  /** Absent in a dry run. */
  window?: PublishWindow;
  checkpoints?: CheckpointStore;
  /** Resume after this checkpoint (already verified against the file). */
  resumeFrom?: Checkpoint;
  progress?: Progress;
  stopping(): boolean;
}

interface Chunk { lastRowid: number; lastHash: string; remaining: number }

const FIRST_ROWID = Number.MIN_SAFE_INTEGER;

export async function importTable(run: TableRun): Promise<void> {
  const { source, info, report, opts, window } = run;
  const table = info.spec.table;
  const since = opts.since?.getTime();
  const missing = info.missingRequired.length ? `missing column ${info.missingRequired.join(', ')}` : undefined;
  const queue: Chunk[] = [];
  let stored: Chunk | undefined;
  let lastCheckpointAt = Date.now();
  let checkpointed = run.resumeFrom?.rowid;
  let after = run.resumeFrom?.rowid ?? FIRST_ROWID;

  const advance = () => {
    while (queue.length && queue[0].remaining === 0) stored = queue.shift();
  };
  const checkpoint = async (done: boolean) => {
    if (!run.checkpoints || !stored || (stored.lastRowid === checkpointed && !done)) return;
    await run.checkpoints.put(table, { rowid: stored.lastRowid, rowHash: stored.lastHash, done, at: new Date().toISOString() });
    checkpointed = stored.lastRowid;
    lastCheckpointAt = Date.now();
  };

  for (;;) {
    if (run.stopping()) return;
    const { columns, rows } = source.readChunk(table, after, opts.chunkRows);
    if (rows.length === 0) break;
    const idx = indexColumns(columns);
    const batcher = new ChunkBatcher(info.spec.type, run.limits, new Date().toISOString());
    for (const row of rows) processRow(row, idx, info.spec.table, info.spec.type, batcher, report, missing, since);
    const last = rows[rows.length - 1];
    after = last[idx[ROWID]] as number;
    const messages = batcher.seal();
    const chunk: Chunk = { lastRowid: after, lastHash: rowHash(Object.fromEntries(columns.map((c, i) => [c, last[i]]))), remaining: messages.length };
    queue.push(chunk);
    if (!window) {
      for (const m of messages) report.imported += m.events;
      report.messages += messages.length;
      chunk.remaining = 0;
    } else {
      for (const m of messages) {
        await window.send(m, (ack) => {
          report.imported += m.events;
          report.messages++;
          if (ack.duplicate) report.alreadyInStream += m.events;
          chunk.remaining--;
        });
      }
    }
    advance();
    run.progress?.update(table, report.alreadyImported + report.read);
    if (Date.now() - lastCheckpointAt >= opts.checkpointIntervalMs) await checkpoint(false);
  }
  if (window) await window.drain();
  advance();
  await checkpoint(true);
  report.complete = true;
}

function processRow(row: SqlValue[], idx: ColumnIndex, table: string, type: TableRun['info']['spec']['type'], batcher: ChunkBatcher, report: TableReport, missing: string | undefined, since: number | undefined): void {
  report.read++;
  const id = row[idx.id ?? idx[ROWID]] as number | string;
  if (missing) { noteSkip(report, id, missing); return; }
  const m = mapRow(type, row, idx);
  if (!m.ok) { noteSkip(report, id, m.reason); return; }
  if (since !== undefined && m.ms < since) { noteSkip(report, id, 'before --since'); return; }
  m.event.event_id = importEventId(table, m.event);
  const r = batcher.add(m.event);
  if (r === 'duplicate') report.duplicates++;
  else if (typeof r === 'string') noteSkip(report, id, r);
}
