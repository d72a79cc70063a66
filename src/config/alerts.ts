// Environment variables of the alerts role (src/alerts, docs/alerts.md), and the options
// the composition root builds from them: no module of src/alerts/ sees a variable name.
import { int, list, num, optionalInt, str, type ParsedVars, type VarSpecs } from '../shared/env-vars.js';
import type { SharedConfig } from '../shared/config-vars.js';
import { ALL_ALERT_KINDS } from '../shared/alerts.js';
import type { AlertsOptions } from '../alerts/index.js';
import { alertDeliveryOptions, type alertDeliveryVars } from './alert-delivery.js';

const DAY_S = 86400;

export const alertsVars = {
  ALERT_KINDS: list(
    'Alert kinds the alerts role evaluates (docs/alerts.md "Kinds"); leave one out to turn it off.',
    ALL_ALERT_KINDS,
    [...ALL_ALERT_KINDS],
  ),
  ALERT_GRACE_SECONDS: int(
    'Deaths inside this many seconds of the first are one `death` alert; `client` metrics must stay over (or back ' +
      'under) their thresholds this long before the alert fires (or resolves). Event time.',
    60,
    0,
    DAY_S,
  ),
  ALERT_OFFLINE_AFTER_SECONDS: int(
    '`offline` fires when a character sends no telemetry for this long (wall clock).',
    300,
    1,
    30 * DAY_S,
  ),
  ALERT_IDLE_AFTER_SECONDS: int(
    '`idle` fires when a reporting character moved less than ALERT_IDLE_DISTANCE and gained no kill for this long ' +
      '(event time).',
    600,
    1,
    30 * DAY_S,
  ),
  ALERT_IDLE_DISTANCE: num('Map units a character must move to count as moving (`idle`).', 1, 0, 1000),
  ALERT_MEM_MB_ABOVE: optionalInt('`client` fires when `mem_mb` stays above this; unset: not watched.', 0, 1_000_000),
  ALERT_HANDLES_ABOVE: optionalInt(
    '`client` fires when `mem_handles` stays above this; unset: not watched.',
    0,
    100_000_000,
  ),
  ALERT_LATENCY_MS_ABOVE: optionalInt(
    '`client` fires when `latency_ms` stays above this; unset: not watched.',
    0,
    3_600_000,
  ),
  ALERT_IGNORE_CHARACTERS: str(
    'Characters the alerts role ignores entirely, comma-separated names or patterns where `*` is any text ' +
      '(case-insensitive). PUT /alerts/mutes mutes per kind at run time.',
  ),
  ALERT_CONSUMER_NAME: str(
    'Durable JetStream consumer of the alerts role; also names its checkpoint and its leader lock.',
    { default: 'alerts', minLength: 1, maxLength: 64 },
  ),
  ALERT_TICK_MS: int(
    'How often the alerts clock looks for absences (`offline`) and ended death bursts.',
    1000,
    20,
    60000,
  ),
  ALERT_LEADER_RETRY_MS: int(
    'How often a standby alerts process tries to take the leader lock (docs/alerts.md "Several processes").',
    2000,
    20,
    600000,
  ),
} satisfies VarSpecs;

type AlertsConfig = Readonly<ParsedVars<typeof alertsVars>> &
  Readonly<ParsedVars<typeof alertDeliveryVars>> &
  Pick<SharedConfig, 'STREAM_NAME' | 'SUBJECT_PREFIX'>;

const names = (raw: string | undefined) =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The role's options; its webhook sender's come from src/config/alert-delivery.ts. */
export function alertsOptions(cfg: AlertsConfig): AlertsOptions {
  const delivery = alertDeliveryOptions(cfg);
  return {
    subjectPrefix: cfg.SUBJECT_PREFIX,
    consumer: { streamName: cfg.STREAM_NAME, consumerName: cfg.ALERT_CONSUMER_NAME },
    evaluation: {
      kinds: cfg.ALERT_KINDS,
      graceMs: cfg.ALERT_GRACE_SECONDS * 1000,
      offlineAfterMs: cfg.ALERT_OFFLINE_AFTER_SECONDS * 1000,
      idleAfterMs: cfg.ALERT_IDLE_AFTER_SECONDS * 1000,
      idleDistance: cfg.ALERT_IDLE_DISTANCE,
      thresholds: {
        memMb: cfg.ALERT_MEM_MB_ABOVE,
        memHandles: cfg.ALERT_HANDLES_ABOVE,
        latencyMs: cfg.ALERT_LATENCY_MS_ABOVE,
      },
    },
    ignoreCharacters: names(cfg.ALERT_IGNORE_CHARACTERS),
    // ALERT_WEBHOOK_URLS: the evaluator writes one outbox row per URL, the sender delivers them.
    webhookUrls: delivery.webhookUrls,
    delivery,
    tickMs: cfg.ALERT_TICK_MS,
    leaderRetryMs: cfg.ALERT_LEADER_RETRY_MS,
  };
}
