// `quarantine replay [--reason CODE] [--since TIME] [--dry-run] [--json]`: put every
// quarantined event through today's validators and publish what passes (see
// replay.ts, docs/operations.md "Quarantine"). Exit codes: 0 done (records
// that still fail are not an error), 1 runtime failure, 2 bad arguments.
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SharedConfig } from '../shared/config-vars.js';
import type { Logger } from '../shared/logger.js';
import { connectNats, ensureQuarantineStream, ensureStream, type TrackerStreamConfig } from '../shared/nats.js';
import { QUARANTINE_REASONS, type QuarantineSettings } from '../shared/quarantine.js';
import { eventCheckOptions, type EdgeConfig } from '../config/edge.js';
import { frameOptionsOf } from '../edge/frame.js';
import { SizeBudget } from '../edge/size-budget.js';
import {
  admitReplayed,
  replayQuarantine,
  type Admit,
  type QuarantineReplayOptions,
  type QuarantineReplayReport,
} from './replay.js';

export const QUARANTINE_USAGE = `usage: quarantine replay [--reason CODE] [--since TIME] [--dry-run] [--json]
  --reason CODE   only records refused with CODE (${QUARANTINE_REASONS.join(', ')})
  --since TIME    only records stored at or after TIME (RFC 3339, e.g. 2026-11-25T12:00:00Z)
  --dry-run       validate and report; publish nothing, delete nothing
  --json          print the report as one JSON line
  --help          print this and exit`;

export type QuarantineCommandConfig = TrackerStreamConfig &
  QuarantineSettings &
  Pick<SharedConfig, 'NATS_URL' | 'NATS_CREDS_FILE'> &
  Pick<
    EdgeConfig,
    | 'EDGE_MAX_EVENTS_PER_FRAME'
    | 'EDGE_MAX_EVENT_DEPTH'
    | 'EDGE_ZONELESS_TIMESTAMPS'
    | 'EDGE_MISSING_TIMESTAMP'
    | 'EDGE_EXTENSION_TYPES'
    | 'SUBJECT_PREFIX'
  >;

/** Starts the private NATS when NATS_URL is unset (as `npm start` does). */
export type StartNats = () => Promise<{ natsUrl: string | undefined; stop(): Promise<void> }>;

type Parsed = QuarantineReplayOptions & { json: boolean };

/** The options, `'help'`, or a one-line error. */
export function parseQuarantineArgs(args: string[]): Parsed | 'help' | string {
  let values: { reason?: string; since?: string; 'dry-run'?: boolean; json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        reason: { type: 'string' },
        since: { type: 'string' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return (err as Error).message.split('. ')[0];
  }
  if (values.help) return 'help';
  if (positionals.length !== 1 || positionals[0] !== 'replay')
    return `expected the subcommand "replay", got ${JSON.stringify(positionals.join(' '))}`;
  const reasons: readonly string[] = QUARANTINE_REASONS;
  if (values.reason !== undefined && !reasons.includes(values.reason))
    return `--reason must be one of ${reasons.join(', ')}, got ${JSON.stringify(values.reason)}`;
  let since: Date | undefined;
  if (values.since !== undefined) {
    const ms = Date.parse(values.since);
    if (!Number.isFinite(ms))
      return `--since needs a date-time, e.g. 2026-11-25T12:00:00Z, got ${JSON.stringify(values.since)}`;
    since = new Date(ms);
  }
  return { reason: values.reason, since, dryRun: values['dry-run'] === true, json: values.json === true };
}

/** The edge's checks with the edge's limits, for the NATS server `nc` talks to. */
export function replayAdmit(cfg: QuarantineCommandConfig, nc: NatsConnection): Admit {
  // Today's settings, as the edge applies them (docs/operations.md "Quarantine").
  const limits = frameOptionsOf(eventCheckOptions(cfg), new SizeBudget(nc.info?.max_payload ?? 1024 * 1024));
  return (ev) => admitReplayed(ev, limits);
}

export async function runQuarantine(
  cfg: QuarantineCommandConfig,
  log: Logger,
  args: string[],
  startNats: StartNats,
): Promise<number> {
  const opts = parseQuarantineArgs(args);
  if (opts === 'help') {
    process.stdout.write(`${QUARANTINE_USAGE}\n`);
    return 0;
  }
  if (typeof opts === 'string') {
    process.stderr.write(`quarantine: ${opts} (see --help)\n`);
    return 2;
  }
  const local = cfg.NATS_URL ? undefined : await startNats();
  const nc = await connectNats({ ...cfg, NATS_URL: cfg.NATS_URL ?? local?.natsUrl }, 'tracker-quarantine', log);
  const bar = progressBar();
  try {
    // The log must exist for what passes; the quarantine may not yet (nothing to replay then).
    const jsm = await ensureStream(nc, cfg, log);
    await ensureQuarantineStream(jsm, cfg, log);
    const report = await replayQuarantine(
      {
        nc,
        streamName: cfg.STREAM_NAME,
        admit: replayAdmit(cfg, nc),
        maxEventsPerFrame: cfg.EDGE_MAX_EVENTS_PER_FRAME,
        onProgress: bar && ((done, total) => (done === 1 ? bar.start(total, done) : bar.update(done))),
      },
      opts,
    );
    bar?.stop();
    process.stdout.write(opts.json ? `${JSON.stringify({ quarantine_replay: report })}\n` : formatReport(report));
    return 0;
  } finally {
    bar?.stop();
    await nc.drain().catch(() => {});
    await local?.stop();
  }
}

/** A progress bar on a TTY only: a pipe or a log gets the report alone. */
function progressBar(): cliProgress.SingleBar | undefined {
  if (!process.stderr.isTTY) return undefined;
  return new cliProgress.SingleBar(
    { stream: process.stderr, format: 'quarantine [{bar}] {percentage}% | {value}/{total} records | ETA {eta}s' },
    cliProgress.Presets.shades_classic,
  );
}

export function formatReport(r: QuarantineReplayReport): string {
  const failing = Object.entries(r.still_failing);
  const lines = [
    `quarantine replay${r.dry_run ? ' (dry run: nothing published, nothing deleted)' : ''}`,
    `  read:               ${r.read}`,
    `  passed:             ${r.passed}${r.dry_run ? ' (would be published)' : ''}`,
    `  events published:   ${r.published}`,
    `  already stored:     ${r.duplicates}`,
    `  chat not resent:    ${r.chat_not_sent}`,
    `  records deleted:    ${r.deleted}`,
    `  still failing:      ${failing.reduce((n, [, c]) => n + c, 0)}`,
    ...failing.map(([code, n]) => `    ${code}: ${n}`),
    `  skipped by filter:  ${r.skipped_by_filter}`,
    `  unreadable:         ${r.unreadable}`,
  ];
  return `${lines.join('\n')}\n`;
}
