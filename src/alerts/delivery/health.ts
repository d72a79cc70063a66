// The `alert_delivery` check on /health: what waits and what failed. Failed
// notifications never make it unhealthy (they are counted and shown; the alerts keep
// being evaluated and other webhooks served); a failure in the last day is a warning.
import type { Pool } from '../../shared/db.js';
import type { Check } from '../../shared/health.js';
import { outboxStats } from './outbox.js';

export function deliveryCheck(
  pool: Pool,
  webhookUrls: readonly string[],
  state: { listening: () => boolean; inFlight: () => number },
): Check {
  return async () => {
    const s = await outboxStats(pool, webhookUrls);
    return {
      ok: true,
      warning:
        s.failedLastDay > 0
          ? `${s.failedLastDay} webhook notification(s) failed in the last day (alert_notifications.last_error says why)`
          : undefined,
      detail: {
        webhooks: webhookUrls.length,
        listening: state.listening(),
        in_flight: state.inFlight(),
        pending: s.pending,
        oldest_pending_age_s: s.oldestPendingS,
        unconfigured_pending: s.unconfiguredPending,
        failed: s.failed,
        failed_last_day: s.failedLastDay,
        last_failed_at: s.lastFailedAt?.toISOString() ?? null,
      },
    };
  };
}
