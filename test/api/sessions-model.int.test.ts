// Model test of the sessions (issue 24): randomized streams (seeded; the seed is printed,
// SESSION_MODEL_SEED=<n> repeats a run) written through ingest's apply path by two
// competing writers, shuffled (late events), partly redelivered, while a third client
// refreshes the sessions with a horizon moving through the data. At checkpoints the
// API's reads must equal the TypeScript model (./session-model.ts) over the raw rows:
// with the horizon 30 minutes back, after the last refresh, after tracker_reset_rollups() (what
// `replay --truncate` calls: every session then comes from the raw rows) and after the
// refresh that rebuilds them. One case = one character's stream.
import t from 'tap';
import pg from 'pg';
import { migrate } from '../../src/shared/migrate.js';
import { applyBatch, type ApplyOptions } from '../../src/ingest/apply.js';
import { refreshSessions } from '../../src/api/sessions-refresh.js';
import { readSessions, readCharacterStats } from '../../src/api/reads/sessions.js';
import { decodedMessage, type Ev } from '../ingest/fixtures.js';
import type { DecodedMessage } from '../../src/ingest/decode.js';
import { freshDatabase } from '../helpers/stack.js';
import { prng } from './fixtures.js';
import { sessionsOfModel, aligned } from './session-check.js';

const ROUNDS = 6;
const CASES_PER_ROUND = 60;
const SEED = Number(process.env.SESSION_MODEL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const GAP_S = 600;
const ALL = { from: new Date('2000-01-01T00:00:00Z'), to: new Date('2100-01-01T00:00:00Z') };

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

/** Seconds to the next sample: mostly short, sometimes exactly the gap, over it, or 0 (a tie). */
function step(rand: Rand): number {
  const r = rand();
  if (r < 0.05) return 0;
  if (r < 0.1) return GAP_S;
  if (r < 0.18) return GAP_S + 1 + Math.floor(rand() * 2400);
  return 1 + Math.floor(rand() * 240);
}

/** A counter that mostly climbs, sometimes drops (a client restart) or is missing. */
function counter(rand: Rand, prev: number): [number | null, number] {
  const r = rand();
  const next = r < 0.06 ? Math.floor(rand() * 5) : prev + Math.floor(rand() * 4);
  return [r > 0.9 ? null : next, next];
}

/** One character's stream: telemetry ending in the future (so the newest is live) and some rares. */
function stream(rand: Rand, name: string, nowMs: number): Ev[] {
  const n = 5 + Math.floor(rand() * 50);
  const gaps = Array.from({ length: n }, () => step(rand));
  // The newest sample alone at its time: which of two tied newest samples player_latest keeps is unspecified.
  gaps[n - 1] = Math.max(1, gaps[n - 1]);
  let ts = nowMs + 60_000 + Math.floor(rand() * 600_000) - gaps.reduce((a, b) => a + b, 0) * 1000;
  const withKph = rand() < 0.5;
  let [kills, deaths, ew, ns] = [Math.floor(rand() * 50), Math.floor(rand() * 5), 0, 0];
  let session: string | null = pick(rand, [null, 'x', 'y']);
  const out: Ev[] = [];
  for (let i = 0; i < n; i++) {
    ts += gaps[i] * 1000;
    if (rand() < 0.12) session = pick(rand, [null, null, 'x', 'y', `z${i}`]);
    const [k, kNext] = counter(rand, kills);
    const [d, dNext] = counter(rand, deaths);
    [kills, deaths] = [kNext, dNext];
    ew += Math.round((rand() - 0.5) * 8) / 4;
    ns += Math.round((rand() - 0.5) * 8) / 4;
    const kph = withKph && rand() < 0.8 ? Math.round(rand() * 400) / 4 : null;
    const ev: Ev = { type: 'telemetry', character_name: name, timestamp: new Date(ts).toISOString(), ew, ns, z: 0 };
    // A missing value is an absent field (the schema has no nulls).
    const fields = { kills: k, deaths: d, kills_per_hour: kph, session_id: session, event_id: `e${i}` };
    for (const [key, v] of Object.entries(fields)) if (v !== null) ev[key] = v;
    out.push(ev);
    if (rand() < 0.1)
      out.push({
        type: 'rare',
        character_name: name,
        timestamp: new Date(ts).toISOString(),
        name: `R${i}`,
        ew,
        ns,
        z: 0,
      });
  }
  return out;
}

/** Each stream cut into messages of 1–8 events of one type, all shuffled, some twice (redelivery). */
function messages(rand: Rand, streams: Ev[][]): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  for (const events of streams)
    for (const type of ['telemetry', 'rare'] as const) {
      const mine = events.filter((e) => e.type === type);
      for (let i = 0; i < mine.length; ) {
        const size = 1 + Math.floor(rand() * 8);
        const m = decodedMessage(type, mine[0].character_name, mine.slice(i, i + size));
        out.push(m);
        if (rand() < 0.15) out.push(m);
        i += size;
      }
    }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const MODES: ApplyOptions['mode'][] = ['copy-direct', 'copy-staging', 'insert'];

/** Two writers share the messages (competing consumers) while a third client refreshes. */
async function writeConcurrently(rand: Rand, url: string, all: DecodedMessage[], nowMs: number, spanS: number) {
  const clients = await Promise.all(
    [0, 1, 2].map(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const batches: { msgs: DecodedMessage[]; mode: ApplyOptions['mode'] }[] = [];
  for (let i = 0; i < all.length; ) {
    const size = 1 + Math.floor(rand() * 10);
    batches.push({ msgs: all.slice(i, i + size), mode: pick(rand, MODES) });
    i += size;
  }
  let next = 0;
  const writer = async (c: pg.Client) => {
    while (next < batches.length) {
      const b = batches[next++];
      // Two writers merging the same redelivered rows can deadlock; the batch then goes
      // back to the stream and is delivered again, as the consumer does: here, retried.
      for (;;) {
        try {
          await applyBatch(c, b.msgs, { mode: b.mode });
          break;
        } catch (err) {
          if ((err as { code?: string }).code !== '40P01') throw err;
        }
      }
    }
  };
  // The horizon walks from before the first sample to 30 minutes ago.
  const refresher = async (c: pg.Client) => {
    for (let k = 0; next < batches.length; k++) {
      const grace = Math.max(1800, spanS - k * 300);
      await c.query(`update tracker_policy set value = make_interval(secs => $1) where name = 'rollup_grace'`, [grace]);
      await refreshSessions(c, GAP_S);
    }
  };
  try {
    await Promise.all([writer(clients[0]), writer(clients[1]), refresher(clients[2])]);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  void nowMs;
}

async function check(t: Tap, c: pg.Client, what: string, names: string[]) {
  const db = { query: async (text: string, params?: unknown[]) => ({ rows: (await c.query(text, params)).rows }) };
  const model = await sessionsOfModel(db);
  const api = await readSessions(db, ALL, 1_000_000);
  t.same(aligned(api.rows, model), model, `${what}: /sessions of all ${names.length} characters = the model`);
  for (const name of names.slice(0, 3)) {
    const stats = await readCharacterStats(db, name);
    const mine = model.filter((s) => s.character_name === name);
    const sum = (f: (s: (typeof mine)[number]) => number) => mine.reduce((a, s) => a + f(s), 0);
    const expected = {
      sessions: mine.length,
      kills_gained: sum((s) => s.kills_gained),
      deaths_gained: sum((s) => s.deaths_gained),
      online_s: sum((s) => s.duration_s),
    };
    const { sessions, kills_gained, deaths_gained, online_s } = stats ?? {};
    t.same(
      aligned([{ sessions, kills_gained, deaths_gained, online_s }], [expected])[0],
      expected,
      `${what}: stats of ${name} = the model's sums`,
    );
  }
}
type Tap = { same: (...a: any[]) => boolean };
const as = (c: pg.Client) => ({ query: async (q: string, p?: unknown[]) => ({ rows: (await c.query(q, p)).rows }) });

t.test('sessions = the model on randomized streams', async (t) => {
  t.comment(`seed ${SEED} (SESSION_MODEL_SEED=${SEED} repeats this run)`);
  const rand = prng(SEED);
  let cases = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const url = await freshDatabase();
    await migrate(url);
    const nowMs = Date.now();
    const names = Array.from({ length: CASES_PER_ROUND }, (_, i) => `M${round}-${i}`);
    const events = names.map((n) => stream(rand, n, nowMs));
    const spanS = Math.ceil((nowMs - Math.min(...events.map((e) => Date.parse(e[0].timestamp as string)))) / 1000) + 60;
    await writeConcurrently(rand, url, messages(rand, events), nowMs, spanS);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      // Rows committed after the writers' last refresh below the horizon wait for the next
      // one (as late rows in a materialized rollup bucket do): one more, same horizon.
      await refreshSessions(as(c), GAP_S);
      await check(t, c, `round ${round}, horizon 30 minutes back`, names);
      await c.query(`update tracker_policy set value = interval '2 minutes' where name = 'rollup_grace'`);
      await refreshSessions(as(c), GAP_S);
      await check(t, c, `round ${round}, after the last refresh`, names);
      await c.query('select tracker_reset_rollups()');
      await check(t, c, `round ${round}, after the reset of replay --truncate`, names);
      await refreshSessions(as(c), GAP_S);
      await check(t, c, `round ${round}, rebuilt`, names);
    } finally {
      await c.end();
    }
    cases += names.length;
  }
  t.comment(`${cases} randomized streams (cases), seed ${SEED}`);
});
