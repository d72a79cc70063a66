// `import-sqlite FILE [...]`: the old FastAPI app's SQLite file -> JetStream, through
// the same subjects, envelope, event keys and validators as the edge (docs/import.md).
// Exit codes: 0 every importable row is acknowledged by JetStream (dry run: the file
// was read and validated); 1 runtime failure or interrupted (re-run to resume);
// 2 bad arguments, a file that is not SQLite, or one with none of the old app's tables.
import { pino } from 'pino';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SharedConfig } from '../shared/config-vars.js';
import type { Logger } from '../shared/logger.js';
import type { EdgeConfig } from '../config/edge.js';
import { connectNats, ensureStream, type TrackerStreamConfig } from '../shared/nats.js';
import { JetStreamPublisher } from '../edge/jetstream-publish.js';
import { parseImportArgs, IMPORT_HELP, IMPORT_USAGE, type ImportOptions } from './args.js';
import { OldAppSource, type SourceInfo } from './source.js';
import { SourceError } from './source-error.js';
import { CheckpointStore, checkpointNames, rowHash, sourceId, type Checkpoint } from './checkpoint.js';
import { PublishWindow } from './publish-window.js';
import { createProgress, type Progress } from './progress.js';
import { importTable } from './import-table.js';
import { ChunkPool } from './chunk-pool.js';
import { formatReport, newTableReport, type ImportReport } from './report.js';
import type { BatchLimits } from './batches.js';

/** What the importer reads: where NATS is, the stream it writes, and the edge's event-depth limit. */
export type ImportConfig = Pick<SharedConfig, 'LOG_LEVEL' | 'NATS_URL' | 'NATS_CREDS_FILE'> &
  TrackerStreamConfig &
  Pick<EdgeConfig, 'EDGE_MAX_EVENT_DEPTH'>;

/** Starts the private NATS when NATS_URL is unset (as `npm start` does); returns its URL and a stop. */
export type StartNats = () => Promise<{ natsUrl: string | undefined; stop(): Promise<void> }>;

const line = (s: string) => process.stderr.write(`import-sqlite: ${s}\n`);

/** The options, or the exit code after printing the help (0) or what is wrong (2). */
function optionsOrExit(args: string[]): ImportOptions | number {
  const opts = parseImportArgs(args);
  if (typeof opts === 'string') {
    line(opts);
    process.stderr.write(`${IMPORT_USAGE}\n`);
    return 2;
  }
  if (!('help' in opts)) return opts;
  process.stdout.write(`${IMPORT_USAGE}\n\n${IMPORT_HELP}\n`);
  return 0;
}

export async function runImportSqlite(cfg: ImportConfig, args: string[], startNats: StartNats): Promise<number> {
  const opts = optionsOrExit(args);
  if (typeof opts === 'number') return opts;
  const opened = openSource(opts.file);
  if (!opened) return 2;
  const { source, info } = opened;
  const log = pino({ name: 'import-sqlite', level: cfg.LOG_LEVEL }, pino.destination(2));
  const t0 = Date.now();
  const report = newReport(opts, info);
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const pool = new ChunkPool(opts.workers, opts.workerStartTimeoutMs);
  const progress = opts.progress
    ? createProgress({ tty: process.stderr.isTTY === true, intervalMs: opts.progressIntervalMs })
    : undefined;
  let target: Target | undefined;
  try {
    target = opts.dryRun ? undefined : await openTarget(cfg, opts, startNats, log);
    const limits: BatchLimits = {
      subjectPrefix: cfg.SUBJECT_PREFIX,
      maxEventDepth: cfg.EDGE_MAX_EVENT_DEPTH,
      eventsPerMessage: opts.eventsPerMessage,
      maxMessageBytes: target?.maxMessageBytes ?? opts.maxMessageBytes,
    };
    await importTables({ source, info, opts, report, limits, pool, target, progress, stopping: () => stopping });
    report.ok = !stopping && report.tables.every((t) => t.complete);
    if (stopping) report.error = 'interrupted; run the same command again to resume';
  } catch (err) {
    report.error = (err as Error).message;
  } finally {
    progress?.stop();
    await pool.close().catch(() => {});
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await target?.close();
    source.close();
  }
  report.seconds = (Date.now() - t0) / 1000;
  report.peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(opts.json ? `${JSON.stringify({ import: report })}\n` : formatReport(report));
  return report.ok ? 0 : 1;
}

/** The SQLite file and what it holds, or undefined (after saying why) when it is not the old app's. */
function openSource(file: string): { source: OldAppSource; info: SourceInfo } | undefined {
  let source: OldAppSource | undefined;
  try {
    source = new OldAppSource(file, line);
    return { source, info: source.describe() };
  } catch (err) {
    source?.close();
    if (err instanceof SourceError) {
      line(err.message);
      return undefined;
    }
    throw err;
  }
}

function newReport(opts: ImportOptions, info: SourceInfo): ImportReport {
  return {
    file: opts.file,
    dryRun: opts.dryRun,
    since: opts.since?.toISOString() ?? null,
    tables: [],
    notImported: info.counted,
    unknownTables: info.unknownTables,
    warnings: info.warnings,
    seconds: 0,
    peakRssMb: 0,
    ok: false,
  };
}

/** Where a real (not dry) run writes: JetStream, its publish window and the checkpoints. */
interface Target {
  readonly window: PublishWindow;
  readonly checkpoints: CheckpointStore;
  readonly maxMessageBytes: number;
  close(): Promise<void>;
}

async function openTarget(cfg: ImportConfig, opts: ImportOptions, startNats: StartNats, log: Logger): Promise<Target> {
  let nc: NatsConnection | undefined;
  let publisher: JetStreamPublisher | undefined;
  const local = cfg.NATS_URL ? undefined : await startNats();
  const close = async () => {
    publisher?.close();
    await nc?.drain().catch(() => {});
    await local?.stop().catch(() => {});
  };
  try {
    const url = cfg.NATS_URL ?? local?.natsUrl;
    if (!url) throw new Error('no NATS_URL and no private nats-server started');
    nc = await connectNats({ NATS_URL: url, NATS_CREDS_FILE: cfg.NATS_CREDS_FILE }, 'tracker-import-sqlite', log);
    await ensureStream(nc, cfg, log);
    const maxMessageBytes = Math.min(opts.maxMessageBytes, nc.info?.max_payload ?? opts.maxMessageBytes);
    const names = checkpointNames(cfg.STREAM_NAME, cfg.SUBJECT_PREFIX);
    const checkpoints = await CheckpointStore.open(nc, names, sourceId(opts.file), cfg.STREAM_REPLICAS);
    publisher = new JetStreamPublisher(nc);
    const window = new PublishWindow(publisher.publish, {
      maxInflight: opts.maxInflight,
      publishTimeoutMs: opts.publishTimeoutMs,
      attempts: opts.publishAttempts,
      retryMaxMs: opts.retryMaxMs,
    });
    return { window, checkpoints, maxMessageBytes, close };
  } catch (err) {
    await close();
    throw err;
  }
}

interface TablesRun {
  readonly source: OldAppSource;
  readonly info: SourceInfo;
  readonly opts: ImportOptions;
  readonly report: ImportReport;
  readonly limits: BatchLimits;
  readonly pool: ChunkPool;
  readonly target: Target | undefined;
  readonly progress: Progress | undefined;
  readonly stopping: () => boolean;
}

async function importTables(run: TablesRun): Promise<void> {
  const { source, info, opts, report, target, progress } = run;
  for (const t of info.tables.filter((x) => opts.types.includes(x.spec.type))) {
    // A --since run covers only part of the rows: it keeps a checkpoint of its own.
    const checkpointKey = opts.since ? `${t.spec.table}-since-${opts.since.getTime()}` : t.spec.table;
    const resumeFrom =
      target && !opts.restart
        ? await verifiedCheckpoint(target.checkpoints, source, t.spec.table, checkpointKey)
        : undefined;
    const tr = newTableReport(t, resumeFrom ? source.countUpTo(t.spec.table, resumeFrom.rowid) : 0);
    report.tables.push(tr);
    if (resumeFrom?.done && source.countUpTo(t.spec.table, resumeFrom.rowid) === t.rows) {
      tr.complete = true;
      continue;
    }
    progress?.start(t.spec.table, t.rows, tr.alreadyImported);
    await importTable({
      source,
      info: t,
      report: tr,
      opts,
      limits: run.limits,
      pool: run.pool,
      window: target?.window,
      checkpoints: target?.checkpoints,
      checkpointKey,
      resumeFrom,
      progress,
      stopping: run.stopping,
    });
    progress?.update(t.spec.table, tr.alreadyImported + tr.read);
    if (run.stopping()) break;
  }
}

/** The table's checkpoint when the row it names is still the same in this file. */
async function verifiedCheckpoint(
  store: CheckpointStore,
  source: OldAppSource,
  table: string,
  key: string,
): Promise<Checkpoint | undefined> {
  const cp = await store.get(key);
  if (!cp) return undefined;
  const row = source.rowAt(table, cp.rowid);
  if (row && rowHash(row) === cp.rowHash) return cp;
  line(
    `${table}: the checkpoint (rowid ${cp.rowid}) does not match this file; importing from the start (nothing is ` +
      `stored twice)`,
  );
  return undefined;
}
