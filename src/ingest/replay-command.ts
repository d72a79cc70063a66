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
import {
  helpText,
  parseCommandLine,
  UsageError,
  wantsHelp,
  type OptionSpecs,
  type OptionValues,
} from '../shared/command-line.js';

export const REPLAY_USAGE =
  'usage: replay [--since TIME] [--truncate] | replay --alerts   (TIME: RFC 3339, e.g. 2026-11-25T12:00:00Z)';

const REPLAY_OPTIONS = {
  since: { type: 'string', arg: 'TIME', help: 'Re-apply only the messages stored since TIME (RFC 3339).' },
  truncate: {
    type: 'boolean',
    help: 'Empty the projections first, then rebuild them from the whole stream (not with --since).',
  },
  alerts: {
    type: 'boolean',
    help: 'Rebuild the alert history from the whole stream instead, marked delivered (docs/alerts.md "Rebuild").',
  },
} as const satisfies OptionSpecs;

/** Parses the arguments; returns an error message instead of options when they are wrong. */
export function parseReplayArgs(args: string[]): ReplayOptions | string {
  let values: OptionValues<typeof REPLAY_OPTIONS>;
  try {
    ({ values } = parseCommandLine(args, REPLAY_OPTIONS));
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  const opts: ReplayOptions = {};
  if (values.alerts) {
    if (values.truncate || values.since !== undefined) return '--alerts takes no other option';
    return { alerts: true };
  }
  if (values.truncate) opts.truncate = true;
  if (values.since !== undefined) {
    const ms = Date.parse(values.since);
    if (!Number.isFinite(ms)) return `--since needs a date-time, got ${JSON.stringify(values.since)}`;
    opts.since = new Date(ms);
  }
  // Truncating and then replaying only a suffix of the log would lose the older rows.
  if (opts.truncate && opts.since)
    return '--truncate cannot be combined with --since (it would drop the rows before TIME)';
  return opts;
}

/**
 * The options to replay with, or the exit code once `--help` is printed (0) or a wrong
 * argument reported (2). `main` asks before it starts any service.
 */
export function readReplayArgs(args: string[]): ReplayOptions | number {
  if (wantsHelp(args)) {
    process.stdout.write(helpText(REPLAY_USAGE, REPLAY_OPTIONS));
    return 0;
  }
  const opts = parseReplayArgs(args);
  if (typeof opts !== 'string') return opts;
  process.stderr.write(`replay: ${opts}\n${REPLAY_USAGE}\n`);
  return 2;
}

/** What `replay` runs with: ingest's options plus where NATS and PostgreSQL are (built by src/app.ts). */
export interface ReplayCommandOptions {
  readonly ingest: IngestOptions;
  readonly databaseUrl: string;
  readonly migrateOnStart: boolean;
  readonly connectNats: (name: string) => Promise<NatsConnection>;
}

export async function runReplay(cmd: ReplayCommandOptions, log: Logger, args: string[]): Promise<number> {
  const opts = readReplayArgs(args);
  if (typeof opts === 'number') return opts;
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
