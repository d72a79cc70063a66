// PLACEHOLDER (foundation): `replay` is built in the ingest issue.
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';

export async function runReplay(_cfg: Config, log: Logger, _args: string[]): Promise<number> {
  log.error('replay not implemented yet');
  return 1;
}
