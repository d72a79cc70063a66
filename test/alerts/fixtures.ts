// Fixtures of the alerts role's tests (docs/alerts.md): real nats-server and PostgreSQL
// from the harness, alerts processes started in this process on their own NATS and
// PostgreSQL connections (as separate processes would be), telemetry published exactly
// as the edge publishes it, with the event time and the arrival time the test chooses.
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { alertsOptions, type ResolvedConfig } from '../../src/config.js';
import { startAlerts, type AlertsOptions } from '../../src/alerts/index.js';
import { connectNats, ensureStream } from '../../src/shared/nats.js';
import { createPool } from '../../src/shared/db.js';
import { migrate } from '../../src/shared/migrate.js';
import { createMetrics } from '../../src/shared/metrics.js';
import { Health } from '../../src/shared/health.js';
import { createLogger } from '../../src/shared/logger.js';
import { createApp } from '../../src/shared/http/server.js';
import { encodeEnvelope, eventKey, messageId } from '../../src/shared/envelope.js';
import { subjectFor } from '../../src/shared/subjects.js';
import type { RoleHandle, Runtime } from '../../src/shared/runtime.js';
import { testConfig } from '../helpers/stack.js';

/** Small periods so every kind fires within seconds (event-time kinds need no waiting at all). */
export const QUICK: Record<string, string> = {
  ALERT_GRACE_SECONDS: '10',
  ALERT_OFFLINE_AFTER_SECONDS: '3600',
  ALERT_IDLE_AFTER_SECONDS: '60',
  ALERT_TICK_MS: '100',
  ALERT_LEADER_RETRY_MS: '100',
};

export async function alertsConfig(overrides: Record<string, string> = {}): Promise<ResolvedConfig> {
  const cfg = await testConfig({ ROLES: 'alerts', ...QUICK, ...overrides });
  await migrate(cfg.DATABASE_URL);
  return cfg;
}

export interface AlertsProcess {
  readonly role: RoleHandle;
  readonly health: Health;
  stop(): Promise<void>;
}

/** One alerts process: its own NATS connection and pool; `webhookUrls` get outbox rows, no sender runs. */
export async function startAlertsProcess(
  cfg: ResolvedConfig,
  more: Partial<AlertsOptions> = {},
): Promise<AlertsProcess> {
  const log = createLogger(cfg.LOG_LEVEL);
  const nc = await connectNats(cfg, 'test-alerts');
  await ensureStream(nc, cfg);
  const pool = createPool(cfg.DATABASE_URL, 4);
  const metrics = createMetrics(['alerts']);
  const health = new Health();
  const app = createApp(health, metrics, log);
  const rt: Runtime = { log, nc, connectNats: (n) => connectNats(cfg, n), pool, app, metrics, health };
  const role = await startAlerts(rt, { ...alertsOptions(cfg), delivery: undefined, ...more });
  return {
    role,
    health,
    stop: async () => {
      await role.stop();
      await nc.close();
      await pool.end();
    },
  };
}

export interface Publisher {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  /** One telemetry event as one message; returns its stream sequence. */
  telemetry(name: string, tsMs: number, fields?: Record<string, unknown>, receivedAtMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function publisher(cfg: ResolvedConfig): Promise<Publisher> {
  const nc = await connectNats(cfg, 'test-publisher');
  await ensureStream(nc, cfg);
  const js = jetstream(nc);
  return {
    nc,
    js,
    telemetry: async (name, tsMs, fields = {}, receivedAtMs = Date.now()) => {
      const ev = {
        type: 'telemetry',
        character_name: name,
        timestamp: new Date(tsMs).toISOString(),
        ew: 10,
        ns: -20,
        z: 0,
        ...fields,
      };
      const ids = [eventKey(ev)];
      const env = {
        v: 1 as const,
        type: 'telemetry' as const,
        received_at: new Date(receivedAtMs).toISOString(),
        ids,
        events: [ev],
      };
      const ack = await js.publish(subjectFor(cfg.SUBJECT_PREFIX, 'telemetry', name), encodeEnvelope(env), {
        msgID: messageId(ids),
      });
      return ack.seq;
    },
    close: () => nc.close(),
  };
}

export interface AlertRow {
  id: string;
  character_name: string;
  kind: string;
  started_at: string;
  resolved_at: string | null;
  detail: Record<string, any>;
  rebuilt: boolean;
}

export async function alertRows(cfg: ResolvedConfig, where = 'true', params: unknown[] = []): Promise<AlertRow[]> {
  const c = new pg.Client({ connectionString: cfg.DATABASE_URL });
  await c.connect();
  try {
    const { rows } = await c.query(
      `select id, character_name, kind, started_at, resolved_at, detail, rebuilt from alerts where ${where}
       order by started_at, kind, character_name`,
      params,
    );
    return rows.map((r) => ({
      ...r,
      started_at: r.started_at.toISOString(),
      resolved_at: r.resolved_at ? r.resolved_at.toISOString() : null,
    }));
  } finally {
    await c.end();
  }
}

export async function sql<R = any>(cfg: ResolvedConfig, text: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: cfg.DATABASE_URL });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as R[];
  } finally {
    await c.end();
  }
}

/** The checkpointed stream sequence (0 before the first commit). */
export async function checkpointSeq(cfg: ResolvedConfig): Promise<number> {
  const rows = await sql<{ stream_seq: string }>(cfg, 'select stream_seq from alert_checkpoint');
  return Number(rows[0]?.stream_seq ?? 0);
}

export const iso = (ms: number) => new Date(ms).toISOString();
