// `npm start` without NATS_URL / DATABASE_URL: run private services under DATA_DIR
// on LOCAL_NATS_PORT / LOCAL_PG_PORT, with data kept across restarts. `nats: false`
// starts no nats-server (`main migrate` needs only PostgreSQL).
import { join, resolve } from 'node:path';
import type { SharedConfig } from '../shared/config-vars.js';
import type { Logger } from '../shared/logger.js';
import { startNats } from './nats.js';
import { startPostgres } from './postgres.js';
import type { ServiceProcess } from './process.js';
import { stackSigningKey } from './signing-key.js';

export interface LocalServices {
  natsUrl?: string;
  databaseUrl?: string;
  /** The stack's TRACKER_SIGNING_KEY, kept in DATA_DIR, when the private nats-server runs here. */
  signingKey?: string;
  /** The data directories of what was started here (the capacity check reads their free space). */
  dirs: { nats?: string; postgres?: string };
  stop(): Promise<void>;
}

export async function startLocalServices(
  cfg: Pick<
    SharedConfig,
    'DATA_DIR' | 'NATS_URL' | 'DATABASE_URL' | 'LOCAL_NATS_PORT' | 'LOCAL_PG_PORT' | 'NATS_SYNC_INTERVAL'
  >,
  log: Logger,
  want: { nats?: boolean } = {},
): Promise<LocalServices> {
  const dataDir = resolve(cfg.DATA_DIR);
  const started: ServiceProcess[] = [];
  const out: LocalServices = {
    dirs: {},
    stop: async () => {
      await Promise.all(started.map((s) => s.stop()));
    },
  };
  try {
    if (!cfg.NATS_URL && want.nats !== false) {
      const nats = await startNats({
        dir: join(dataDir, 'nats'),
        port: cfg.LOCAL_NATS_PORT,
        syncInterval: cfg.NATS_SYNC_INTERVAL,
      });
      started.push(nats);
      out.natsUrl = nats.url;
      out.dirs.nats = join(dataDir, 'nats');
      out.signingKey = await stackSigningKey(dataDir);
      log.info(
        { url: nats.url, dir: join(dataDir, 'nats'), log: nats.logFile, sync_interval: cfg.NATS_SYNC_INTERVAL },
        'private nats-server started',
      );
    }
    if (!cfg.DATABASE_URL) {
      const pg = await startPostgres({ dir: join(dataDir, 'pg'), port: cfg.LOCAL_PG_PORT });
      started.push(pg);
      out.databaseUrl = pg.url;
      out.dirs.postgres = pg.dataDir;
      log.info({ port: pg.port, dir: pg.dataDir, log: pg.logFile }, 'private PostgreSQL + TimescaleDB started');
    }
  } catch (err) {
    await out.stop();
    throw err;
  }
  return out;
}
