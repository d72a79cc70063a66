// Old-layout SQLite files in WAL mode, as the old app left them (docs/import.md "WAL
// files, read-only folders, errors"): some rows checkpointed into the main file, the
// newest only in `-wal`, and telemetry_log with the plugin's client metrics. The copies
// are taken while the writer is still open, as a backup of a running app would be.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createOldDb, insertRows, OLD_TABLES_DDL } from '../../bench/import/old-db.js';

export const WAL_CHARACTER = 'Wal Walker';
/** Rows written back into the main file before the copy. */
export const IN_MAIN_FILE = 30;
/** Rows still only in the WAL when the file is copied. */
export const ONLY_IN_WAL = 45;

/** The client metrics of row `i` (null on every seventh row: a plugin that did not send them). */
export const metricsOf = (i: number) =>
  i % 7 === 3
    ? { latency_ms: null, mem_mb: null, cpu_pct: null, mem_handles: null }
    : { latency_ms: 20 + i, mem_mb: 512.5 + i, cpu_pct: (i % 100) + 0.25, mem_handles: 1000 + i };

const row = (i: number) => ({
  character_name: WAL_CHARACTER,
  timestamp: new Date(Date.parse('2025-04-01T12:00:00Z') + i * 2000).toISOString(),
  ew: 10 + i / 100,
  ns: -5,
  z: 1,
  kills: i,
  kills_per_hour: i ? String(i * 3) : 'N/A',
  ...metricsOf(i),
});

export const walRowTime = (i: number) => row(i).timestamp;

/**
 * Writes the file in `dir`/writer and copies it into each of `copies` (db and -wal, or
 * db alone for `{ wal: false }`) before the writer closes.
 */
export function writeWalCopies(dir: string, copies: { dir: string; wal: boolean }[]): void {
  mkdirSync(join(dir, 'writer'), { recursive: true });
  const file = join(dir, 'writer', 'tracker.db');
  const ddl = {
    ...OLD_TABLES_DDL,
    telemetry_log: OLD_TABLES_DDL.telemetry_log.replace(
      'vt_state text)',
      'vt_state text, latency_ms real, mem_mb real, cpu_pct real, mem_handles integer)',
    ),
  };
  const db = createOldDb(file, ddl);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  const all = Array.from({ length: IN_MAIN_FILE + ONLY_IN_WAL }, (_, i) => row(i));
  insertRows(db, 'telemetry_log', all.slice(0, IN_MAIN_FILE));
  db.pragma('wal_checkpoint(TRUNCATE)');
  insertRows(db, 'telemetry_log', all.slice(IN_MAIN_FILE));
  for (const c of copies) {
    mkdirSync(c.dir, { recursive: true });
    copyFileSync(file, join(c.dir, 'tracker.db'));
    if (c.wal) copyFileSync(`${file}-wal`, join(c.dir, 'tracker.db-wal'));
  }
  db.close();
}
