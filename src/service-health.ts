// The /health checks of the services every role shares: NATS, PostgreSQL and the
// stream. Each role registers its own check beside these (docs/operations.md).
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Pool } from './shared/db.js';
import type { Health } from './shared/health.js';
import { watchConnection } from './shared/nats.js';

export function registerServiceChecks(
  health: Health,
  services: { nc: NatsConnection; jsm: JetStreamManager; pool: Pool; streamName: string },
): void {
  const { nc, jsm, pool, streamName } = services;
  const link = watchConnection(nc);
  health.register('nats', async () => {
    const ok = link.connected && !nc.isClosed();
    const reason = ok
      ? undefined
      : `disconnected from NATS since ${new Date(link.disconnectedSince ?? Date.now()).toISOString()}; reconnecting`;
    return { ok, reason, detail: { server: ok ? nc.getServer() : null, reconnects: link.reconnects } };
  });
  health.register('database', async () => {
    await pool.query('select 1');
    return { ok: true };
  });
  health.register('stream', async () => {
    const { state } = await jsm.streams.info(streamName);
    return {
      ok: true,
      detail: {
        name: streamName,
        messages: state.messages,
        bytes: state.bytes,
        first_seq: state.first_seq,
        last_seq: state.last_seq,
        last_ts: state.last_ts,
      },
    };
  });
}
