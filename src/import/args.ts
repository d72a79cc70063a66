// Command line of `import-sqlite` (docs/import.md "Options"). Every limit is a flag
// with a named default; a wrong argument is one line and exit 2.
import { availableParallelism } from 'node:os';
import { STORED_TYPES, type StoredType } from '../shared/subjects.js';
import { IMPORTED_TABLES } from './old-layout.js';

export interface ImportOptions {
  file: string;
  dryRun: boolean;
  types: StoredType[];
  since?: Date;
  /** Ignore checkpoints and read every row again (still stores nothing twice). */
  restart: boolean;
  /** Print the final report as one JSON line instead of text. */
  json: boolean;
  /** Progress bars (TTY) or log lines (otherwise); `--no-progress` turns both off. */
  progress: boolean;
  chunkRows: number;
  eventsPerMessage: number;
  maxMessageBytes: number;
  maxInflight: number;
  publishTimeoutMs: number;
  publishAttempts: number;
  retryMaxMs: number;
  progressIntervalMs: number;
  checkpointIntervalMs: number;
  /** Worker threads mapping and validating chunks (0 = on the main thread). */
  workers: number;
  /** A worker not ready by then fails the import (re-run to resume) instead of stalling it. */
  workerStartTimeoutMs: number;
}

export const IMPORT_DEFAULTS = {
  chunkRows: 10_000,
  eventsPerMessage: 500,
  maxMessageBytes: 1024 * 1024,
  maxInflight: 64,
  publishTimeoutMs: 10_000,
  publishAttempts: 10,
  retryMaxMs: 2_000,
  progressIntervalMs: 5_000,
  checkpointIntervalMs: 1_000,
  workers: Math.min(4, availableParallelism()),
  workerStartTimeoutMs: 60_000,
} as const;

export const IMPORT_USAGE = `usage: import-sqlite FILE [--dry-run] [--tables telemetry,spawn,rare] [--since TIME] [--restart] [--json] [--no-progress]
  [--chunk-rows N] [--events-per-message N] [--max-message-bytes N] [--max-inflight N]
  [--publish-timeout-ms N] [--publish-attempts N] [--progress-interval-ms N] [--checkpoint-interval-ms N] [--workers N]
  [--worker-start-timeout-ms N]`;

type NumericOption = keyof typeof IMPORT_DEFAULTS;
const NUMERIC: Record<string, [NumericOption, number, number]> = {
  '--chunk-rows': ['chunkRows', 1, 1_000_000],
  '--events-per-message': ['eventsPerMessage', 1, 10_000],
  '--max-message-bytes': ['maxMessageBytes', 4096, 64 * 1024 * 1024],
  '--max-inflight': ['maxInflight', 1, 100_000],
  '--publish-timeout-ms': ['publishTimeoutMs', 100, 600_000],
  '--publish-attempts': ['publishAttempts', 1, 1_000_000],
  '--progress-interval-ms': ['progressIntervalMs', 100, 3_600_000],
  '--checkpoint-interval-ms': ['checkpointIntervalMs', 0, 3_600_000],
  '--workers': ['workers', 0, 64],
  '--worker-start-timeout-ms': ['workerStartTimeoutMs', 1_000, 3_600_000],
};

/** `--tables telemetry,spawn_log,…`: stored types or old table names; an error message when wrong. */
function parseTables(list: string): StoredType[] | string {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const types: StoredType[] = [];
  for (const n of names) {
    const t = IMPORTED_TABLES.find((s) => s.type === n || s.table === n);
    if (!t) return `--tables: unknown table ${JSON.stringify(n)}; use telemetry, spawn, rare`;
    if (!types.includes(t.type)) types.push(t.type);
  }
  if (!types.length) return '--tables needs at least one of telemetry, spawn, rare';
  return types;
}

/** Parses the arguments; returns an error message instead of options when they are wrong. */
export function parseImportArgs(args: string[]): ImportOptions | string {
  const o: Omit<ImportOptions, 'file'> & { file?: string } = {
    dryRun: false,
    types: [...STORED_TYPES],
    restart: false,
    json: false,
    progress: true,
    ...IMPORT_DEFAULTS,
  };
  for (let i = 0; i < args.length; i++) {
    const raw = args[i];
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const a = eq > 0 ? raw.slice(0, eq) : raw;
    const value = () => (eq > 0 ? raw.slice(eq + 1) : args[++i]);
    if (a === '--dry-run') o.dryRun = true;
    else if (a === '--restart') o.restart = true;
    else if (a === '--json') o.json = true;
    else if (a === '--no-progress') o.progress = false;
    else if (a === '--since') {
      const v = value();
      const ms = v === undefined ? NaN : Date.parse(v);
      if (!Number.isFinite(ms))
        return `--since needs a date-time, e.g. 2025-01-01T00:00:00Z, got ${JSON.stringify(v ?? '')}`;
      o.since = new Date(ms);
    } else if (a === '--tables') {
      const types = parseTables(value() ?? '');
      if (typeof types === 'string') return types;
      o.types = types;
    } else if (NUMERIC[a]) {
      const [key, min, max] = NUMERIC[a];
      const v = value();
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n < min || n > max)
        return `${a} must be an integer from ${min} to ${max}, got ${JSON.stringify(v ?? '')}`;
      o[key] = n;
    } else if (a.startsWith('-')) return `unknown option ${JSON.stringify(a)}`;
    else if (o.file === undefined) o.file = a;
    else return `only one FILE, got ${JSON.stringify(o.file)} and ${JSON.stringify(a)}`;
  }
  if (o.file === undefined) return "missing FILE (the old app's SQLite database)";
  return o as ImportOptions;
}
