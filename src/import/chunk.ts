// One chunk of rows -> its JetStream messages and what happened to each row. Pure: the
// same rows give the same messages (batches.ts), whether this runs on the main thread
// or in a worker (chunk-worker.ts).
import { ChunkBatcher, type BatchLimits, type OutMessage } from './batches.js';
import { importEventId } from './event-id.js';
import { mapRow, indexColumns, type SqlValue } from './map-row.js';
import { MAX_LISTED_SKIPS } from './report.js';
import { ROWID } from './source.js';
import type { StoredType } from '../shared/subjects.js';

export interface ChunkJob {
  type: StoredType;
  table: string;
  columns: string[];
  rows: SqlValue[][];
  limits: BatchLimits;
  receivedAt: string;
  /** Skip every row with this reason (a required column is missing). */
  missing?: string;
  /** Skip rows before this instant (ms). */
  since?: number;
}

export interface ChunkResult {
  messages: OutMessage[];
  read: number;
  duplicates: number;
  skipped: Record<string, number>;
  /** The first MAX_LISTED_SKIPS skipped rows of the chunk. */
  skippedRows: { id: string | number; reason: string }[];
}

export function processChunk(job: ChunkJob): ChunkResult {
  const idx = indexColumns(job.columns);
  const idCol = idx.id ?? idx[ROWID];
  const batcher = new ChunkBatcher(job.type, job.limits, job.receivedAt);
  const out: ChunkResult = { messages: [], read: 0, duplicates: 0, skipped: {}, skippedRows: [] };
  const skip = (row: SqlValue[], reason: string) => {
    out.skipped[reason] = (out.skipped[reason] ?? 0) + 1;
    if (out.skippedRows.length < MAX_LISTED_SKIPS) out.skippedRows.push({ id: row[idCol] as number | string, reason });
  };
  for (const row of job.rows) {
    out.read++;
    if (job.missing) {
      skip(row, job.missing);
      continue;
    }
    const m = mapRow(job.type, row, idx);
    if (!m.ok) {
      skip(row, m.reason);
      continue;
    }
    if (job.since !== undefined && m.ms < job.since) {
      skip(row, 'before --since');
      continue;
    }
    m.event.event_id = importEventId(job.table, m.event);
    const r = batcher.add(m.event);
    if (r === 'duplicate') out.duplicates++;
    else if (typeof r === 'string') skip(row, r);
  }
  out.messages = batcher.seal();
  return out;
}
