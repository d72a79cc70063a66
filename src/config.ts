// The composition root's configuration: every variable (shared plus each role's, the
// latter declared in src/config/<role>.ts), parsed from the environment into one frozen
// object and checked for contradictions. Each role is given camelCase options built
// from it (`edgeOptions`, …): no module below a role's entry sees a variable name.
// See README "Configuration" and docs/contributing.md "Layout".
import { randomBytes } from 'node:crypto';
import { parseEnv, type ParsedVars, type VarSpecs } from './shared/env-vars.js';
import { sharedVars } from './shared/config-vars.js';
import { ConfigError } from './shared/errors.js';
import { edgeVars, edgeRenamedVars, pluginSecrets } from './config/edge.js';
import { ingestVars } from './config/ingest.js';
import { apiVars } from './config/api.js';
import { capacityVars } from './config/capacity.js';
import { alertDeliveryVars, checkAlertDeliveryConfig } from './config/alert-delivery.js';
import { alertsVars } from './config/alerts.js';

export { edgeOptions } from './config/edge.js';
export { ingestOptions } from './config/ingest.js';
export { apiOptions, queryLimitOptions } from './config/api.js';
export { capacityOptions } from './config/capacity.js';
export { alertDeliveryOptions } from './config/alert-delivery.js';
export { alertsOptions } from './config/alerts.js';

export const allVars = {
  ...sharedVars,
  ...edgeVars,
  ...ingestVars,
  ...apiVars,
  ...capacityVars,
  ...alertDeliveryVars,
  ...alertsVars,
} satisfies VarSpecs;

export type Config = Readonly<ParsedVars<typeof allVars>>;

/** A Config whose services are known: the configured URLs, or the private ones `main` started. */
export type ResolvedConfig = Config & { readonly NATS_URL: string; readonly DATABASE_URL: string };

export function resolveServices(
  cfg: Config,
  local: { natsUrl?: string; databaseUrl?: string; signingKey?: string },
): ResolvedConfig {
  const NATS_URL = cfg.NATS_URL ?? local.natsUrl;
  const DATABASE_URL = cfg.DATABASE_URL ?? local.databaseUrl;
  if (!NATS_URL || !DATABASE_URL) throw new Error('resolveServices: NATS_URL and DATABASE_URL must be known');
  const TRACKER_SIGNING_KEY = cfg.TRACKER_SIGNING_KEY ?? local.signingKey ?? ownSigningKey(cfg.ROLES);
  return Object.freeze({ ...cfg, NATS_URL, DATABASE_URL, TRACKER_SIGNING_KEY });
}

/**
 * Without TRACKER_SIGNING_KEY and a private stack: a process that runs both the edge and
 * ingest signs for itself with a key of its own; other processes sign nothing, so their
 * ingest checks every event in full (docs/security.md "Signed messages").
 */
function ownSigningKey(roles: readonly string[]): string | undefined {
  return roles.includes('edge') && roles.includes('ingest') ? randomBytes(32).toString('hex') : undefined;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

const commaList = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim());

/** The environment with each renamed variable's old value under its new name, when only the old one is set. */
function withRenamedVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [old, now] of Object.entries(edgeRenamedVars)) {
    if (out[old] !== undefined && out[old] !== '' && (out[now] === undefined || out[now] === '')) out[now] = out[old];
  }
  return out;
}

/** One log line per renamed variable still set (src/app.ts logs them at start). */
export function renamedVarWarnings(cfg: Config): string[] {
  return Object.entries(edgeRenamedVars)
    .filter(([old]) => cfg[old as keyof Config] !== undefined)
    .map(
      ([old, now]) =>
        `${old} is deprecated: the close rule counts seconds now, not frames in a row; ${now} is ` +
        `${String(cfg[now as keyof Config])} (docs/protocol.md "Rate limits")`,
    );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // The old variable is parsed too (its own range, its own name in an error).
  const cfg = parseEnv(allVars, withRenamedVars(env));
  // Contradictions between variables are rejected here, naming the variable.
  if (pluginSecrets(cfg).length === 0 && !LOOPBACK.test(cfg.HOST)) {
    throw new ConfigError(
      'PLUGIN_SECRET',
      `PLUGIN_SECRET must be set when HOST (${cfg.HOST}) is not a loopback address`,
    );
  }
  for (const origin of commaList(cfg.API_CORS_ORIGINS).filter(Boolean)) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      throw new ConfigError(
        'API_CORS_ORIGINS',
        `API_CORS_ORIGINS entries must be scheme://host[:port] without a path, got "${origin}"`,
      );
  }
  const short = commaList(cfg.PLUGIN_SECRETS).findIndex((s) => s.length > 0 && s.length < 8);
  if (short >= 0)
    throw new ConfigError('PLUGIN_SECRETS', `PLUGIN_SECRETS entry ${short + 1} is shorter than 8 characters`);
  if (
    cfg.EDGE_RATE_LIMIT_EVENTS_PER_SECOND > 0 &&
    cfg.EDGE_RATE_LIMIT_EVENTS_PER_SECOND < cfg.EDGE_MAX_EVENTS_PER_FRAME
  ) {
    throw new ConfigError(
      'EDGE_RATE_LIMIT_EVENTS_PER_SECOND',
      `EDGE_RATE_LIMIT_EVENTS_PER_SECOND must be 0 or at least EDGE_MAX_EVENTS_PER_FRAME (${cfg.EDGE_MAX_EVENTS_PER_FRAME}), ` +
        `got ${cfg.EDGE_RATE_LIMIT_EVENTS_PER_SECOND}: a full frame could never pass`,
    );
  }
  // max_ack_pending is shared by every ingest process; below one process's pull the
  // server silently stops delivering (docs/dependencies.md "NATS JetStream").
  if (cfg.INGEST_MAX_ACK_PENDING < cfg.INGEST_PULL_MAX_MESSAGES) {
    throw new ConfigError(
      'INGEST_MAX_ACK_PENDING',
      `INGEST_MAX_ACK_PENDING must be at least INGEST_PULL_MAX_MESSAGES (${cfg.INGEST_PULL_MAX_MESSAGES}), got ` +
        `${cfg.INGEST_MAX_ACK_PENDING}`,
    );
  }
  // JetStream refuses a stream whose duplicate window outlasts its max_age (docs/operations.md "Limits").
  if (cfg.STREAM_MAX_AGE_SECONDS > 0 && cfg.STREAM_DUPLICATE_WINDOW_SECONDS > cfg.STREAM_MAX_AGE_SECONDS) {
    throw new ConfigError(
      'STREAM_DUPLICATE_WINDOW_SECONDS',
      `STREAM_DUPLICATE_WINDOW_SECONDS must be at most STREAM_MAX_AGE_SECONDS (${cfg.STREAM_MAX_AGE_SECONDS}), got ` +
        `${cfg.STREAM_DUPLICATE_WINDOW_SECONDS}`,
    );
  }
  checkAlertDeliveryConfig(cfg);
  return Object.freeze(cfg);
}
