// One table: read chunk -> map, validate and batch like the edge (chunk.ts, on worker
// threads) -> publish with acks -> advance the checkpoint over chunks whose every
// message is acknowledged. Chunks are handled strictly in rowid order; a few are mapped
// ahead on the workers. Reading waits whenever `maxInflight` messages await their
// PubAck, so memory stays bounded by a few chunks plus the publish window whatever the
// table's size.
import type { ImportOptions } from './args.js';
import type { BatchLimits, OutMessage } from './batches.js';
import { rowHash, type Checkpoint, type CheckpointStore } from './checkpoint.js';
import type { ChunkPool } from './chunk-pool.js';
import type { ChunkResult } from './chunk.js';
import type { Progress } from './progress.js';
import type { PublishWindow } from './publish-window.js';
import { MAX_LISTED_SKIPS, type TableReport } from './report.js';
import { ROWID, type OldAppSource, type TableInfo } from './source.js';

export interface TableRun {
  source: OldAppSource;
  info: TableInfo;
  report: TableReport;
  opts: ImportOptions;
  limits: BatchLimits;
  pool: ChunkPool;
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
interface Chunk {
  lastRowid: number;
  lastHash: string;
  remaining: number;
}

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

  constructor(private readonly run: TableRun) {
    this.checkpointed = run.resumeFrom?.rowid;
    this.after = run.resumeFrom?.rowid ?? FIRST_ROWID;
  }

  async readAndSend(): Promise<void> {
    const { source, info, opts, pool, limits } = this.run;
    const table = info.spec.table;
    const missing = info.missingRequired.length ? `missing column ${info.missingRequired.join(', ')}` : undefined;
    const since = opts.since?.getTime();
    // Chunks being mapped, oldest first: one per worker plus one, so workers never idle.
    const ahead: { chunk: Chunk; result: Promise<ChunkResult> }[] = [];
    const aheadMax = pool.workers + 1;
    try {
      for (;;) {
        if (this.run.stopping()) return;
        const { columns, rows } = source.readChunk(table, this.after, opts.chunkRows);
        if (rows.length > 0) {
          const last = rows[rows.length - 1];
          this.after = last[columns.indexOf(ROWID)] as number;
          const chunk: Chunk = {
            lastRowid: this.after,
            lastHash: rowHash(Object.fromEntries(columns.map((c, i) => [c, last[i]]))),
            remaining: 0,
          };
          const result = pool.run({
            type: info.spec.type,
            table,
            columns,
            rows,
            limits,
            receivedAt: new Date().toISOString(),
            missing,
            since,
          });
          result.catch(() => {}); // awaited in order below; never an unhandled rejection
          ahead.push({ chunk, result });
        }
        if (ahead.length === 0) return;
        if (ahead.length < aheadMax && rows.length > 0) continue;
        const next = ahead.shift()!;
        await this.handle(next.chunk, await next.result);
      }
    } finally {
      ahead.length = 0;
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
    await this.run.checkpoints.put(this.run.checkpointKey, {
      rowid: s.lastRowid,
      rowHash: s.lastHash,
      done,
      at: new Date().toISOString(),
    });
    this.checkpointed = s.lastRowid;
    this.lastCheckpointAt = Date.now();
  }

  private async handle(chunk: Chunk, r: ChunkResult): Promise<void> {
    const { report, opts, info } = this.run;
    report.read += r.read;
    report.duplicates += r.duplicates;
    for (const [why, n] of Object.entries(r.skipped)) report.skipped[why] = (report.skipped[why] ?? 0) + n;
    for (const s of r.skippedRows) if (report.skippedRows.length < MAX_LISTED_SKIPS) report.skippedRows.push(s);
    chunk.remaining = r.messages.length;
    this.queue.push(chunk);
    await this.send(chunk, r.messages);
    this.advance();
    this.run.progress?.update(info.spec.table, report.alreadyImported + report.read);
    if (Date.now() - this.lastCheckpointAt >= opts.checkpointIntervalMs) await this.checkpoint(false);
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
}
