// Only the webhook sender, as a real process the crash test can SIGKILL between the
// commit of an outbox row and its delivery (test/alerts/delivery-crash.e2e.test.ts).
//   DATABASE_URL=… ALERT_WEBHOOK_URLS=… node --import tsx test/alerts/sender-main.ts
// The database must be migrated. SIGTERM stops it cleanly (exit 0).
import { Registry } from 'prom-client';
import { alertDeliveryOptions, loadConfig } from '../../src/config.js';
import { startAlertSender } from '../../src/alerts/delivery/index.js';
import { createPool } from '../../src/shared/db.js';
import { Health } from '../../src/shared/health.js';
import { createLogger } from '../../src/shared/logger.js';

export const READY = 'ALERT_SENDER_READY';

function main(): void {
  const cfg = loadConfig(process.env);
  if (!cfg.DATABASE_URL) throw new Error('sender-main: DATABASE_URL must be set');
  const log = createLogger(cfg.LOG_LEVEL);
  const pool = createPool(cfg.DATABASE_URL, 4, log);
  const sender = startAlertSender(
    { pool, log, metrics: new Registry(), health: new Health() },
    alertDeliveryOptions(cfg),
  );
  process.stderr.write(`${READY} ${process.pid}\n`);
  process.once('SIGTERM', () => {
    sender
      .stop()
      .then(() => pool.end())
      .then(
        () => process.exit(0),
        (err: Error) => {
          process.stderr.write(`sender-main: stop failed: ${err.message}\n`);
          process.exit(1);
        },
      );
  });
}

if (process.argv[1]?.endsWith('sender-main.ts')) main();
