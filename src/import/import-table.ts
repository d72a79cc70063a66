// One table: read chunk -> map rows -> validate and batch like the edge -> publish with
// acks -> advance the checkpoint over chunks whose every message is acknowledged.
// Reading waits whenever `maxInflight` messages await their PubAck, so memory stays
// bounded by one chunk plus the publish window whatever the table's size.
import type { ImportOptions } from './args.js';
import { ChunkBatcher, type BatchLimits, type OutMessage } from './batches.js';
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
  /** Which checkpoint this run advances (the table, qualified by --since). */
  checkpointKey: string;
  /** Resume after this checkpoint (already verified against the file). */
  resumeFrom?: Checkpoint;
  progress?: Progress;
  stopping(): boolean;
}

/** A chunk whose messages are out; `remaining` counts those still awaiting their PubAck. */
interface Chunk { lastRowid: number; lastHash: string; remaining: number }

const FIRST_ROWID = Number.MIN_SAFE_INTEGER;

export async function importTable(run: TableRun): Promise<void> {
  const t = new TableImport(run);
  try {
    await t.readAndSend();
    await t.settle();
  } finally {
    // Also after a failure or an interruption: what was acknowledged stays checkpointed.
    await t.settle().catch(() => {});
    await t.checkpoint(false).catch(() => {});
  }
  if (run.stopping()) return;
  await t.checkpoint(true);
  run.report.complete = true;
}

class TableImport {
  private readonly queue: Chunk[] = [];
  /** The newest chunk that, with all before it, is fully acknowledged. */
  private stored?: Chunk;
  private checkpointed?: number;
  private lastCheckpointAt = Date.now();
  private after: number;
  private readonly missing?: string;
  private readonly since?: number;

  constructor(private readonly run: TableRun) {
    this.checkpointed = run.resumeFrom?.rowid;
    this.after = run.resumeFrom?.rowid ?? FIRST_ROWID;
    const req = run.info.missingRequired;
    this.missing = req.length ? `missing column ${req.join(', ')}` : undefined;
    this.since = run.opts.since?.getTime();
  }

  async readAndSend(): Promise<void> {
    const { source, info, report, opts } = this.run;
    const table = info.spec.table;
    while (!this.run.stopping()) {
      const { columns, rows } = source.readChunk(table, this.after, opts.chunkRows);
      if (rows.length === 0) return;
      const idx = indexColumns(columns);
      const batcher = new ChunkBatcher(info.spec.type, this.run.limits, new Date().toISOString());
      for (const row of rows) this.processRow(row, idx, batcher);
      const last = rows[rows.length - 1];
      this.after = last[idx[ROWID]] as number;
      const messages = batcher.seal();
      const chunk: Chunk = { lastRowid: this.after, lastHash: rowHash(Object.fromEntries(columns.map((c, i) => [c, last[i]]))), remaining: messages.length };
      this.queue.push(chunk);
      await this.send(chunk, messages);
      this.advance();
      this.run.progress?.update(table, report.alreadyImported + report.read);
      if (Date.now() - this.lastCheckpointAt >= opts.checkpointIntervalMs) await this.checkpoint(false);
    }
  }

  /** Waits for the acks in flight. */
  async settle(): Promise<void> {
    await this.run.window?.drain();
    this.advance();
  }

  async checkpoint(done: boolean): Promise<void> {
    const s = this.stored;
    if (!this.run.checkpoints || !s || (s.lastRowid === this.checkpointed && !done)) return;
    await this.run.checkpoints.put(this.run.checkpointKey, { rowid: s.lastRowid, rowHash: s.lastHash, done, at: new Date().toISOString() });
    this.checkpointed = s.lastRowid;
    this.lastCheckpointAt = Date.now();
  }

  private async send(chunk: Chunk, messages: OutMessage[]): Promise<void> {
    const { report, window } = this.run;
    if (!window) {
      for (const m of messages) report.imported += m.events;
      report.messages += messages.length;
      chunk.remaining = 0;
      return;
    }
    for (const m of messages) {
      await window.send(m, (ack) => {
        report.imported += m.events;
        report.messages++;
        if (ack.duplicate) report.alreadyInStream += m.events;
        chunk.remaining--;
      });
    }
  }

  private advance(): void {
    while (this.queue.length && this.queue[0].remaining === 0) this.stored = this.queue.shift();
  }

  private processRow(row: SqlValue[], idx: ColumnIndex, batcher: ChunkBatcher): void {
    const { report, info } = this.run;
    report.read++;
    const id = row[idx.id ?? idx[ROWID]] as number | string;
    if (this.missing) { noteSkip(report, id, this.missing); return; }
    const m = mapRow(info.spec.type, row, idx);
    if (!m.ok) { noteSkip(report, id, m.reason); return; }
    if (this.since !== undefined && m.ms < this.since) { noteSkip(report, id, 'before --since'); return; }
    m.event.event_id = importEventId(info.spec.table, m.event);
    const r = batcher.add(m.event);
    if (r === 'duplicate') report.duplicates++;
    else if (typeof r === 'string') noteSkip(report, id, r);
  }
}
