// Fixtures of the webhook sender's tests: a real node:http receiver on loopback that
// records every request and answers as the test says, and SQL that writes alerts and
// outbox rows the way the alerts role does (one transaction).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { loadConfig, alertDeliveryOptions } from '../../src/config.js';
import { createPool, type Pool } from '../../src/shared/db.js';
import { migrate } from '../../src/shared/migrate.js';
import { Health } from '../../src/shared/health.js';
import { createLogger } from '../../src/shared/logger.js';
import { startAlertSender, type AlertSenderOptions } from '../../src/alerts/delivery/index.js';
import { freshDatabase } from '../helpers/stack.js';

export interface Received {
  path: string;
  key: string | undefined;
  body: any;
  at: number;
}

/** What the receiver answers a request: a status (and headers), or 'hold' (never answers). */
export type Answer = { status: number; headers?: Record<string, string> } | 'hold';

export interface Receiver {
  base: string;
  received: Received[];
  /** Requests to `path` so far. */
  at(path: string): Received[];
  close(): Promise<void>;
}

/** `answer(path, n)`: n is how many requests to that path came before this one. */
export async function startReceiver(
  answer: (path: string, n: number) => Answer = () => ({ status: 204 }),
): Promise<Receiver> {
  const received: Received[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = received.filter((r) => r.path === path).length;
      const key = req.headers['idempotency-key'];
      received.push({
        path,
        key: typeof key === 'string' ? key : undefined,
        body: JSON.parse(Buffer.concat(chunks).toString()),
        at: Date.now(),
      });
      const a = answer(path, n);
      if (a === 'hold') return void held.push(res);
      res.writeHead(a.status, a.headers).end(a.status >= 400 ? 'no' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    at: (path) => received.filter((r) => r.path === path),
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export async function outboxDb(): Promise<{ url: string; pool: Pool }> {
  const url = await freshDatabase();
  await migrate(url);
  return { url, pool: createPool(url, 6) };
}

export interface AlertRow {
  id: string;
  character?: string;
  kind?: 'death' | 'offline' | 'idle' | 'client';
  startedAt?: string;
  resolvedAt?: string;
  detail?: Record<string, unknown>;
}

/** An alert and its notifications to `urls` for `state`, in one transaction (as the alerts role writes them). */
export async function raise(
  pool: Pool,
  a: AlertRow,
  urls: string[],
  state: 'open' | 'resolved' = 'open',
): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('begin');
    await c.query(
      `insert into alerts (id, character_name, kind, started_at, resolved_at, detail) values ($1, $2, $3, $4, $5, $6)
       on conflict (id) do update set resolved_at = excluded.resolved_at`,
      [
        a.id,
        a.character ?? 'Alice',
        a.kind ?? 'death',
        a.startedAt ?? '2026-12-04T10:00:00Z',
        a.resolvedAt ?? null,
        a.detail ?? {},
      ],
    );
    for (const url of urls)
      await c.query('insert into alert_notifications (alert_id, state, webhook_url) values ($1, $2, $3)', [
        a.id,
        state,
        url,
      ]);
    await c.query('commit');
  } finally {
    c.release();
  }
}

export const testLog = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** The sender's options from the variables, as the composition root builds them, with `seams` on top. */
export function senderOptions(
  vars: Record<string, string>,
  seams: Partial<AlertSenderOptions> = {},
): AlertSenderOptions {
  return { ...alertDeliveryOptions(loadConfig(vars)), ...seams };
}

/** A sender on `pool` with its own registry and health (several may run in one test). */
export function startSender(pool: Pool, opts: AlertSenderOptions) {
  const metrics = new Registry();
  const health = new Health();
  const sender = startAlertSender({ pool, log: testLog, metrics, health }, opts);
  return { sender, metrics, health };
}

export async function notificationRows(pool: Pool) {
  const { rows } = await pool.query(
    `select id::int, alert_id, state, webhook_url, attempts, delivered_at, failed_at, last_error, next_attempt_at
     from alert_notifications order by id`,
  );
  return rows;
}

export async function counterValue(
  metrics: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const m = await metrics.getSingleMetric(name)?.get();
  return (m?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((s, v) => s + v.value, 0);
}
