// Prometheus metrics of the alerts role (docs/alerts.md "Health and metrics"), and the
// state its /health check shows.
import { Counter, Gauge, type Registry } from 'prom-client';
import { ALL_ALERT_KINDS, type AlertKind } from '../shared/alerts.js';
import type { AlertChange } from './types.js';

export interface AlertsMetrics {
  open: Gauge<'kind'>;
  raised: Counter<'kind'>;
  lag: Gauge;
  leader: Gauge;
  characters: Gauge;
  samples: Counter;
  failures: Counter;
}

export function createAlertsMetrics(registry: Registry): AlertsMetrics {
  const registers = [registry];
  const m: AlertsMetrics = {
    open: new Gauge({
      name: 'tracker_alerts_open',
      help: 'Open alerts by kind, as the leader holds them (0 on a standby)',
      labelNames: ['kind'],
      registers,
    }),
    raised: new Counter({
      name: 'tracker_alerts_raised_total',
      help: 'Alerts raised by kind (muted ones not counted)',
      labelNames: ['kind'],
      registers,
    }),
    lag: new Gauge({
      name: 'tracker_alerts_evaluation_lag_seconds',
      help: 'Wall clock minus the received_at of the newest evaluated message (0 when caught up)',
      registers,
    }),
    leader: new Gauge({ name: 'tracker_alerts_leader', help: '1 while this process evaluates alerts', registers }),
    characters: new Gauge({ name: 'tracker_alerts_characters', help: 'Characters tracked by the leader', registers }),
    samples: new Counter({ name: 'tracker_alerts_samples_total', help: 'Telemetry samples evaluated', registers }),
    failures: new Counter({
      name: 'tracker_alerts_session_failures_total',
      help: 'Leader sessions ended by an error (NATS or PostgreSQL); the process then retries',
      registers,
    }),
  };
  for (const kind of ALL_ALERT_KINDS) {
    m.open.set({ kind }, 0);
    m.raised.inc({ kind }, 0);
  }
  return m;
}

/** Counts committed changes; `open` is kept per kind as alerts open and resolve. */
export function countChanges(m: AlertsMetrics, changes: readonly AlertChange[]): void {
  for (const { op, alert } of changes) {
    if (op === 'open') m.raised.inc({ kind: alert.kind });
    if (op === 'open' && alert.resolvedAt === null) m.open.inc({ kind: alert.kind });
    if (op === 'resolve') m.open.dec({ kind: alert.kind });
  }
}

export function setOpenCounts(m: AlertsMetrics, counts: Readonly<Record<AlertKind, number>>): void {
  for (const kind of ALL_ALERT_KINDS) m.open.set({ kind }, counts[kind]);
}

/** What /health `alerts` shows (docs/alerts.md "Health and metrics"). */
export class AlertsStatus {
  role: 'starting' | 'standby' | 'leader' = 'starting';
  streamSeq = 0;
  characters = 0;
  caughtUp = false;
  lagSeconds = 0;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
  lastStepAt: number | undefined;

  detail(): Record<string, unknown> {
    return {
      role: this.role,
      stream_seq: this.streamSeq,
      characters: this.characters,
      caught_up: this.caughtUp,
      lag_seconds: this.lagSeconds,
      ...(this.lastError
        ? { last_error: this.lastError, last_error_at: new Date(this.lastErrorAt!).toISOString() }
        : {}),
    };
  }
}
