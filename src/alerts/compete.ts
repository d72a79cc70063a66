// What every alerts process does (docs/alerts.md "Several processes"): try the leader
// lock; without it, wait ALERT_LEADER_RETRY_MS and try again; with it, run leader
// sessions until stopped, a failed session releasing the lock before the next try.
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Runtime } from '../shared/runtime.js';
import type { Logger } from '../shared/logger.js';
import { errorMessage } from '../shared/errors.js';
import { retryDelayMs, type RetryPolicy } from '../shared/retry.js';
import { tryLeadership, type Leadership } from './leader.js';
import { LeaderSession } from './session.js';
import type { AlertsMetrics, AlertsStatus } from './metrics.js';
import type { AlertsOptions } from './index.js';

/** Between failed sessions: a database or NATS outage is not hammered. */
const SESSION_RETRY: RetryPolicy = { minMs: 200, maxMs: 10_000, jitter: true };

export interface CompeteDeps {
  readonly rt: Runtime;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly log: Logger;
  readonly metrics: AlertsMetrics;
  readonly status: AlertsStatus;
}

export class Competition {
  private stopping = false;
  private session: LeaderSession | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly d: CompeteDeps,
    private readonly o: AlertsOptions,
  ) {}

  async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const lead = await tryLeadership(this.d.rt.pool, this.o.consumer.consumerName).catch((err: unknown) => {
        this.d.log.warn({ err: errorMessage(err) }, 'alerts: leader lock not tried (database unreachable?)');
        return undefined;
      });
      if (!lead) {
        this.d.status.role = 'standby';
        await this.sleep(this.o.leaderRetryMs);
        continue;
      }
      failures = (await this.lead(lead)) ? 0 : failures + 1;
      if (!this.stopping && failures > 0) await this.sleep(retryDelayMs(SESSION_RETRY, failures));
    }
  }

  /** Stops the session in progress (after its step) and the loop. */
  stop(): void {
    this.stopping = true;
    this.session?.stop();
    this.wake?.();
  }

  /** One session with the lock held; false when it failed. */
  private async lead(lead: Leadership): Promise<boolean> {
    const { metrics, status, log } = this.d;
    try {
      status.role = 'leader';
      metrics.leader.set(1);
      this.session = new LeaderSession({ ...this.d, nc: this.d.rt.nc, lead }, this.o);
      if (!this.stopping) await this.session.run();
      return true;
    } catch (err) {
      metrics.failures.inc();
      status.lastError = errorMessage(err);
      status.lastErrorAt = Date.now();
      log.warn({ err: errorMessage(err) }, 'alerts session failed; starting over from the checkpoint');
      return false;
    } finally {
      this.session = undefined;
      metrics.leader.set(0);
      status.role = 'standby';
      await lead.release();
    }
  }

  /** A sleep that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
