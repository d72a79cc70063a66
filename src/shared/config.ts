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
  if (cfg.INGEST_MAX_ACK_PENDING < cfg.INGEST_BATCH_MAX_EVENTS) {
    throw new ConfigError('INGEST_MAX_ACK_PENDING', `INGEST_MAX_ACK_PENDING must be at least INGEST_BATCH_MAX_EVENTS (${cfg.INGEST_BATCH_MAX_EVENTS}), got ${cfg.INGEST_MAX_ACK_PENDING}`);
  }
  return Object.freeze(cfg);
}
