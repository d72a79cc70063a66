// Measurement (not a test): events/s through the ingest consumer for each apply mode,
// on events pre-published to JetStream exactly as the edge publishes them.
//   npx tsx test/ingest/measure/apply-modes.ts [events=200000] [eventsPerMessage=100] [modes=copy-staging,copy-plain,insert] [writers=2,…]
// Each mode gets a fresh database and its own durable on the same stream, starts the
// ingest role in-process (startApp, ROLES=ingest, the mode as a seam: src/ingest/seams.ts) and is timed from start until the
// last row is visible. Results: docs/ingest.md "Measurements".
import { startApp } from '../../../src/app.js';
import { createLogger } from '../../../src/shared/logger.js';
import { APPLY_MODES, type ApplyMode } from '../../../src/ingest/apply.js';
import { freshDatabase, testConfig, whenCaughtUp, startStack } from '../../helpers/stack.js';
import { counts, dbFor, natsFor, publish, telemetry, spawnEv } from '../fixtures.js';

const total = Number(process.argv[2] ?? 200_000);
const perMsg = Number(process.argv[3] ?? 100);
const modes = (process.argv[4]?.split(',') ?? ['copy-staging', 'copy-plain', 'insert']) as ApplyMode[];
const writersList = (process.argv[5] ?? '2').split(',').map(Number);
for (const m of modes) if (!APPLY_MODES.includes(m)) throw new Error(`unknown mode ${m}`);

const stack = await startStack(false); // private NATS + PostgreSQL (fast mode: fsync off, like the test stack)
process.env.TEST_LOG_LEVEL ??= 'warn';
const base = await testConfig({ NATS_URL: stack.natsUrl, DATABASE_URL: await freshDatabase(stack) });
const nats = await natsFor(base);
const t0 = performance.now();
const pending: Promise<number>[] = [];
let tel = 0;
let spawns = 0;
for (let m = 0; tel + spawns < total; m++) {
  const who = `Bench ${m % 200}`;
  const isSpawn = m % 6 === 5; // about 1 spawn message per 5 telemetry messages
  const n = Math.min(perMsg, total - tel - spawns);
  pending.push(
    publish(
      nats.js,
      base.SUBJECT_PREFIX,
      Array.from({ length: n }, (_, k) =>
        isSpawn
          ? spawnEv(who, m * perMsg + k)
          : telemetry(who, m * perMsg + k, {
              latency_ms: 12.5,
              mem_mb: 300,
              cpu_pct: 3.5,
              mem_handles: 900,
              session_id: 's1',
              char_tag: 'tag',
            }),
      ),
    ),
  );
  if (isSpawn) spawns += n;
  else tel += n;
  if (pending.length >= 256) await Promise.all(pending.splice(0));
}
await Promise.all(pending);
console.log(
  `published ${tel + spawns} events (${tel} telemetry, ${spawns} spawns) in messages of ${perMsg} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const results: Record<string, unknown>[] = [];
for (const writers of writersList)
  for (const mode of modes) {
    const cfg = Object.freeze({
      ...base,
      DATABASE_URL: await freshDatabase(stack),
      CONSUMER_NAME: `measure_${mode.replace(/-/g, '_')}_${writers}`,
      INGEST_WRITERS: writers,
      ROLES: ['ingest' as const],
      LOG_LEVEL: 'warn' as const,
    });
    const db = await dbFor(cfg);
    const app = await startApp(cfg, createLogger(process.env.MEASURE_LOG ?? 'warn'), { ingest: { applyMode: mode } });
    const start = performance.now();
    await whenCaughtUp(
      async () => {
        const c = await counts(db);
        return c.telemetry === tel && c.spawn_events === spawns;
      },
      { timeoutMs: 600_000, what: mode },
    );
    const seconds = (performance.now() - start) / 1000;
    await app.stop();
    await db.end();
    const r = {
      mode,
      writers,
      events: tel + spawns,
      eventsPerMessage: perMsg,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSecond: Math.round((tel + spawns) / seconds),
    };
    results.push(r);
    console.log(JSON.stringify(r));
  }
console.table(results);
await nats.close();
await Promise.all([stack.nats.stop(), stack.pg.stop()]);
