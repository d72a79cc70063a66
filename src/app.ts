// Wires the roles of one process: connections, the HTTP app, then each role in ROLES,
// each given only its own options, built from the configuration (src/config.ts).
// Used by `npm start` (src/run.ts), by tests (in-process) and by the benchmarks.
import {
  alertsOptions,
  apiOptions,
  capacityOptions,
  edgeOptions,
  ingestOptions,
  renamedVarWarnings,
  type ResolvedConfig,
} from './config.js';
import type { Logger } from './shared/logger.js';
import { connectNats, ensureQuarantineStream, ensureStream } from './shared/nats.js';
import { registerServiceChecks } from './service-health.js';
import { createPool } from './shared/db.js';
import { migrate } from './shared/migrate.js';
import { createMetrics } from './shared/metrics.js';
import { Health } from './shared/health.js';
import { createApp, addNotFound, listen, closeListen } from './shared/http/server.js';
import { selectTransport } from './shared/http/transport.js';
import { httpAccess, parseOrigins } from './shared/http/access.js';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Runtime, RoleHandle } from './shared/runtime.js';
import { startEdge } from './edge/index.js';
import { startIngest } from './ingest/index.js';
import type { IngestSeamOptions } from './ingest/seams.js';
import type { ReplayCommandOptions } from './ingest/replay-command.js';
import { startApi } from './api/index.js';
import { startAlerts } from './alerts/index.js';
import type { RebuildCommandOptions } from './alerts/rebuild-command.js';
import { startCapacity, type CapacitySeamOptions, type StoreDirs } from './capacity/index.js';

export interface RunningApp {
  readonly port: number;
  readonly rt: Runtime;
  stop(): Promise<void>;
}

/** Test and benchmark seams, injected here by whoever builds the app (never the environment). */
export interface SeamOptions {
  readonly ingest?: IngestSeamOptions;
  readonly capacity?: CapacitySeamOptions;
}

/**
 * `dirs`: the data directories of the private nats-server and PostgreSQL when this process
 * started them (src/localstack), so the capacity check can see their disks.
 */
export async function startApp(
  cfg: ResolvedConfig,
  log: Logger,
  seams: SeamOptions = {},
  dirs: StoreDirs = {},
): Promise<RunningApp> {
  for (const warning of renamedVarWarnings(cfg)) log.warn(warning);
  if (cfg.MIGRATE_ON_START) await migrate(cfg.DATABASE_URL, log);
  const nc = await connectNats(cfg, `tracker-${cfg.ROLES.join('+')}`, log);
  const jsm = await ensureStream(nc, cfg, log);
  await ensureQuarantineBestEffort(jsm, cfg, log);
  const pool = createPool(cfg.DATABASE_URL, cfg.PG_POOL_MAX, log);
  const metrics = createMetrics(cfg.ROLES);
  const health = new Health();
  registerServiceChecks(health, { nc, jsm, pool, streamName: cfg.STREAM_NAME });
  const capacity = startCapacity({ jsm, pool, health, metrics, log }, capacityOptions(cfg, dirs), seams.capacity);
  const access = httpAccess(cfg.API_TOKEN, parseOrigins(cfg.API_CORS_ORIGINS));
  const app = createApp(health, metrics, log, selectTransport(cfg.UWS_USE_FALLBACK), access);
  const rt: Runtime = { log, nc, connectNats: (name) => connectNats(cfg, name, log), pool, app, metrics, health };

  const roles: RoleHandle[] = [];
  const stopAll = async () => {
    capacity.stop();
    // Reverse order: the edge stops accepting first, ingest drains last.
    for (const r of roles.reverse())
      await r.stop().catch((err: Error) => log.error({ err: err.message }, 'role stop failed'));
    // drain() gives up when NATS is unreachable but leaves the client reconnecting
    // forever, which keeps the process alive: close it whatever drain did.
    await Promise.race([nc.drain().catch(() => {}), new Promise((r) => setTimeout(r, 5000).unref())]);
    await nc.close().catch(() => {});
    await pool.end().catch(() => {});
  };
  try {
    await startRoles(cfg, rt, seams, roles);
    addNotFound(app);
    const { socket, port } = await listen(app, cfg.HOST, cfg.PORT);
    return {
      port,
      rt,
      stop: async () => {
        closeListen(socket);
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Each role in `cfg.ROLES`, added to `started` as it comes up (so a failure stops those). */
async function startRoles(cfg: ResolvedConfig, rt: Runtime, seams: SeamOptions, started: RoleHandle[]): Promise<void> {
  if (cfg.ROLES.includes('ingest')) started.push(await startIngest(rt, ingestOptions(cfg), seams.ingest));
  if (cfg.ROLES.includes('api')) started.push(await startApi(rt, apiOptions(cfg)));
  if (cfg.ROLES.includes('edge')) started.push(await startEdge(rt, edgeOptions(cfg)));
  if (cfg.ROLES.includes('alerts')) started.push(await startAlerts(rt, alertsOptions(cfg)));
}

/**
 * Best effort, like the quarantine itself: a server without room for its byte cap
 * (QUARANTINE_MAX_BYTES is reserved in the JetStream store) must not keep the app down.
 */
async function ensureQuarantineBestEffort(jsm: JetStreamManager, cfg: ResolvedConfig, log: Logger): Promise<void> {
  await ensureQuarantineStream(jsm, cfg, log).catch((err: Error) =>
    log.warn(
      { err: err.message },
      'quarantine stream not created: refused events are counted, not kept (docs/operations.md "Quarantine")',
    ),
  );
}

/** What the `replay` command runs with (src/ingest/replay-command.ts). */
export function replayCommandOptions(cfg: ResolvedConfig, log: Logger): ReplayCommandOptions {
  return {
    ingest: ingestOptions(cfg),
    databaseUrl: cfg.DATABASE_URL,
    migrateOnStart: cfg.MIGRATE_ON_START,
    connectNats: (name) => connectNats(cfg, name, log),
  };
}

/** What `replay --alerts` runs with (src/alerts/rebuild-command.ts). */
export function alertsRebuildOptions(cfg: ResolvedConfig, log: Logger): RebuildCommandOptions {
  return {
    alerts: alertsOptions(cfg),
    databaseUrl: cfg.DATABASE_URL,
    migrateOnStart: cfg.MIGRATE_ON_START,
    connectNats: (name) => connectNats(cfg, name, log),
  };
}
