// `import-sqlite FILE [...]`: the old FastAPI app's SQLite file -> JetStream, through
// the same subjects, envelope, event keys and validators as the edge (docs/import.md).
// Exit codes: 0 every importable row is acknowledged by JetStream (dry run: the file
// was read and validated); 1 runtime failure or interrupted (re-run to resume);
// 2 bad arguments, a file that is not SQLite, or one with none of the old app's tables.
import { pino } from 'pino';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../shared/config.js';
import { connectNats, ensureStream } from '../shared/nats.js';
import { JetStreamPublisher } from '../edge/jetstream-publish.js';
import { parseImportArgs, IMPORT_USAGE } from './args.js';
import { OldAppSource, SourceError, type SourceInfo } from './source.js';
import { CheckpointStore, checkpointNames, rowHash, sourceId, type Checkpoint } from './checkpoint.js';
import { PublishWindow } from './publish-window.js';
import { createProgress } from './progress.js';
import { importTable } from './import-table.js';
import { ChunkPool } from './chunk-pool.js';
import { formatReport, newTableReport, type ImportReport } from './report.js';
import type { BatchLimits } from './batches.js';

/** Starts the private NATS when NATS_URL is unset (as `npm start` does); returns its URL and a stop. */
export type StartNats = () => Promise<{ natsUrl: string | undefined; stop(): Promise<void> }>;

const line = (s: string) => process.stderr.write(`import-sqlite: ${s}\n`);

export async function runImportSqlite(cfg: Config, args: string[], startNats: StartNats): Promise<number> {
  const opts = parseImportArgs(args);
  if (typeof opts === 'string') {
    line(opts);
    process.stderr.write(`${IMPORT_USAGE}\n`);
    return 2;
  }
  let source: OldAppSource;
  let info: SourceInfo;
  try {
    source = new OldAppSource(opts.file);
    info = source.describe();
  } catch (err) {
    if (err instanceof SourceError) {
      line(err.message);
      return 2;
    }
    throw err;
  }
  const log = pino({ name: 'import-sqlite', level: cfg.LOG_LEVEL }, pino.destination(2));
  const t0 = Date.now();
  const report: ImportReport = {
    file: opts.file,
    dryRun: opts.dryRun,
    since: opts.since?.toISOString() ?? null,
    tables: [],
    notImported: info.counted,
    unknownTables: info.unknownTables,
    seconds: 0,
    peakRssMb: 0,
    ok: false,
  };
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let nc: NatsConnection | undefined;
  let local: Awaited<ReturnType<StartNats>> | undefined;
  let publisher: JetStreamPublisher | undefined;
  const pool = new ChunkPool(opts.workers);
  const progress = opts.progress
    ? createProgress({ tty: process.stderr.isTTY === true, intervalMs: opts.progressIntervalMs })
    : undefined;
  try {
    let maxMessageBytes = opts.maxMessageBytes;
    let checkpoints: CheckpointStore | undefined;
    let window: PublishWindow | undefined;
    if (!opts.dryRun) {
      let url = cfg.NATS_URL;
      if (!url) {
        local = await startNats();
        url = local.natsUrl;
      }
      if (!url) throw new Error('no NATS_URL and no private nats-server started');
      nc = await connectNats({ NATS_URL: url, NATS_CREDS_FILE: cfg.NATS_CREDS_FILE }, 'tracker-import-sqlite', log);
      await ensureStream(nc, cfg, log);
      maxMessageBytes = Math.min(maxMessageBytes, nc.info?.max_payload ?? maxMessageBytes);
      const names = checkpointNames(cfg.STREAM_NAME, cfg.SUBJECT_PREFIX);
      checkpoints = await CheckpointStore.open(nc, names, sourceId(opts.file), cfg.STREAM_REPLICAS);
      publisher = new JetStreamPublisher(nc);
      window = new PublishWindow(publisher.publish, {
        maxInflight: opts.maxInflight,
        publishTimeoutMs: opts.publishTimeoutMs,
        attempts: opts.publishAttempts,
        retryMaxMs: opts.retryMaxMs,
      });
    }
    const limits: BatchLimits = {
      subjectPrefix: cfg.SUBJECT_PREFIX,
      maxEventDepth: cfg.EDGE_MAX_EVENT_DEPTH,
      eventsPerMessage: opts.eventsPerMessage,
      maxMessageBytes,
    };
    for (const t of info.tables.filter((x) => opts.types.includes(x.spec.type))) {
      // A --since run covers only part of the rows: it keeps a checkpoint of its own.
      const checkpointKey = opts.since ? `${t.spec.table}-since-${opts.since.getTime()}` : t.spec.table;
      const resumeFrom =
        checkpoints && !opts.restart
          ? await verifiedCheckpoint(checkpoints, source, t.spec.table, checkpointKey)
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
        limits,
        pool,
        window,
        checkpoints,
        checkpointKey,
        resumeFrom,
        progress,
        stopping: () => stopping,
      });
      progress?.update(t.spec.table, tr.alreadyImported + tr.read);
      if (stopping) break;
    }
    report.ok = !stopping && report.tables.every((t) => t.complete);
    if (stopping) report.error = 'interrupted; run the same command again to resume';
  } catch (err) {
    report.error = (err as Error).message;
  } finally {
    progress?.stop();
    await pool.close().catch(() => {});
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    publisher?.close();
    await nc?.drain().catch(() => {});
    await local?.stop().catch(() => {});
    source.close();
  }
  report.seconds = (Date.now() - t0) / 1000;
  report.peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(opts.json ? `${JSON.stringify({ import: report })}\n` : formatReport(report));
  return report.ok ? 0 : 1;
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
    `${table}: the checkpoint (rowid ${cp.rowid}) does not match this file; importing from the start (nothing is stored twice)`,
  );
  return undefined;
}
