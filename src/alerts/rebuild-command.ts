// `replay --alerts` (src/main.ts, docs/alerts.md "Rebuild"): exit 0 rebuilt, 1 failure
// (an alerts process running, no stream).
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../shared/logger.js';
import { createPool } from '../shared/db.js';
import { migrate } from '../shared/migrate.js';
import { ReplayError } from '../shared/errors.js';
import { rebuildAlerts } from './rebuild.js';
import type { AlertsOptions } from './index.js';

/** What the rebuild runs with: the role's options plus where NATS and PostgreSQL are (built by src/app.ts). */
export interface RebuildCommandOptions {
  readonly alerts: AlertsOptions;
  readonly databaseUrl: string;
  readonly migrateOnStart: boolean;
  readonly connectNats: (name: string) => Promise<NatsConnection>;
}

export async function runAlertsRebuild(cmd: RebuildCommandOptions, log: Logger): Promise<number> {
  if (cmd.migrateOnStart) await migrate(cmd.databaseUrl, log);
  const nc = await cmd.connectNats('tracker-alerts-rebuild');
  const pool = createPool(cmd.databaseUrl, 2, log, 'telemetry-tracker-alerts-rebuild');
  const t0 = Date.now();
  try {
    const r = await rebuildAlerts(cmd.alerts, nc, pool, log);
    process.stdout.write(`${JSON.stringify({ alerts_rebuild: { ...r, seconds: (Date.now() - t0) / 1000 } })}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ReplayError) {
      process.stderr.write(`replay --alerts: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await nc.drain().catch(() => {});
    await pool.end().catch(() => {});
  }
}
