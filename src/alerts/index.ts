// The alerts role (docs/alerts.md): evaluates the stream into alerts. Every process
// running it competes for one leader lock (./leader.ts); the leader runs sessions
// (./session.ts) until it stops or a session fails, then competes again.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Runtime, RoleHandle } from '../shared/runtime.js';
import { errorMessage } from '../shared/errors.js';
import { retryDelayMs, type RetryPolicy } from '../shared/retry.js';
import type { EvaluationOptions } from './evaluate.js';
import type { AlertConsumerOptions } from './consumer.js';
import { tryLeadership } from './leader.js';
import { LeaderSession } from './session.js';
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

/** Between failed sessions: a database or NATS outage is not hammered. */
const SESSION_RETRY: RetryPolicy = { minMs: 200, maxMs: 10_000, jitter: true };
/** /health `alerts` fails while sessions keep failing for this long. */
const UNHEALTHY_AFTER_MS = 60_000;

export async function startAlerts(rt: Runtime, opts: AlertsOptions): Promise<RoleHandle> {
  const log = rt.log.child({ role: 'alerts' });
  const jsm = await jetstreamManager(rt.nc);
  const js = jetstream(rt.nc);
  const metrics = createAlertsMetrics(rt.metrics);
  const status = new AlertsStatus();
  let stopping = false;
  let session: LeaderSession | undefined;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const compete = async () => {
    let failures = 0;
    while (!stopping) {
      const lead = await tryLeadership(rt.pool, opts.consumer.consumerName).catch((err: unknown) => {
        log.warn({ err: errorMessage(err) }, 'alerts: leader lock not tried (database unreachable?)');
        return undefined;
      });
      if (!lead) {
        status.role = 'standby';
        await sleep(opts.leaderRetryMs);
        continue;
      }
      try {
        status.role = 'leader';
        metrics.leader.set(1);
        session = new LeaderSession({ nc: rt.nc, js, jsm, lead, log, metrics, status }, opts);
        if (!stopping) await session.run();
        failures = 0;
      } catch (err) {
        failures++;
        metrics.failures.inc();
        status.lastError = errorMessage(err);
        status.lastErrorAt = Date.now();
        log.warn({ err: errorMessage(err) }, 'alerts session failed; starting over from the checkpoint');
      } finally {
        session = undefined;
        metrics.leader.set(0);
        status.role = 'standby';
        await lead.release();
      }
      if (!stopping && failures > 0) await sleep(retryDelayMs(SESSION_RETRY, failures));
    }
  };
  const done = compete();
  // Every alerts process sends (claims keep two from sending one row); a slow webhook never holds evaluation.
  const sender = opts.delivery
    ? startAlertSender(
        { pool: rt.pool, log: log.child({ part: 'delivery' }), metrics: rt.metrics, health: rt.health },
        opts.delivery,
      )
    : undefined;

  rt.health.register('alerts', async () => {
    const failing = status.lastErrorAt !== undefined && (status.lastStepAt ?? 0) < status.lastErrorAt;
    const ok = !(failing && Date.now() - status.lastErrorAt! > UNHEALTHY_AFTER_MS);
    return { ok, detail: status.detail() };
  });
  log.info({ consumer: opts.consumer.consumerName, kinds: opts.evaluation.kinds }, 'alerts role started');
  return {
    stop: async () => {
      stopping = true;
      session?.stop();
      wake?.();
      await done;
      await sender?.stop();
      log.info('alerts role stopped');
    },
  };
}
