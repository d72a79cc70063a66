// Command line of `import-sqlite` (docs/import.md "Options"), parsed by node:util
// parseArgs. Every limit is a flag with a named default; `--help` prints the options; a
// wrong argument is one line and exit 2.
import { availableParallelism } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
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
/** Numeric flags: the option they set, their range, what they mean (for --help). */
const NUMERIC: Record<string, [NumericOption, number, number, string]> = {
  'chunk-rows': ['chunkRows', 1, 1_000_000, 'rows read per chunk (memory bound; a checkpoint boundary)'],
  'events-per-message': ['eventsPerMessage', 1, 10_000, 'events per JetStream message (one character per message)'],
  'max-message-bytes': [
    'maxMessageBytes',
    4096,
    64 * 1024 * 1024,
    "largest message (also capped at the server's max_payload)",
  ],
  'max-inflight': ['maxInflight', 1, 100_000, 'messages awaiting their PubAck at once'],
  'publish-timeout-ms': ['publishTimeoutMs', 100, 600_000, 'wait for one PubAck before retrying (same Nats-Msg-Id)'],
  'publish-attempts': ['publishAttempts', 1, 1_000_000, 'tries per message before the import stops with exit 1'],
  'progress-interval-ms': ['progressIntervalMs', 100, 3_600_000, 'log-line interval without a TTY'],
  'checkpoint-interval-ms': ['checkpointIntervalMs', 0, 3_600_000, 'how often the checkpoint advances'],
  workers: ['workers', 0, 64, 'worker threads mapping and validating chunks (0 = main thread)'],
  'worker-start-timeout-ms': ['workerStartTimeoutMs', 1_000, 3_600_000, 'a worker not loaded by then stops the import'],
};

const FLAGS: Record<string, string> = {
  'dry-run': 'read and validate every row, publish nothing',
  restart: 'ignore checkpoints (everything is read and sent again, still stored once)',
  json: 'the report as one JSON line',
  'no-progress': 'no progress bars or lines',
  help: 'print this and exit',
};

const OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  ...Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: 'boolean' }])),
  h: { type: 'boolean' },
  tables: { type: 'string' },
  since: { type: 'string' },
  ...Object.fromEntries(Object.keys(NUMERIC).map((f) => [f, { type: 'string' }])),
};

/** `--help`: the usage line and every option with its default. */
export const IMPORT_HELP = [
  "import-sqlite FILE: imports the old app's SQLite file through JetStream (docs/import.md)",
  '',
  'options:',
  `  --tables LIST                   telemetry,spawn,rare (default: all three; old table names work too)`,
  `  --since TIME                    only rows at or after TIME (RFC 3339)`,
  ...Object.entries(FLAGS).map(([f, what]) => `  --${f.padEnd(30)}${what}`),
  ...Object.entries(NUMERIC).map(
    ([f, [key, min, max, what]]) =>
      `  --${`${f} N`.padEnd(30)}${what} (${min}-${max}, default ${IMPORT_DEFAULTS[key]})`,
  ),
].join('\n');

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

type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

/**
 * parseArgs in its lenient mode, then checked here, so that every mistake reads as this
 * command's own one line (parseArgs's strict errors suggest `--` tricks instead).
 */
function tokenize(args: string[]): Parsed | string {
  const { values, positionals, tokens } = parseArgs({
    args,
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const tok of tokens) {
    if (tok.kind !== 'option') continue;
    const spec = OPTIONS[tok.name];
    if (!spec) return `unknown option ${JSON.stringify(tok.rawName)}`;
    if (spec.type === 'boolean' && tok.value !== undefined) return `${tok.rawName} takes no value`;
  }
  return { values: values as Parsed['values'], positionals };
}

/** Parses the arguments; `{ help: true }` for --help; an error message instead of options when they are wrong. */
export function parseImportArgs(args: string[]): ImportOptions | { help: true } | string {
  const parsed = tokenize(args);
  if (typeof parsed === 'string') return parsed;
  const { values: v, positionals } = parsed;
  if (v.help || v.h) return { help: true };
  const o: Omit<ImportOptions, 'file'> & { file?: string } = {
    dryRun: v['dry-run'] === true,
    types: [...STORED_TYPES],
    restart: v.restart === true,
    json: v.json === true,
    progress: v['no-progress'] !== true,
    ...IMPORT_DEFAULTS,
  };
  if ('since' in v) {
    const s = typeof v.since === 'string' ? v.since : undefined;
    const ms = s === undefined ? NaN : Date.parse(s);
    if (!Number.isFinite(ms))
      return `--since needs a date-time, e.g. 2025-01-01T00:00:00Z, got ${JSON.stringify(s ?? '')}`;
    o.since = new Date(ms);
  }
  if ('tables' in v) {
    const types = parseTables(typeof v.tables === 'string' ? v.tables : '');
    if (typeof types === 'string') return types;
    o.types = types;
  }
  for (const [flag, [key, min, max]] of Object.entries(NUMERIC)) {
    if (!(flag in v)) continue;
    const s = typeof v[flag] === 'string' ? (v[flag] as string) : undefined;
    const n = Number(s);
    if (s === undefined || s.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      return `--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(s ?? '')}`;
    o[key] = n;
  }
  if (positionals.length > 1)
    return `only one FILE, got ${JSON.stringify(positionals[0])} and ${JSON.stringify(positionals[1])}`;
  if (positionals.length === 0) return "missing FILE (the old app's SQLite database)";
  o.file = positionals[0];
  return o as ImportOptions;
}
