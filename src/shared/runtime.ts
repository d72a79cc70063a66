// What `main` hands each role: configuration, logger, connections, the shared HTTP
// app, metrics and health. A role returns a handle whose stop() drains its work.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Pool } from './db.js';
import type { TemplatedApp } from './http/uws.js';
import type { Registry } from './metrics.js';
import type { Health } from './health.js';

export interface Runtime {
  readonly cfg: Config;
  readonly log: Logger;
  readonly nc: NatsConnection;
  readonly pool: Pool;
  readonly app: TemplatedApp;
  readonly metrics: Registry;
  readonly health: Health;
}

export interface RoleHandle {
  /** Stop taking new work, finish or hand back what is in flight, release resources. */
  stop(): Promise<void>;
}
