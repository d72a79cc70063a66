// The `ingest` health check: the consumer is reachable, its lag, the last batch and
// error; unhealthy when batch writes have been failing for INGEST_UNHEALTHY_AFTER_SECONDS,
// or when messages have waited that long with no batch settled.
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Check } from '../shared/health.js';
import type { IngestState } from './state.js';

export function ingestCheck(
  jsm: JetStreamManager,
  stream: string,
  consumer: string,
  state: IngestState,
  unhealthyAfterS: number,
): Check {
  return async () => {
    const info = await jsm.consumers.info(stream, consumer);
    const lag = info.num_pending + info.num_ack_pending;
    state.observeLag(info.num_pending, info.num_ack_pending);
    const failingForS = state.failingSince === undefined ? 0 : (Date.now() - state.failingSince) / 1000;
    // Also catches what no write error shows: a consumer that keeps failing or receives
    // nothing while the stream holds messages for it.
    const stalledS = state.stalledForMs(lag) / 1000;
    const stuck = failingForS > unhealthyAfterS || stalledS > unhealthyAfterS;
    const reason = !stuck
      ? undefined
      : state.failingSince !== undefined
        ? `batch writes failing for ${Math.round(failingForS)} s: ${state.lastError?.message ?? ''}`
        : `no batch settled for ${Math.round(stalledS)} s while ${lag} messages wait${state.lastError ? ` (last error: ${state.lastError.message})` : ''}`;
    return {
      ok: reason === undefined,
      reason,
      detail: {
        consumer,
        lag: info.num_pending + info.num_ack_pending,
        pending: info.num_pending,
        ack_pending: info.num_ack_pending,
        last_batch: state.lastBatch ?? null,
        last_error: state.lastError ?? null,
        failing_for_s: Math.round(failingForS),
        stalled_for_s: Math.round(stalledS),
      },
    };
  };
}
