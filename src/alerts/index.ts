// The alerts role (docs/alerts.md): evaluates the stream into alerts. Every process
// running it competes for one leader lock (./leader.ts); the leader runs sessions
// (./session.ts) until it stops or a session fails, then competes again.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Runtime, RoleHandle } from '../shared/runtime.js';
import type { EvaluationOptions } from './evaluate.js';
import type { AlertConsumerOptions } from './consumer.js';
import { Competition } from './compete.js';
import { AlertsStatus, createAlertsMetrics } from './metrics.js';
import { startAlertSender, type AlertSenderOptions } from './delivery/index.js';

/** Everything the alerts role is configured with, built by the composition root (src/config/alerts.ts). */
export interface AlertsOptions {
  readonly subjectPrefix: string;
  readonly consumer: AlertConsumerOptions;
  readonly evaluation: EvaluationOptions;
  /** Names or `*` patterns never tracked (ALERT_IGNORE_CHARACTERS). */
  readonly ignoreCharacters: readonly string[];
  /** One outbox row per URL per alert state change (ALERT_WEBHOOK_URLS). */
  readonly webhookUrls: readonly string[];
  /** The webhook sender this process runs beside evaluation (docs/alerts.md "Webhooks"); none when absent. */
  readonly delivery?: AlertSenderOptions;
  readonly tickMs: number;
  readonly leaderRetryMs: number;
}

/** /health `alerts` fails while sessions keep failing for this long. */
const UNHEALTHY_AFTER_MS = 60_000;

export async function startAlerts(rt: Runtime, opts: AlertsOptions): Promise<RoleHandle> {
  const log = rt.log.child({ role: 'alerts' });
  const jsm = await jetstreamManager(rt.nc);
  const js = jetstream(rt.nc);
  const metrics = createAlertsMetrics(rt.metrics);
  const status = new AlertsStatus();
  const competition = new Competition({ rt, js, jsm, log, metrics, status }, opts);
  const done = competition.run();
  // Every alerts process sends (claims keep two from sending one row); a slow webhook never holds evaluation.
  const senderDeps = { pool: rt.pool, log: log.child({ part: 'delivery' }), metrics: rt.metrics, health: rt.health };
  const sender = opts.delivery ? startAlertSender(senderDeps, opts.delivery) : undefined;
  rt.health.register('alerts', async () => {
    const failing = status.lastErrorAt !== undefined && (status.lastStepAt ?? 0) < status.lastErrorAt;
    const ok = !(failing && Date.now() - status.lastErrorAt! > UNHEALTHY_AFTER_MS);
    return { ok, detail: status.detail() };
  });
  log.info({ consumer: opts.consumer.consumerName, kinds: opts.evaluation.kinds }, 'alerts role started');
  return {
    stop: async () => {
      competition.stop();
      await done;
      await sender?.stop();
      log.info('alerts role stopped');
    },
  };
}
