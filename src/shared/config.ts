// The one typed configuration of a process: shared variables plus every role's,
// parsed from the environment into a frozen object. See README "Configuration".
import { parseEnv, type ParsedVars, type VarSpecs } from './env-vars.js';
import { sharedVars } from './config-vars.js';
import { edgeVars } from '../edge/config.js';
import { ingestVars } from '../ingest/config.js';
import { apiVars } from '../api/config.js';
import { ConfigError } from './errors.js';

export const allVars = { ...sharedVars, ...edgeVars, ...ingestVars, ...apiVars } satisfies VarSpecs;

export type Config = Readonly<ParsedVars<typeof allVars>>;

/** Every accepted plugin secret: PLUGIN_SECRET plus PLUGIN_SECRETS (docs/security.md). */
export function pluginSecrets(cfg: Pick<Config, 'PLUGIN_SECRET' | 'PLUGIN_SECRETS'>): string[] {
  const more = (cfg.PLUGIN_SECRETS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...new Set([...(cfg.PLUGIN_SECRET ? [cfg.PLUGIN_SECRET] : []), ...more])];
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cfg = parseEnv(allVars, env);
  // Contradictions between variables are rejected here, naming the variable.
  const secrets = pluginSecrets(cfg);
  if (secrets.length === 0 && !LOOPBACK.test(cfg.HOST)) {
    throw new ConfigError(
      'PLUGIN_SECRET',
      `PLUGIN_SECRET must be set when HOST (${cfg.HOST}) is not a loopback address`,
    );
  }
  for (const origin of (cfg.API_CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      throw new ConfigError(
        'API_CORS_ORIGINS',
        `API_CORS_ORIGINS entries must be scheme://host[:port] without a path, got "${origin}"`,
      );
  }
  const short = (cfg.PLUGIN_SECRETS ?? '')
    .split(',')
    .map((s) => s.trim())
    .findIndex((s) => s.length > 0 && s.length < 8);
  if (short >= 0)
    throw new ConfigError('PLUGIN_SECRETS', `PLUGIN_SECRETS entry ${short + 1} is shorter than 8 characters`);
  if (
    cfg.EDGE_RATE_LIMIT_EVENTS_PER_SECOND > 0 &&
    cfg.EDGE_RATE_LIMIT_EVENTS_PER_SECOND < cfg.EDGE_MAX_EVENTS_PER_FRAME
  ) {
    throw new ConfigError(
      'EDGE_RATE_LIMIT_EVENTS_PER_SECOND',
      `EDGE_RATE_LIMIT_EVENTS_PER_SECOND must be 0 or at least EDGE_MAX_EVENTS_PER_FRAME (${cfg.EDGE_MAX_EVENTS_PER_FRAME}), got ${cfg.EDGE_RATE_LIMIT_EVENTS_PER_SECOND}: a full frame could never pass`,
    );
  }
  // max_ack_pending is shared by every ingest process; below one process's pull the
  // server silently stops delivering (docs/dependencies.md "NATS JetStream").
  if (cfg.INGEST_MAX_ACK_PENDING < cfg.INGEST_PULL_MAX_MESSAGES) {
    throw new ConfigError(
      'INGEST_MAX_ACK_PENDING',
      `INGEST_MAX_ACK_PENDING must be at least INGEST_PULL_MAX_MESSAGES (${cfg.INGEST_PULL_MAX_MESSAGES}), got ${cfg.INGEST_MAX_ACK_PENDING}`,
    );
  }
  return Object.freeze(cfg);
}
