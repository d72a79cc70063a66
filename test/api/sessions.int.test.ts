// GET /sessions, /characters/{name}/stats and /stats/rares (issue 24) on rows written
// through ingest's apply path: two sessions with a client restart inside one, inferred
// sessions across a gap, rares inside and outside, a redelivered batch, late samples
// inside a closed session and in the gap between two inferred ones (they merge), a hand
// DELETE (they split again). Every answer is compared with the TypeScript model of
// ./session-model.ts over the raw rows, and with hand-computed figures.
import t from 'tap';
import { applyBatch } from '../../src/ingest/apply.js';
import { refreshSessions } from '../../src/api/sessions-refresh.js';
import { SessionsResponse, CharacterStatsResponse, RareLeaderboardResponse } from '../../src/api/schemas/sessions.js';
import { telemetry, rareEv, at, decodedMessage as message } from '../ingest/fixtures.js';
import { startApiUnderTest, schemaErrors, qs, type ApiUnderTest } from './helpers.js';
import { sessionsOfModel, aligned } from './session-check.js';

const WHO = 'Sess Ion';
const RANGE = { from: at(-100), to: at(10_000) };

// Session 'a': i 0..59, kills 100.. then a restart at 30 (back to 0); one death at 40.
const sessionA = Array.from({ length: 60 }, (_, i) =>
  telemetry(WHO, i, { session_id: 'a', kills: i < 30 ? 100 + i : i - 30, deaths: i < 40 ? 3 : 4 }),
);
// Session 'b': i 100..159, kills 0..59, kills_per_hour 10/11/12.
const sessionB = Array.from({ length: 60 }, (_, k) =>
  telemetry(WHO, 100 + k, { session_id: 'b', kills: k, kills_per_hour: 10 + (k % 3) }),
);
// No session_id: 2000..2009 and 2500..2509 (491 s apart: one session), 4000..4009 (1491 s: another).
const loose = [2000, 2500, 4000].flatMap((s) => Array.from({ length: 10 }, (_, k) => telemetry(WHO, s + k)));
const rares = [rareEv(WHO, 10), rareEv(WHO, 80), rareEv(WHO, 4005)];

async function sessions(api: ApiUnderTest) {
  const r = await api.get(`/sessions${qs({ character: WHO, ...RANGE })}`);
  t.equal(r.status, 200);
  t.equal(schemaErrors(SessionsResponse, r.body), undefined, '/sessions matches its schema');
  return r.body.sessions as any[];
}

t.test('sessions through the apply path', async (t) => {
  const api = await startApiUnderTest();
  t.teardown(() => api.stop());
  const batches = [
    message('telemetry', WHO, sessionA),
    message('telemetry', WHO, sessionB),
    message('telemetry', WHO, loose),
    message('rare', WHO, rares),
  ];
  await applyBatch(api.db, batches, { mode: 'copy-direct' });

  const open = await sessions(api);
  const matchesModel = async (actual: any[], what: string) => {
    const model = await sessionsOfModel(api.db, WHO);
    t.same(aligned(actual, model), model, what);
  };
  await matchesModel(open, 'before any refresh (all from the raw rows) = the model');
  t.same(
    open.map((s) => [s.session_id, s.inferred, s.samples, s.kills_gained, s.deaths_gained, s.rares_found]),
    [
      [`inferred:${at(4000)}`, true, 10, 9, 0, 1],
      [`inferred:${at(2000)}`, true, 20, 9 + 491 + 9, 0, 0],
      ['b', false, 60, 59, 0, 0],
      ['a', false, 60, 58, 1, 1],
    ],
    'four sessions; the restart in "a" gains 29 + 29, not a negative; rares inside only',
  );
  const b = open.find((s) => s.session_id === 'b');
  t.same([b.kph_avg, b.kph_max, b.duration_s, b.live], [11, 12, 59, false], 'kph from kills_per_hour');
  const a = open.find((s) => s.session_id === 'a');
  t.equal(a.kph_avg, (58 * 3600) / 59, 'kph without kills_per_hour: kills per hour of duration');

  t.ok(await refreshSessions(api.db, 600), 'refresh materializes them');
  t.same(await sessions(api), open, 'materialized = computed from the raw rows');
  t.ok(
    (await api.db.query('select count(*)::int as n from character_session_rollup')).rows[0].n === 4,
    'stored in character_session_rollup',
  );

  await applyBatch(api.db, batches, { mode: 'copy-direct' });
  await refreshSessions(api.db, 600);
  t.same(await sessions(api), open, 'a redelivered batch changes nothing');

  // A late sample inside the closed session "b": kills 500 at 130.5 s (then back to 31: a drop).
  const late = telemetry(WHO, 130, { session_id: 'b', kills: 500, timestamp: at(130.5), event_id: 'late-b' });
  await applyBatch(api.db, [message('telemetry', WHO, [late])], { mode: 'copy-direct' });
  t.same(await sessions(api), open, 'a late sample below the horizon shows after the next refresh');
  await refreshSessions(api.db, 600);
  const afterLate = await sessions(api);
  t.equal(
    afterLate.find((s) => s.session_id === 'b').kills_gained,
    30 + 470 + 28,
    'the next refresh recomputed "b" (30 -> 500 -> 31: +470, then a drop)',
  );
  await matchesModel(afterLate, 'late sample: = the model');

  // Two late samples in the silence between the inferred sessions: they become one.
  const fill = [3000, 3500].map((i) => telemetry(WHO, i, { event_id: `fill-${i}` }));
  await applyBatch(api.db, [message('telemetry', WHO, fill)], { mode: 'copy-staging' });
  await refreshSessions(api.db, 600);
  const merged = await sessions(api);
  t.same(
    merged.filter((s) => s.inferred).map((s) => [s.session_id, s.samples]),
    [[`inferred:${at(2000)}`, 32]],
    'the gap filled: one inferred session',
  );
  await matchesModel(merged, 'merged: = the model');

  // A hand DELETE (the raw-write trigger logs it for every character there): split again.
  await api.db.query('delete from telemetry where ts = $1', [at(3500)]);
  await refreshSessions(api.db, 600);
  const split = await sessions(api);
  t.equal(split.filter((s) => s.inferred).length, 2, 'deleted by hand: two inferred sessions again');
  await matchesModel(split, 'split: = the model');
});

t.test('lifetime totals and the rare leaderboard', async (t) => {
  const api = await startApiUnderTest();
  t.teardown(() => api.stop());
  await applyBatch(
    api.db,
    [
      message('telemetry', WHO, [...sessionA.map((e) => ({ ...e, char_tag: 'old' })), ...sessionB]),
      message(
        'telemetry',
        WHO,
        loose.map((e) => ({ ...e, char_tag: 'new' })),
      ),
      message('rare', WHO, rares),
      message('rare', 'Other', [rareEv('Other', 5, { name: 'Solo' })]),
    ],
    { mode: 'copy-direct' },
  );
  await refreshSessions(api.db, 600);
  const r = await api.get(`/characters/${encodeURIComponent(WHO)}/stats`);
  t.equal(r.status, 200);
  t.equal(schemaErrors(CharacterStatsResponse, r.body), undefined, 'stats match their schema');
  const model = await sessionsOfModel(api.db, WHO);
  const best = model.find((s) => s.session_id === `inferred:${at(2000)}`)!;
  t.same(
    { ...r.body, best_session: aligned([r.body.best_session], [best])[0] },
    {
      character_name: WHO,
      first_seen: at(0),
      last_seen: at(4009),
      sessions: 4,
      online_s: model.reduce((s, x) => s + x.duration_s, 0),
      kills_gained: 58 + 59 + 509 + 9,
      deaths_gained: 1,
      rares_found: 3,
      char_tag: 'new',
      best_session: best,
    },
    'totals over the sessions, every rare, the newest tag, the best session by kills',
  );
  const unknown = await api.get('/characters/Nobody/stats');
  t.same([unknown.status, unknown.body.error.code], [404, 'not_found'], 'an unknown character: 404');
  const bad = await api.get('/characters/%E0%A4%A/stats');
  t.same([bad.status, bad.body.error.code], [400, 'bad_request'], 'bad percent-encoding: 400');
  const extra = await api.get(`/characters/${encodeURIComponent(WHO)}/stats?x=1`);
  t.equal(extra.status, 400, 'no query parameters');

  const board = await api.get(`/stats/rares${qs(RANGE)}`);
  t.equal(schemaErrors(RareLeaderboardResponse, board.body), undefined, '/stats/rares matches its schema');
  t.same(
    board.body,
    {
      characters: [
        { character_name: WHO, rares: 3, newest: { name: 'Rare 4005', timestamp: at(4005) } },
        { character_name: 'Other', rares: 1, newest: { name: 'Solo', timestamp: at(5) } },
      ],
      truncated: false,
    },
    'most rares first, with the newest find',
  );
  const one = await api.get(`/stats/rares${qs({ ...RANGE, limit: 1 })}`);
  t.same([one.body.characters.length, one.body.truncated], [1, true], 'limit cuts and flags truncated');
  const all = await api.get(`/sessions${qs({ ...RANGE, limit: 2 })}`);
  t.same([all.body.sessions.length, all.body.truncated], [2, true], '/sessions without character: all, limited');
});

t.test('sessions and totals survive raw retention', async (t) => {
  const api = await startApiUnderTest();
  t.teardown(() => api.stop());
  const DAY = 86_400_000;
  const sample = (who: string, ms: number, i: number, session: string) =>
    telemetry(who, i, { timestamp: new Date(ms + i * 30_000).toISOString(), session_id: session, kills: 10 + i });
  const oldStart = Date.now() - 10 * DAY;
  const old = Array.from({ length: 20 }, (_, i) => sample(WHO, oldStart, i, 'old'));
  const recent = Array.from({ length: 20 }, (_, i) => sample(WHO, Date.now() - DAY, i, 'new'));
  const rare = rareEv(WHO, 0, { timestamp: new Date(oldStart + 60_000).toISOString() });
  await applyBatch(api.db, [message('telemetry', WHO, [...old, ...recent]), message('rare', WHO, [rare])], {
    mode: 'copy-direct',
  });
  await refreshSessions(api.db, 600);
  const range = qs({ character: WHO, from: new Date(oldStart - DAY).toISOString() });
  const before = (await api.get(`/sessions${range}`)).body;
  const statsBefore = (await api.get(`/characters/${encodeURIComponent(WHO)}/stats`)).body;
  t.same(
    before.sessions.map((s: any) => [s.session_id, s.samples, s.kills_gained, s.rares_found]),
    [
      ['new', 20, 19, 0],
      ['old', 20, 19, 1],
    ],
    'two sessions, one 10 days old',
  );

  await api.db.query(`update tracker_policy set value = interval '7 days' where name = 'raw_telemetry_retention'`);
  const { rows } = await api.db.query('select tracker_apply_retention() as n');
  t.ok(rows[0].n > 0, `retention dropped ${rows[0].n} raw chunk(s)`);
  const { rows: left } = await api.db.query(`select count(*)::int as n from telemetry where session_id = 'old'`);
  t.equal(left[0].n, 0, 'the old raw rows are gone');
  t.same((await api.get(`/sessions${range}`)).body, before, 'the old session is still answered, unchanged');
  t.same((await api.get(`/characters/${encodeURIComponent(WHO)}/stats`)).body, statsBefore, 'so are the totals');

  // A late sample for the old session, below the floor: stored, but not folded in (its first rows are gone).
  const late = { ...sample(WHO, oldStart + 15_000, 5, 'old'), kills: 12 };
  await applyBatch(api.db, [message('telemetry', WHO, [{ ...late, event_id: 'late-old' }])], { mode: 'copy-direct' });
  const r = await refreshSessions(api.db, 600);
  t.same(r, { recomputed: 0, extended: 0, skipped: 1 }, 'the refresh skips it and says so');
  t.same((await api.get(`/sessions${range}`)).body, before, 'the stored session stays as it was');
});
