// The sender's statements on the outbox (sql/190_alerts.sql). A claim is one short
// statement (no transaction held across a request): it locks due rows with SKIP LOCKED,
// so several processes never take the same row, counts the attempt and leases the row
// by moving next_attempt_at past the request's end. A process that dies holding a
// lease leaves the row due again when the lease runs out: at least once, same key.
// Each later write is fenced by the attempt number, so a stale holder changes nothing.
import type { Pool } from '../../shared/db.js';
import type { Notification } from './message.js';

interface ClaimedRow {
  id: string;
  alert_id: string;
  state: 'open' | 'resolved';
  webhook_url: string;
  attempts: number;
  created_at: Date;
  character_name: string;
  kind: string;
  started_at: Date;
  resolved_at: Date | null;
  detail: Record<string, unknown>;
}

/**
 * Up to `limit` due notifications for one webhook, oldest first. A `resolved` waits
 * while the `open` of the same alert and webhook is still pending, so a receiver never
 * hears the resolution first.
 */
const CLAIM = `
with due as (
  select n.id from alert_notifications n
  where n.webhook_url = $1 and n.delivered_at is null and n.failed_at is null and n.next_attempt_at <= now()
    and not (n.state = 'resolved' and exists (
      select 1 from alert_notifications o
      where o.alert_id = n.alert_id and o.webhook_url = n.webhook_url and o.state = 'open'
        and o.delivered_at is null and o.failed_at is null))
  order by n.next_attempt_at, n.id
  limit $2
  for update of n skip locked)
update alert_notifications n
set attempts = n.attempts + 1, next_attempt_at = now() + make_interval(secs => $3::double precision / 1000)
from due, alerts a
where n.id = due.id and a.id = n.alert_id
returning n.id::text, n.alert_id, n.state, n.webhook_url, n.attempts, n.created_at,
  a.character_name, a.kind, a.started_at, a.resolved_at, a.detail`;

export async function claimDue(
  pool: Pool,
  webhookUrl: string,
  limit: number,
  leaseMs: number,
): Promise<Notification[]> {
  const { rows } = await pool.query<ClaimedRow>(CLAIM, [webhookUrl, limit, leaseMs]);
  return rows
    .map((r) => ({
      id: r.id,
      alertId: r.alert_id,
      state: r.state,
      webhookUrl: r.webhook_url,
      attempts: r.attempts,
      createdAt: r.created_at,
      character: r.character_name,
      kind: r.kind,
      startedAt: r.started_at,
      resolvedAt: r.resolved_at,
      detail: r.detail,
    }))
    .sort((a, b) => Number(a.id) - Number(b.id));
}

/** The fence: this row, still pending, still at the attempt this process claimed. */
const FENCE = 'id = $1 and attempts = $2 and delivered_at is null and failed_at is null';

/** True when the row was still ours to mark. */
export async function markDelivered(pool: Pool, n: Notification): Promise<boolean> {
  const r = await pool.query(`update alert_notifications set delivered_at = now(), last_error = null where ${FENCE}`, [
    n.id,
    n.attempts,
  ]);
  return r.rowCount === 1;
}

export async function markRetry(pool: Pool, n: Notification, delayMs: number, error: string): Promise<boolean> {
  const r = await pool.query(
    `update alert_notifications set next_attempt_at = now() + make_interval(secs => $3::double precision / 1000),
       last_error = $4 where ${FENCE}`,
    [n.id, n.attempts, delayMs, error],
  );
  return r.rowCount === 1;
}

export async function markFailed(pool: Pool, n: Notification, error: string): Promise<boolean> {
  const r = await pool.query(`update alert_notifications set failed_at = now(), last_error = $3 where ${FENCE}`, [
    n.id,
    n.attempts,
    error,
  ]);
  return r.rowCount === 1;
}

/**
 * A 429 speaks for the whole webhook: every pending notification to it (in any
 * process) waits at least until then. Leased rows keep their later lease.
 */
export async function holdWebhook(pool: Pool, webhookUrl: string, delayMs: number): Promise<void> {
  await pool.query(
    `update alert_notifications set next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
     where webhook_url = $1 and delivered_at is null and failed_at is null
       and next_attempt_at < now() + make_interval(secs => $2::double precision / 1000)`,
    [webhookUrl, delayMs],
  );
}

export interface OutboxStats {
  pending: number;
  oldestPendingS: number | null;
  /** Pending for URLs this process does not deliver to (not in ALERT_WEBHOOK_URLS here). */
  unconfiguredPending: number;
  failed: number;
  failedLastDay: number;
  lastFailedAt: Date | null;
}

export async function outboxStats(pool: Pool, webhookUrls: readonly string[]): Promise<OutboxStats> {
  const [pending, failed] = await Promise.all([
    pool.query(
      `select count(*)::int as pending, extract(epoch from now() - min(created_at))::float8 as oldest,
         count(*) filter (where webhook_url <> all($1::text[]))::int as unconfigured
       from alert_notifications where delivered_at is null and failed_at is null`,
      [webhookUrls],
    ),
    pool.query(
      `select count(*)::int as failed, count(*) filter (where failed_at > now() - interval '1 day')::int as last_day,
         max(failed_at) as last from alert_notifications where failed_at is not null`,
    ),
  ]);
  const p = pending.rows[0];
  const f = failed.rows[0];
  return {
    pending: p.pending,
    oldestPendingS: p.oldest === null ? null : Math.round(p.oldest),
    unconfiguredPending: p.unconfigured,
    failed: f.failed,
    failedLastDay: f.last_day,
    lastFailedAt: f.last,
  };
}
