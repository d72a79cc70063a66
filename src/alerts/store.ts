// The alerts role's tables (sql/190_alerts.sql, docs/alerts.md "Checkpoint"): one
// transaction per evaluation step writes the alerts raised and resolved, one outbox row
// per webhook and state change, the state of the characters it touched, and the stream
// sequence it covers. JSON parameters keep it one statement per table whatever the size.
import type pg from 'pg';
import type { AlertChange, CharacterState } from './types.js';
import type { Mute } from './mutes.js';
import type { AlertKind } from '../shared/alerts.js';

export interface Checkpoint {
  /** The last stream sequence whose effects are committed; 0 before the first. */
  readonly seq: number;
  readonly states: Map<string, CharacterState>;
}

export async function loadCheckpoint(db: pg.ClientBase, consumerName: string): Promise<Checkpoint> {
  const seq = await db.query<{ stream_seq: string }>(
    'select stream_seq from alert_checkpoint where consumer_name = $1',
    [consumerName],
  );
  const states = await db.query<{ character_name: string; state: CharacterState }>(
    'select character_name, state from alert_character_state where consumer_name = $1',
    [consumerName],
  );
  return {
    seq: Number(seq.rows[0]?.stream_seq ?? 0),
    states: new Map(states.rows.map((r) => [r.character_name, r.state])),
  };
}

export async function loadMutes(db: pg.ClientBase): Promise<Mute[]> {
  const { rows } = await db.query<{ character_pattern: string; kinds: AlertKind[] }>(
    'select character_pattern, kinds from alert_mutes order by position',
  );
  return rows.map((r) => ({ character: r.character_pattern, kinds: r.kinds }));
}

/** What one step commits. */
export interface StepWrite {
  readonly consumerName: string;
  readonly seq: number;
  readonly changes: readonly AlertChange[];
  readonly states: ReadonlyMap<string, CharacterState>;
  readonly webhookUrls: readonly string[];
  /** The rebuild: rows marked `rebuilt`, notifications stored as delivered (never sent). */
  readonly rebuilt: boolean;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const INSERT_ALERTS = `insert into alerts (id, character_name, kind, started_at, resolved_at, detail, rebuilt)
  select id, character_name, kind, started_at, resolved_at, detail, $2
  from jsonb_to_recordset($1::jsonb)
    as r(id text, character_name text, kind text, started_at timestamptz, resolved_at timestamptz, detail jsonb)
  on conflict (id) do nothing`;
const RESOLVE_ALERTS = `update alerts a set resolved_at = r.resolved_at
  from jsonb_to_recordset($1::jsonb) as r(id text, resolved_at timestamptz)
  where a.id = r.id and a.resolved_at is null`;
// A death is born resolved: one notification (`open`) tells it.
const INSERT_NOTIFICATIONS = `insert into alert_notifications (alert_id, state, webhook_url, delivered_at)
  select r.alert_id, r.state, u.url, case when $3 then now() end
  from jsonb_to_recordset($1::jsonb) as r(alert_id text, state text) cross join unnest($2::text[]) as u(url)
  on conflict (alert_id, state, webhook_url) do nothing`;
const UPSERT_STATES = `insert into alert_character_state (consumer_name, character_name, state)
  select $1, key, value from jsonb_each($2::jsonb)
  on conflict (consumer_name, character_name) do update set state = excluded.state`;
const UPSERT_CHECKPOINT = `insert into alert_checkpoint (consumer_name, stream_seq) values ($1, $2)
  on conflict (consumer_name) do update
    set stream_seq = greatest(alert_checkpoint.stream_seq, excluded.stream_seq), updated_at = now()`;

/** The writes of one step; the caller holds the transaction. */
export async function writeStep(db: pg.ClientBase, w: StepWrite): Promise<void> {
  const opens = w.changes.filter((c) => c.op === 'open').map((c) => c.alert);
  const resolves = w.changes.filter((c) => c.op === 'resolve').map((c) => c.alert);
  if (opens.length > 0) {
    const rows = opens.map((a) => ({
      id: a.id,
      character_name: a.character,
      kind: a.kind,
      started_at: iso(a.startedAt),
      resolved_at: iso(a.resolvedAt),
      detail: a.detail,
    }));
    await db.query(INSERT_ALERTS, [JSON.stringify(rows), w.rebuilt]);
  }
  if (resolves.length > 0) {
    const rows = resolves.map((a) => ({ id: a.id, resolved_at: iso(a.resolvedAt) }));
    await db.query(RESOLVE_ALERTS, [JSON.stringify(rows)]);
  }
  if (w.changes.length > 0 && w.webhookUrls.length > 0) {
    const rows = w.changes.map((c) => ({ alert_id: c.alert.id, state: c.op === 'open' ? 'open' : 'resolved' }));
    await db.query(INSERT_NOTIFICATIONS, [JSON.stringify(rows), [...w.webhookUrls], w.rebuilt]);
  }
  if (w.states.size > 0) await db.query(UPSERT_STATES, [w.consumerName, JSON.stringify(Object.fromEntries(w.states))]);
  await db.query(UPSERT_CHECKPOINT, [w.consumerName, w.seq]);
}

/** Runs `fn` in a transaction on `db`. */
export async function inTransaction<T>(db: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await db.query('begin');
  try {
    const out = await fn();
    await db.query('commit');
    return out;
  } catch (err) {
    await db.query('rollback').catch(() => {});
    throw err;
  }
}
