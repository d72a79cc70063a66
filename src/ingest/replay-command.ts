// `replay [--since TIME] [--truncate]`: rebuild the projections from the JetStream log
// (see replay.ts and docs/ingest.md "Replay"). Exit codes: 0 caught up, 1 failure,
// 2 bad arguments.
import type { NatsConnection } from '@nats-io/transport-node';
import type { IngestOptions } from './index.js';
import type { Logger } from '../shared/logger.js';
import { createPool } from '../shared/db.js';
import { migrate } from '../shared/migrate.js';
import { replay, type ReplayOptions } from './replay.js';
import { ReplayError } from '../shared/errors.js';

export const REPLAY_USAGE = 'usage: replay [--since TIME] [--truncate]   (TIME: RFC 3339, e.g. 2026-11-25T12:00:00Z)';

/** Parses the arguments; returns an error message instead of options when they are wrong. */
export function parseReplayArgs(args: string[]): ReplayOptions | string {
  const opts: ReplayOptions = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--truncate') {
      opts.truncate = true;
      continue;
    }
    const since = a === '--since' ? args[++i] : a.startsWith('--since=') ? a.slice('--since='.length) : undefined;
    if (a === '--since' || a.startsWith('--since=')) {
      const ms = since === undefined ? NaN : Date.parse(since);
      if (!Number.isFinite(ms)) return `--since needs a date-time, got ${JSON.stringify(since ?? '')}`;
      opts.since = new Date(ms);
      continue;
    }
    return `unknown argument ${JSON.stringify(a)}`;
  }
  // Truncating and then replaying only a suffix of the log would lose the older rows.
  if (opts.truncate && opts.since)
    return '--truncate cannot be combined with --since (it would drop the rows before TIME)';
  return opts;
}

/** What `replay` runs with: ingest's options plus where NATS and PostgreSQL are (built by src/app.ts). */
export interface ReplayCommandOptions {
  readonly ingest: IngestOptions;
  readonly databaseUrl: string;
  readonly migrateOnStart: boolean;
  readonly connectNats: (name: string) => Promise<NatsConnection>;
}

export async function runReplay(cmd: ReplayCommandOptions, log: Logger, args: string[]): Promise<number> {
  const opts = parseReplayArgs(args);
  if (typeof opts === 'string') {
    process.stderr.write(`replay: ${opts}\n${REPLAY_USAGE}\n`);
    return 2;
  }
  if (cmd.migrateOnStart) await migrate(cmd.databaseUrl, log);
  const nc = await cmd.connectNats('tracker-replay');
  const pool = createPool(cmd.databaseUrl, 2, log, 'telemetry-tracker-replay');
  const t0 = Date.now();
  try {
    const r = await replay(cmd.ingest, log, nc, pool, opts);
    const summary = {
      ...r,
      seconds: (Date.now() - t0) / 1000,
      since: opts.since?.toISOString() ?? null,
      truncated: !!opts.truncate,
    };
    log.info(summary, 'replay caught up');
    process.stdout.write(`${JSON.stringify({ replay: summary })}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ReplayError) {
      process.stderr.write(`replay: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await nc.drain().catch(() => {});
    await pool.end().catch(() => {});
  }
}
