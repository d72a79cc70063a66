// `start`: run the app until SIGINT/SIGTERM, then stop everything it started, in order.
import type { ResolvedConfig } from './config.js';
import type { Logger } from './shared/logger.js';
import type { LocalServices } from './localstack/index.js';
import { startApp, type RunningApp, type SeamOptions } from './app.js';

export async function run(
  cfg: ResolvedConfig,
  log: Logger,
  local: LocalServices | undefined,
  seams: SeamOptions = {},
): Promise<number> {
  let app: RunningApp;
  try {
    app = await startApp(cfg, log, seams, local?.dirs);
  } catch (err) {
    await local?.stop();
    throw err;
  }
  log.info({ roles: cfg.ROLES }, 'telemetry tracker running');
  process.stdout.write(banner(cfg, app.port, local));

  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      log.info({ signal: sig }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  const timer = setTimeout(() => {
    log.error('shutdown timed out; exiting');
    process.exit(1);
  }, cfg.SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  await app.stop();
  await local?.stop();
  clearTimeout(timer);
  log.info('stopped');
  return 0;
}

/** What `npm start` prints once everything listens: where each part is. */
function banner(cfg: ResolvedConfig, port: number, local: LocalServices | undefined): string {
  const host = cfg.HOST.includes(':') ? `[${cfg.HOST}]` : cfg.HOST;
  const base = `${host}:${port}`;
  return `${[
    '',
    `  roles:      ${cfg.ROLES.join(', ')}`,
    cfg.ROLES.includes('api') ? `  web page:   http://${base}/` : '',
    cfg.ROLES.includes('edge') ? `  ingest:     ws://${base}/ws/position` : '',
    cfg.ROLES.includes('edge') ? `  live feed:  ws://${base}/ws/live` : '',
    cfg.ROLES.includes('api')
      ? `  API:        http://${base}/live  (/history /trails /spawns /rares /openapi.json)`
      : '',
    `  health:     http://${base}/health   metrics: http://${base}/metrics`,
    `  NATS:       ${cfg.NATS_URL}${local?.natsUrl ? ' (private)' : ''}`,
    `  PostgreSQL: ${redact(cfg.DATABASE_URL)}${local?.databaseUrl ? ' (private)' : ''}`,
    cfg.ROLES.includes('api') && cfg.API_DATABASE_URL ? `  API reads:  ${redact(cfg.API_DATABASE_URL)}` : '',
    '  Ctrl-C stops everything.',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n')}\n`;
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
