// What the composition root (src/app.ts) hands every role: logger, connections, the
// shared HTTP app, metrics and health. Each role's configuration is passed beside it,
// cut to what that role reads (src/config.ts). A role returns a handle whose stop()
// drains its work.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from './logger.js';
import type { Pool } from './db.js';
import type { TemplatedApp } from './http/uws.js';
import type { Registry } from './metrics.js';
import type { Health } from './health.js';

export interface Runtime {
  readonly log: Logger;
  readonly nc: NatsConnection;
  /** Another connection to the same NATS, for work that must not share `nc` (the live feed). */
  readonly connectNats: (name: string) => Promise<NatsConnection>;
  readonly pool: Pool;
  readonly app: TemplatedApp;
  readonly metrics: Registry;
  readonly health: Health;
}

export interface RoleHandle {
  /** Stop taking new work, finish or hand back what is in flight, release resources. */
  stop(): Promise<void>;
}
