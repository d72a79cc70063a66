// Reads of the alerts table and the mute set (docs/api.md "Alerts"), written by the
// alerts role (src/alerts) and by PUT /alerts/mutes (src/api/alert-routes.ts).
import type { Queryable } from '../db.js';
import type { AlertT, MuteT } from '../schemas/alerts.js';
import type { AlertKind } from '../../shared/alerts.js';
import { limited, type Limited } from './rows.js';

export interface AlertFilter {
  readonly state?: 'open' | 'resolved' | 'all';
  readonly character?: string;
  readonly kind?: AlertKind;
  /** Alerts still open at, or resolved at or after, this time. */
  readonly from?: Date;
  /** Alerts started before this time. */
  readonly to?: Date;
}

// Open first, then newest first; the id breaks ties so pages are stable.
const ALERTS_SQL = `select id, character_name, kind,
    case when resolved_at is null then 'open' else 'resolved' end as state,
    started_at, resolved_at, detail
  from alerts
  where ($1::text = 'all' or ($1 = 'open') = (resolved_at is null))
    and ($2::text is null or character_name = $2)
    and ($3::text is null or kind = $3)
    and ($4::timestamptz is null or resolved_at is null or resolved_at >= $4)
    and ($5::timestamptz is null or started_at < $5)
  order by (resolved_at is null) desc, started_at desc, id
  limit $6`;

interface AlertRow {
  id: string;
  character_name: string;
  kind: AlertKind;
  state: 'open' | 'resolved';
  started_at: Date;
  resolved_at: Date | null;
  detail: Record<string, unknown>;
}

export async function readAlerts(db: Queryable, f: AlertFilter, limit: number): Promise<Limited<AlertT>> {
  const { rows } = await db.query<AlertRow>(ALERTS_SQL, [
    f.state ?? 'all',
    f.character ?? null,
    f.kind ?? null,
    f.from ?? null,
    f.to ?? null,
    limit + 1,
  ]);
  return limited(
    rows.map((r) => ({
      ...r,
      started_at: r.started_at.toISOString(),
      resolved_at: r.resolved_at ? r.resolved_at.toISOString() : null,
    })),
    limit,
  );
}

export async function readMutes(db: Queryable): Promise<MuteT[]> {
  const { rows } = await db.query<{ character_pattern: string; kinds: AlertKind[] }>(
    'select character_pattern, kinds from alert_mutes order by position',
  );
  return rows.map((r) => ({ character: r.character_pattern, kinds: r.kinds }));
}
