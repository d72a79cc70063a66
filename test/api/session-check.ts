// The model answers (./session-model.ts) over what the database holds now, and how
// floats are compared: sums of floating-point steps (distance, kph) differ in their last
// bits with the order of the additions.
import type { Db } from './fixtures.js';
import { modelSessions, type ModelSession, type RawSample } from './session-model.js';

const close = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/**
 * `actual` with each number that is within 1e-9 (relative) of the same field of
 * `expected` replaced by that value, so a deep comparison shows only real differences.
 */
export function aligned<T extends object>(actual: T[], expected: object[]): T[] {
  return actual.map((s, i) => {
    const e = (expected[i] ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, close(v, e[k]) ? e[k] : v])) as T;
  });
}

/** The model's sessions of `character` (all when undefined) over the stored raw rows, with `live`. */
export type ModelAnswer = ReturnType<typeof withLive>;

export async function sessionsOfModel(db: Db, character?: string): Promise<ModelAnswer[]> {
  const filter = character === undefined ? '' : 'where character_name = $1';
  const params = character === undefined ? [] : [character];
  const { rows } = await db.query(
    `select character_name, (extract(epoch from ts) * 1000)::float8 as ts, event_key::text, session_id,
            kills::float8, deaths::float8, kills_per_hour, ew, ns from telemetry ${filter}`,
    params,
  );
  const { rows: rares } = await db.query(
    `select character_name, (extract(epoch from ts) * 1000)::float8 as ts from rare_events ${filter}`,
    params,
  );
  const {
    rows: [{ gap }],
  } = await db.query('select extract(epoch from gap)::float8 * 1000 as gap from tracker_session_state');
  const samples = rows as RawSample[];
  const newest = new Map<string, RawSample>();
  for (const s of samples) {
    const n = newest.get(s.character_name);
    if (!n || s.ts > n.ts || (s.ts === n.ts && s.event_key > n.event_key)) newest.set(s.character_name, s);
  }
  const now = Date.now();
  return modelSessions(samples, rares, gap).map((m) => withLive(m, newest.get(m.character_name)!, now, gap));
}

function withLive(m: ModelSession, newest: RawSample, now: number, gapMs: number): ModelSession & { live: boolean } {
  const inSession =
    (m.inferred ? newest.session_id === null : newest.session_id === m.session_id) &&
    newest.ts >= Date.parse(m.start) &&
    newest.ts <= Date.parse(m.end);
  const { character_name, session_id, inferred, start, end, duration_s, ...rest } = m;
  return {
    character_name,
    session_id,
    inferred,
    start,
    end,
    duration_s,
    live: inSession && now - newest.ts < gapMs,
    ...rest,
  };
}
