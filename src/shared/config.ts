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

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cfg = parseEnv(allVars, env);
  // Contradictions between variables are rejected here, naming the variable.
  if (!cfg.PLUGIN_SECRET && !LOOPBACK.test(cfg.HOST)) {
    throw new ConfigError('PLUGIN_SECRET', `PLUGIN_SECRET must be set when HOST (${cfg.HOST}) is not a loopback address`);
  }
  // max_ack_pending is shared by every ingest process; below one process's pull the
  // server silently stops delivering (NOTES "NATS JetStream").
  if (cfg.INGEST_MAX_ACK_PENDING < cfg.INGEST_PULL_MAX_MESSAGES) {
    throw new ConfigError('INGEST_MAX_ACK_PENDING', `INGEST_MAX_ACK_PENDING must be at least INGEST_PULL_MAX_MESSAGES (${cfg.INGEST_PULL_MAX_MESSAGES}), got ${cfg.INGEST_MAX_ACK_PENDING}`);
  }
  return Object.freeze(cfg);
}
