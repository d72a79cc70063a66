// The `ingest` health check: the consumer is reachable, its lag, the last batch and
// error; unhealthy when batch writes have been failing for INGEST_UNHEALTHY_AFTER_SECONDS.
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Check } from '../shared/health.js';
import type { IngestState } from './state.js';

export function ingestCheck(jsm: JetStreamManager, stream: string, consumer: string, state: IngestState, unhealthyAfterS: number): Check {
  return async () => {
    const info = await jsm.consumers.info(stream, consumer);
    const failingForS = state.failingSince === undefined ? 0 : (Date.now() - state.failingSince) / 1000;
    const ok = failingForS <= unhealthyAfterS;
    return {
      ok,
      reason: ok ? undefined : `batch writes failing for ${Math.round(failingForS)} s: ${state.lastError?.message ?? ''}`,
      detail: {
        consumer,
        lag: info.num_pending + info.num_ack_pending,
        pending: info.num_pending,
        ack_pending: info.num_ack_pending,
        last_batch: state.lastBatch ?? null,
        last_error: state.lastError ?? null,
        failing_for_s: Math.round(failingForS),
      },
    };
  };
}
