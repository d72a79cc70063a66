// Job health (docs/retention-and-aggregation.md "Job health"): the API role records its
// own background work (rollup refresh, retention) after every run; /health turns 503 while
// a job's last run failed and recovers after the next good run; /metrics exports each
// job's last status and the age of its last success. Community mode's TimescaleDB policy
// jobs come from timescaledb_information (aggregate-modes test, PGlite).
import t from 'tap';
import { startApiUnderTest } from './helpers.js';
import { whenCaughtUp } from '../helpers/stack.js';

t.test('a failing rollup refresh shows in /health and /metrics, and recovers', async (t) => {
  const api = await startApiUnderTest({ API_ROLLUP_INTERVAL_MS: '100', API_RETENTION_INTERVAL_MS: '3600000' });
  t.teardown(() => api.stop());
  const metric = async (job: string) => {
    const { body } = await api.get('/metrics');
    const line = (name: string) => (body as string).split('\n').find((l) => l.startsWith(`${name}{job="${job}"}`));
    return { ok: line('tracker_job_last_run_success'), age: line('tracker_job_last_success_age_seconds') };
  };

  // The rollup refresh, the session refresh (sql/180_sessions.sql) and retention.
  await whenCaughtUp(async () => (await api.get('/health')).body.checks?.jobs?.detail?.jobs === 3, {
    what: 'the three app jobs recorded',
  });
  const healthy = await api.get('/health');
  t.equal(healthy.status, 200);
  t.match(
    await metric('app:rollup_refresh'),
    { ok: /} 1$/, age: /} \d/ },
    'metrics: last run ok, age of the last success',
  );
  t.match(await metric('app:retention'), { ok: /} 1$/ });

  // Break the refresh: its work table is gone (every run touches it).
  await api.db.query('alter table tracker_rollup_work rename to tracker_rollup_work_away');
  const sick = await whenCaughtUp(
    async () => {
      const h = await api.get('/health');
      return h.status === 503 ? h : undefined;
    },
    { what: '/health 503 with the failing job' },
  );
  t.equal(sick.body.checks.jobs.ok, false);
  t.match(sick.body.checks.jobs.reason, /app:rollup_refresh/);
  t.match(sick.body.checks.jobs.detail.failing[0], { job: 'app:rollup_refresh', error: /tracker_rollup_work/ });
  await whenCaughtUp(async () => /} 0$/.test((await metric('app:rollup_refresh')).ok ?? ''), {
    what: 'metric last run = 0',
  });
  const {
    rows: [s],
  } = await api.db.query(
    `select total_failures::int as f, last_success_at is not null as had_success from tracker_job_status where job = 'rollup_refresh'`,
  );
  t.ok(s.f >= 1 && s.had_success, 'failures counted, the last success is kept');

  await api.db.query('alter table tracker_rollup_work_away rename to tracker_rollup_work');
  await whenCaughtUp(async () => (await api.get('/health')).status === 200, {
    what: '/health back to 200 after a good run',
  });
  // /metrics reads the job table at most once a second (src/api/jobs.ts).
  await whenCaughtUp(async () => /} 1$/.test((await metric('app:rollup_refresh')).ok ?? ''), {
    what: 'metric last run = 1 again',
  });
  t.pass('metrics: last run ok again');
});
