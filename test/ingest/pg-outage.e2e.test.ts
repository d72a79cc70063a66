// PostgreSQL stops for a few seconds mid-stream and comes back on the same port and
// data directory: the consumer retries with backoff, reports itself unhealthy, then
// recovers by itself; every event lands exactly once and nothing is dead-lettered. The
// read API in the same process answers 503 `unavailable` meanwhile, not 500.
// Uses a PRIVATE PostgreSQL so the shared test cluster is never stopped.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { startPostgres } from '../../src/localstack/postgres.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { counts, dbFor, natsFor, publish, spawnEv, telemetry, whenConsumerIdle } from './fixtures.js';

t.test('database down mid-stream: retried, recovered, exactly once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-pg-outage-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let pg = await startPostgres({ dir, port: 0, fast: true });
  t.teardown(() => pg.stop());
  const cfg = await testConfig({
    ROLES: 'ingest,api',
    DATABASE_URL: pg.url,
    INGEST_RETRY_MIN_MS: '50',
    INGEST_RETRY_MAX_MS: '500',
    INGEST_UNHEALTHY_AFTER_SECONDS: '1',
    INGEST_ACK_WAIT_SECONDS: '2',
    INGEST_BATCH_MAX_WAIT_MS: '10',
  });
  const nats = await natsFor(cfg);
  t.teardown(nats.close);
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  t.teardown(() => app.stop());

  const P = cfg.SUBJECT_PREFIX;
  let sent = 0;
  let spawns = 0;
  const send = async (n: number) => {
    for (let i = 0; i < n; i++, sent += 5) {
      await publish(
        nats.js,
        P,
        Array.from({ length: 5 }, (_, k) => telemetry(`Out ${i % 4}`, sent + k)),
      );
      if (i % 5 === 0) {
        await publish(nats.js, P, [spawnEv('Out 0', sent)]);
        spawns++;
      }
    }
  };
  await send(100);
  let db = await dbFor(cfg);
  await whenCaughtUp(async () => (await counts(db)).telemetry > 0, { what: 'first rows' });
  await db.end();

  await pg.stop();
  await send(100); // published while the database is down: JetStream keeps them
  const unhealthy = await whenCaughtUp(
    async () => {
      const h = await app.rt.health.run();
      return h.checks.ingest && !h.checks.ingest.ok ? h.checks.ingest : undefined;
    },
    { what: 'ingest reported unhealthy while the database is down' },
  );
  t.match(unhealthy!.reason, /batch writes failing/, `health says why: ${unhealthy!.reason}`);
  const read = await fetch(`http://127.0.0.1:${app.port}/live`);
  t.equal(read.status, 503, 'the read API answers 503 while the database is down');
  t.match(await read.json(), { error: { code: 'unavailable', message: /database is unreachable/ } });
  await send(50);

  pg = await startPostgres({ dir, port: pg.port, fast: true });
  await send(50); // and some after it came back
  db = await dbFor(cfg);
  t.teardown(() => db.end());
  await whenCaughtUp(async () => (await counts(db)).telemetry === sent, {
    timeoutMs: 30000,
    what: `${sent} telemetry rows`,
  });
  await whenConsumerIdle(nats.nc, cfg);
  t.same(await counts(db), { telemetry: sent, spawn_events: spawns, rare_events: 0 }, 'every event exactly once');
  t.equal(
    (await db.query('select count(*)::int as n from dead_letters')).rows[0].n,
    0,
    'connection errors are not poison: nothing dead-lettered',
  );
  await whenCaughtUp(async () => (await app.rt.health.run()).checks.ingest?.ok, { what: 'healthy again' });
  t.equal((await fetch(`http://127.0.0.1:${app.port}/live`)).status, 200, 'the read API answers again');
  t.match(
    await app.rt.metrics.getSingleMetricAsString('tracker_ingest_errors_total'),
    /kind="transient"\} [1-9]/,
    'transient errors counted',
  );
});
