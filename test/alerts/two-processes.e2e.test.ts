// Several alerts processes (docs/alerts.md "Several processes"): two real `src/main.ts`
// processes with ROLES=alerts; one holds the leader lock and evaluates, the other waits.
// The leader is SIGKILLed mid-stream: the standby takes over from the checkpoint, and
// every alert is in the table once, none published twice, none missed.
import t from 'tap';
import { mainEnv, spawnMain, type MainProcess } from '../helpers/main-process.js';
import { alertsConfig, checkpointSeq, publisher, sql } from './fixtures.js';
import { whenCaughtUp } from '../helpers/stack.js';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const CHARACTERS = 20;
const ROUNDS = 20;

t.test('two alerts processes: the standby takes over a killed leader, no alert twice, none missed', async (t) => {
  const cfg = await alertsConfig({ ALERT_GRACE_SECONDS: '0' });
  const env = mainEnv(cfg, {
    ROLES: 'alerts',
    PORT: '0',
    HOST: '127.0.0.1',
    ALERT_GRACE_SECONDS: '0',
    ALERT_OFFLINE_AFTER_SECONDS: '3600',
    ALERT_IDLE_AFTER_SECONDS: '3600',
    ALERT_TICK_MS: '100',
    ALERT_LEADER_RETRY_MS: '100',
    LOG_LEVEL: 'warn',
  });
  const procs: MainProcess[] = [];
  t.teardown(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
  });
  const pub = await publisher(cfg);
  t.teardown(() => pub.close());
  const live: string[] = [];
  const sub = pub.nc.subscribe(`${cfg.SUBJECT_PREFIX}.alert.>`);
  void (async () => {
    for await (const m of sub) live.push(m.json<{ id: string }>().id);
  })();

  const death = (c: number, round: number) => pub.telemetry(`Pc ${c}`, T0 + round * 1000, { deaths: round, ew: round });
  for (let c = 0; c < CHARACTERS; c++) await death(c, 0);
  const leader = spawnMain(env, ['start']);
  procs.push(leader);
  await whenCaughtUp(async () => (await checkpointSeq(cfg)) > 0, { what: 'the first process leads' });
  const standby = spawnMain(env, ['start']);
  procs.push(standby);
  await whenCaughtUp(
    async () =>
      (await sql(cfg, "select 1 from pg_stat_activity where application_name = 'telemetry-tracker'")).length >= 2,
    { what: 'the second process connected' },
  );

  let last = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    for (let c = 0; c < CHARACTERS; c++) last = await death(c, round);
    if (round === ROUNDS / 2) {
      await whenCaughtUp(async () => (await checkpointSeq(cfg)) > last - CHARACTERS * 3, { what: 'leader busy' });
      leader.child.kill('SIGKILL');
      await leader.exited;
    }
  }
  await whenCaughtUp(async () => (await checkpointSeq(cfg)) >= last, {
    what: 'the standby caught up',
    timeoutMs: 60000,
  });

  const [{ n, distinct }] = await sql(
    cfg,
    'select count(*)::int as n, count(distinct id)::int as distinct from alerts',
  );
  t.equal(n, CHARACTERS * ROUNDS, `every death raised (${n})`);
  t.equal(distinct, n, 'each once');
  const [{ per }] = await sql(
    cfg,
    `select count(*)::int as per from (select character_name, started_at from alerts group by 1, 2 having count(*) > 1) d`,
  );
  t.equal(per, 0, 'no character has two alerts for one death');
  await whenCaughtUp(() => live.length >= CHARACTERS * ROUNDS - CHARACTERS * 3, { what: 'live messages' });
  t.equal(new Set(live).size, live.length, `no alert published twice (${live.length} published)`);
  t.equal(standby.child.exitCode, null, 'the standby runs on');
});
