// Alerts for the dashboard tests: rows written into `alerts` (sql/190_alerts.sql) the
// way the alerts role stores them, relative to the pipeline's `now`, and what the
// telemetry dashboard's "Open alerts" table and "Alerts" annotations must show of them
// for a time range and a character selection (computed here, never read back).
import type pg from 'pg';
import { CHARACTERS } from './pipeline-data.js';
import type { AnnotationRun, QueryRun } from './panel-queries.js';

export interface AlertRow {
  id: string;
  character_name: string;
  kind: 'death' | 'offline' | 'idle' | 'client';
  started_at: number;
  resolved_at: number | null;
  detail: Record<string, unknown>;
}

const MIN = 60_000,
  HOUR = 3_600_000,
  DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

export function alertRows(now: number): AlertRow[] {
  const [alice, zoe, bob] = CHARACTERS;
  return [
    {
      id: 'g-a-1',
      character_name: zoe,
      kind: 'offline',
      started_at: now - 2 * HOUR,
      resolved_at: null,
      detail: { last_seen: iso(now - 2 * HOUR - 5 * MIN) },
    },
    {
      id: 'g-a-2',
      character_name: bob,
      kind: 'death',
      started_at: now - 3 * HOUR,
      resolved_at: now - 3 * HOUR,
      detail: { count: 2, deaths: 5 },
    },
    {
      id: 'g-a-3',
      character_name: alice,
      kind: 'idle',
      started_at: now - 10 * DAY,
      resolved_at: now - 10 * DAY + 20 * MIN,
      detail: { distance: 0.2, since: iso(now - 10 * DAY - 10 * MIN) },
    },
    {
      id: 'g-a-4',
      character_name: bob,
      kind: 'client',
      started_at: now - 5 * MIN,
      resolved_at: null,
      detail: { metric: 'latency_ms', value: 900, threshold: 500 },
    },
    {
      id: 'g-a-5',
      character_name: alice,
      kind: 'death',
      started_at: now - DAY,
      resolved_at: now - DAY,
      detail: { count: 1, deaths: 1 },
    },
    {
      id: 'g-a-6',
      character_name: alice,
      kind: 'client',
      started_at: now - 30 * MIN,
      resolved_at: null,
      detail: { metric: 'mem_mb', value: 2100, threshold: 2000 },
    },
  ];
}

export async function insertAlerts(pool: pg.Pool, rows: AlertRow[]): Promise<void> {
  for (const a of rows)
    await pool.query(
      'insert into alerts (id, character_name, kind, started_at, resolved_at, detail) values ($1, $2, $3, $4, $5, $6)',
      [a.id, a.character_name, a.kind, iso(a.started_at), a.resolved_at === null ? null : iso(a.resolved_at), a.detail],
    );
}

type Tap = { equal: (...a: any[]) => boolean; ok: (...a: any[]) => boolean; same: (...a: any[]) => boolean };
const ms = (v: unknown) => new Date(v as string | Date).getTime();

/** The "Open alerts" panel and the "Alerts" annotations hold exactly the rows expected for the range and selection. */
export function checkAlerts(
  t: Tap,
  rows: AlertRow[],
  runs: QueryRun[],
  annotations: AnnotationRun[],
  from: Date,
  to: Date,
  characters?: string[] | '$__all',
) {
  const wanted = rows.filter((a) => !Array.isArray(characters) || characters.includes(a.character_name));
  const open = wanted
    .filter((a) => a.started_at <= to.getTime() && (a.resolved_at === null || a.resolved_at > to.getTime()))
    .sort((a, b) => b.started_at - a.started_at);
  const shown = runs.find((r) => r.panel.title === 'Open alerts')!.result.rows;
  t.same(
    shown.map((r) => [r.character_name, r.kind, ms(r.started_at), JSON.parse(String(r.detail))]),
    open.map((a) => [a.character_name, a.kind, a.started_at, a.detail]),
    `Open alerts: ${open.length} open at the range end, newest first`,
  );
  t.ok(
    shown.every((r, i) => Math.abs(Number(r.open_for) - (to.getTime() - open[i].started_at) / 1000) < 1),
    'Open alerts: open_for is the time from the start to the range end, in seconds',
  );
  const overlapping = wanted
    .filter((a) => a.started_at <= to.getTime() && (a.resolved_at === null || a.resolved_at >= from.getTime()))
    .sort((a, b) => a.started_at - b.started_at);
  const [anno] = annotations;
  t.equal(anno.annotation.name, 'Alerts');
  const got = anno.result.rows;
  t.same(
    got.map((r) => [ms(r.time), String(r.tags)]),
    overlapping.map((a) => [a.started_at, `${a.kind},${a.character_name.replaceAll(',', ' ')}`]),
    `Alerts annotations: ${overlapping.length} overlap the range, tagged kind,character`,
  );
  t.ok(
    got.every((r, i) => {
      const a = overlapping[i];
      const end = ms(r.timeend);
      const text = String(r.text);
      return (
        (a.resolved_at === null ? end >= to.getTime() - MIN : end === a.resolved_at) &&
        text.startsWith(`${a.kind} alert: ${a.character_name}`) &&
        text.includes('(open)') === (a.resolved_at === null)
      );
    }),
    'Alerts annotations: a region to the resolution (open ones to now), text naming kind and character',
  );
}
