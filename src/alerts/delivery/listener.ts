// LISTEN tracker_alert_outbox (sql/190_alerts.sql) on a dedicated connection, so the
// sender wakes the moment notifications commit. When the connection drops it reconnects
// with backoff and wakes the sender once (it may have missed notifications); the
// sender's poll covers the gap meanwhile.
import pg from 'pg';
import type { Pool } from '../../shared/db.js';
import type { Logger } from '../../shared/logger.js';
import { retryDelayMs, type RetryPolicy } from '../../shared/retry.js';

export const OUTBOX_CHANNEL = 'tracker_alert_outbox';
const RECONNECT: RetryPolicy = { minMs: 250, maxMs: 30_000, jitter: true };

export interface OutboxListener {
  readonly listening: () => boolean;
  stop(): Promise<void>;
}

export function listenOutbox(pool: Pool, log: Logger, wake: () => void): OutboxListener {
  let client: pg.Client | undefined;
  let listening = false;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const dropped = (c: pg.Client, err?: Error) => {
    if (client !== c) return;
    client = undefined;
    listening = false;
    c.end().catch(() => {});
    if (stopped) return;
    log.warn({ err: err?.message }, 'alert outbox listener lost its connection; reconnecting');
    timer = setTimeout(connect, retryDelayMs(RECONNECT, ++failures));
  };
  const connect = () => {
    if (stopped) return;
    // The pool's settings (URL, timeouts) for a connection outside the pool: held for
    // the process's lifetime, it must not take a slot the roles' queries need.
    const c = new pg.Client({ ...pool.options, application_name: 'telemetry-tracker-alert-listen' });
    client = c;
    c.on('error', (err) => dropped(c, err));
    c.on('end', () => dropped(c));
    c.on('notification', () => wake());
    c.connect()
      .then(() => c.query(`listen ${OUTBOX_CHANNEL}`))
      .then(() => {
        if (client !== c) return;
        listening = true;
        failures = 0;
        wake();
      })
      .catch((err: Error) => dropped(c, err));
  };
  connect();
  return {
    listening: () => listening,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      listening = false;
      await c?.end().catch(() => {});
    },
  };
}
