// API_DATABASE_URL on a real streaming replica: a private primary with TimescaleDB
// preloaded, a hot standby made from it with `pg_basebackup -R`; ingest writes the
// primary, the API reads the standby. Pausing WAL replay on the standby shows the lag
// semantics (docs/operations.md "Read replica"): the API answers from the replica's
// past until replay catches up, and /health says it reads a replica and how far behind.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { startPostgres } from '../../src/localstack/postgres.js';
import { startReplica } from '../helpers/pg-cluster.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { counts, natsFor, publish, spawnEv } from '../ingest/fixtures.js';

const RANGE = '/spawns?from=2026-11-25T00:00:00Z&to=2026-11-26T00:00:00Z&limit=1000';

async function sql<R>(url: string, text: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as R[];
  } finally {
    await c.end();
  }
}

t.test('the API reads a streaming replica: same answers once replayed, older ones while replay lags', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'api-replica-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const primary = await startPostgres({ dir: join(dir, 'primary'), port: 0, fast: true });
  t.teardown(() => primary.stop());
  const replica = await startReplica(primary, join(dir, 'replica'), 'tracker');
  t.teardown(() => replica.stop());

  const cfg = await testConfig({
    ROLES: 'ingest,api',
    DATABASE_URL: primary.url,
    API_DATABASE_URL: replica.url,
    API_RETENTION_INTERVAL_MS: '0',
    INGEST_BATCH_MAX_WAIT_MS: '10',
  });
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  t.teardown(() => app.stop());
  const nats = await natsFor(cfg);
  t.teardown(nats.close);
  const get = async (path: string) => {
    const r = await fetch(`http://127.0.0.1:${app.port}${path}`);
    return { status: r.status, body: (await r.json()) as any };
  };
  const primaryCount = async () => {
    const c = new pg.Client({ connectionString: primary.url });
    await c.connect();
    try {
      return (await counts(c)).spawn_events;
    } finally {
      await c.end();
    }
  };

  for (let i = 0; i < 20; i++) await publish(nats.js, cfg.SUBJECT_PREFIX, [spawnEv(`Rep ${i % 3}`, i)]);
  await whenCaughtUp(async () => (await get(RANGE)).body.spawns?.length === 20, {
    what: '20 spawns through the replica',
  });
  const health = await get('/health');
  t.match(
    health.body.checks.api,
    { ok: true, detail: { replica: true, replica_lag_s: Number } },
    `/health: the API reads a replica (${JSON.stringify(health.body.checks.api.detail)})`,
  );
  const [seen] = await sql<{ n: number }>(
    replica.url,
    "select count(*)::int as n from pg_stat_activity where application_name = 'telemetry-tracker-api'",
  );
  t.ok(seen.n > 0, `the API's connections are on the replica (${seen.n})`);

  // Replay paused: the primary moves on, the API keeps answering from the replica's past.
  await sql(replica.url, 'select pg_wal_replay_pause()');
  for (let i = 20; i < 30; i++) await publish(nats.js, cfg.SUBJECT_PREFIX, [spawnEv(`Rep ${i % 3}`, i)]);
  await whenCaughtUp(async () => (await primaryCount()) === 30, { what: '30 spawns on the primary' });
  t.equal(
    (await get(RANGE)).body.spawns.length,
    20,
    'while replay is paused the API still answers the 20 it had replayed',
  );
  const lagging = await whenCaughtUp(
    async () => {
      const d = (await get('/health')).body.checks.api.detail;
      return d.replica_lag_s > 0 ? d : undefined;
    },
    { what: 'a replica lag above 0 in /health' },
  );
  t.ok(lagging.replica_lag_s > 0, `/health shows the lag: ${lagging.replica_lag_s} s`);

  await sql(replica.url, 'select pg_wal_replay_resume()');
  await whenCaughtUp(async () => (await get(RANGE)).body.spawns?.length === 30, {
    what: '30 spawns once replay resumed',
  });
  await whenCaughtUp(async () => (await get('/health')).body.checks.api.detail.replica_lag_s === 0, {
    what: 'lag back to 0',
  });
  t.pass('replay resumed: the API caught up, lag 0');
});
