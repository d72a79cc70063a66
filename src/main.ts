#!/usr/bin/env node
// Entry point. Commands:
//   start (default)       run the roles in ROLES (edge, ingest, api) in this process
//   migrate               apply pending SQL migrations and exit
//   replay [--since T]    rebuild the projections from the JetStream log
//   replay --alerts       rebuild the alert history from the log (docs/alerts.md "Rebuild")
//   check-config          validate the environment and exit
//   import-sqlite FILE    import the old app's SQLite file through JetStream (docs/import.md)
//   quarantine replay     put refused events through today's validators again (docs/operations.md "Quarantine")
// Exit codes: 0 ok, 1 runtime failure, 2 configuration error.
import { pino } from 'pino';
import { loadConfig, resolveServices, type Config } from './config.js';
import { ConfigError } from './shared/errors.js';
import { createLogger, type Logger } from './shared/logger.js';
import { startLocalServices } from './localstack/index.js';
import { migrate } from './shared/migrate.js';
import { run } from './run.js';
import { alertsRebuildOptions, replayCommandOptions } from './app.js';
import { runAlertsRebuild } from './alerts/rebuild-command.js';
import { readReplayArgs, runReplay } from './ingest/replay-command.js';
import { runImportSqlite } from './import/command.js';
import { runQuarantine } from './quarantine/command.js';

async function main(argv: string[]): Promise<number> {
  const [command = 'start', ...rest] = argv;
  let cfg: Config;
  try {
    cfg = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`config error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger(cfg.LOG_LEVEL);
  if (command === 'check-config') return 0;
  if (command === 'import-sqlite' || command === 'quarantine') return natsOnlyCommand(command, cfg, rest, log);
  if (!['start', 'migrate', 'replay'].includes(command)) {
    process.stderr.write(
      `unknown command "${command}"; use start, migrate, replay [--since TIME], import-sqlite FILE, ` +
        'quarantine replay or check-config\n',
    );
    return 2;
  }
  const replayExit = command === 'replay' ? readReplayArgs(rest) : undefined;
  if (typeof replayExit === 'number') return replayExit; // --help or a wrong argument: no services needed
  const needsNats = command !== 'migrate'; // migrate needs only PostgreSQL
  const local =
    (needsNats && !cfg.NATS_URL) || !cfg.DATABASE_URL
      ? await startLocalServices(cfg, log, { nats: needsNats })
      : undefined;
  try {
    if (command === 'migrate') {
      const databaseUrl = cfg.DATABASE_URL ?? local?.databaseUrl;
      if (!databaseUrl) throw new Error('no DATABASE_URL and no private PostgreSQL started');
      const done = await migrate(databaseUrl, log);
      log.info({ applied: done }, done.length ? 'migrations applied' : 'database is up to date');
      return 0;
    }
    const resolved = resolveServices(cfg, local ?? {});
    if (command === 'replay' && replayExit?.alerts)
      return await runAlertsRebuild(alertsRebuildOptions(resolved, log), log);
    if (command === 'replay') return await runReplay(replayCommandOptions(resolved, log), log, rest);
    return await run(resolved, log, local);
  } finally {
    if (command !== 'start') await local?.stop();
  }
}

/**
 * Commands that need only NATS, started privately when NATS_URL is unset. The importer
 * checks its file before anything starts (and needs no NATS for a dry run).
 */
function natsOnlyCommand(
  command: 'import-sqlite' | 'quarantine',
  cfg: Config,
  args: string[],
  log: Logger,
): Promise<number> {
  if (command === 'import-sqlite') {
    return runImportSqlite(cfg, args, async () => {
      const local = await startLocalServices(cfg, log);
      return { natsUrl: local.natsUrl, stop: () => local.stop() };
    });
  }
  // Logs to stderr: stdout carries the report.
  const errLog = pino({ name: 'quarantine', level: cfg.LOG_LEVEL }, pino.destination(2));
  return runQuarantine(cfg, errLog, args, async () => {
    const local = await startLocalServices(cfg, errLog, { nats: true });
    return { natsUrl: local.natsUrl, stop: () => local.stop() };
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`fatal: ${err?.message ?? err}\n`);
    process.exitCode = 1;
  },
);
