// Sessions computed from raw rows in plain TypeScript (issue 24's definition, written
// independently of sql/180_sessions.sql): the model the session tests compare the API with.
export interface RawSample {
  character_name: string;
  ts: number; // epoch milliseconds
  event_key: string;
  session_id: string | null;
  kills: number | null;
  deaths: number | null;
  kills_per_hour: number | null;
  ew: number;
  ns: number;
}

export interface ModelSession {
  character_name: string;
  session_id: string;
  inferred: boolean;
  start: string;
  end: string;
  duration_s: number;
  samples: number;
  kills_gained: number;
  deaths_gained: number;
  kph_avg: number | null;
  kph_max: number | null;
  rares_found: number;
  distance: number;
}

const byTime = (a: RawSample, b: RawSample) =>
  a.ts - b.ts || (a.event_key < b.event_key ? -1 : a.event_key > b.event_key ? 1 : 0);

/** Sum of counter increases over consecutive non-null values; a drop adds nothing (a new segment). */
function gained(values: (number | null)[]): number {
  let prev: number | null = null;
  let sum = 0;
  for (const v of values) {
    if (v === null) continue;
    if (prev !== null && v > prev) sum += v - prev;
    prev = v;
  }
  return sum;
}

function summarize(name: string, id: string, inferred: boolean, rows: RawSample[], rareTimes: number[]): ModelSession {
  const start = rows[0].ts;
  const end = rows[rows.length - 1].ts;
  const duration_s = (end - start) / 1000;
  const kph = rows.map((r) => r.kills_per_hour).filter((v): v is number => v !== null);
  const kills_gained = gained(rows.map((r) => r.kills));
  const rate = duration_s > 0 ? (kills_gained * 3600) / duration_s : null;
  let distance = 0;
  for (let i = 1; i < rows.length; i++)
    distance += Math.hypot(rows[i].ew - rows[i - 1].ew, rows[i].ns - rows[i - 1].ns);
  return {
    character_name: name,
    session_id: id,
    inferred,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    duration_s,
    samples: rows.length,
    kills_gained,
    deaths_gained: gained(rows.map((r) => r.deaths)),
    kph_avg: kph.length > 0 ? kph.reduce((a, b) => a + b, 0) / kph.length : rate,
    kph_max: kph.length > 0 ? Math.max(...kph) : rate,
    rares_found: rareTimes.filter((t) => t >= start && t <= end).length,
    distance,
  };
}

/** Every session of every character, newest start first, then by name and id (as the API orders them). */
export function modelSessions(samples: RawSample[], rares: { character_name: string; ts: number }[], gapMs: number) {
  const out: ModelSession[] = [];
  const names = [...new Set(samples.map((s) => s.character_name))];
  for (const name of names) {
    const mine = samples.filter((s) => s.character_name === name).sort(byTime);
    const rareTimes = rares.filter((r) => r.character_name === name).map((r) => r.ts);
    const keyed = new Map<string, RawSample[]>();
    const inferred: RawSample[][] = [];
    for (const s of mine) {
      if (s.session_id !== null) {
        const list = keyed.get(s.session_id) ?? [];
        list.push(s);
        keyed.set(s.session_id, list);
        continue;
      }
      const last = inferred[inferred.length - 1];
      if (last && s.ts - last[last.length - 1].ts <= gapMs) last.push(s);
      else inferred.push([s]);
    }
    for (const [id, rows] of keyed) out.push(summarize(name, id, false, rows, rareTimes));
    for (const rows of inferred)
      out.push(summarize(name, `inferred:${new Date(rows[0].ts).toISOString()}`, true, rows, rareTimes));
  }
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return out.sort(
    (a, b) => -cmp(a.start, b.start) || cmp(a.character_name, b.character_name) || cmp(a.session_id, b.session_id),
  );
}
