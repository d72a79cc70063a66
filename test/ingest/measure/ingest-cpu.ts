// Measurement (not a test): CPU of the ingest role per event, for a fixed amount of work,
// so a busy machine slows it down without changing the figure much. Events are published
// beforehand as the edge publishes them (canonical JSON, the `Tracker-Sig` of a signing
// edge on every message of 4 KiB or more), once unsigned and once signed, each on its own
// stream; then, in turns, the ingest role starts in this process on a fresh database and
// drains one of them. CPU (process.cpuUsage) and V8 GC time from its start until the last
// row is visible, per event.
//   npx tsx test/ingest/measure/ingest-cpu.ts [events=100000] [eventsPerMessage=125] [rounds=3] [variants=unsigned,signed]
//   node --max-semi-space-size=32 --import tsx test/ingest/measure/ingest-cpu.ts …   # V8 flags under test
// Results: docs/benchmarks.md "Per-event CPU budget".
import { PerformanceObserver } from 'node:perf_hooks';
import { headers } from '@nats-io/transport-node';
import { startApp } from '../../../src/app.js';
import { createLogger } from '../../../src/shared/logger.js';
import { subjectFor } from '../../../src/shared/subjects.js';
import { eventKey, messageId } from '../../../src/shared/envelope.js';
import { canonicalJson } from '../../../src/shared/canonical-json.js';
import { envelopeFromJson } from '../../../src/edge/envelope-json.js';
import { messageSigner, SIGNATURE_HEADER } from '../../../src/shared/message-signature.js';
import { SIGN_MIN_BYTES } from '../../../src/edge/jetstream-publish.js';
import { freshDatabase, getStack, testConfig, whenCaughtUp } from '../../helpers/stack.js';
import { counts, dbFor, natsFor, spawnEv, telemetry, type Ev } from '../fixtures.js';

const total = Number(process.argv[2] ?? 100_000);
const perMsg = Number(process.argv[3] ?? 125);
const rounds = Number(process.argv[4] ?? 3);
const variants = (process.argv[5] ?? 'unsigned,signed').split(',');
const KEY = 'measure-signing-key-'.repeat(3);
const signer = messageSigner(KEY);

/** The load generator's telemetry: every field set (docs/benchmarks.md "The load generator"). */
const fullTelemetry = (who: string, i: number): Ev =>
  telemetry(who, i, {
    event_id: `e-${i}`,
    char_tag: 'bench',
    session_id: `session-${i >> 10}`,
    deaths: i >> 12,
    rares_found: i >> 14,
    prismatic_taper_count: 1000 - (i % 1000),
    kills_per_hour: (i % 977) + 0.5,
    onlinetime: `00:${String(i % 60).padStart(2, '0')}:00`,
    vt_state: 'Combat',
    latency_ms: i % 120,
    mem_mb: 512 + (i % 64),
    cpu_pct: (i % 100) / 4,
    mem_handles: 900 + (i % 50),
  });

// The test harness's services when they run, else its own (stopped when this exits).
const stack = await getStack();
process.env.TEST_LOG_LEVEL ??= 'warn';

/** Publishes the events on a stream of its own; returns its config and the table counts to wait for. */
async function publishVariant(variant: string) {
  const cfg = await testConfig({ NATS_URL: stack.natsUrl, DATABASE_URL: await freshDatabase(stack) });
  const nats = await natsFor(cfg);
  const pending: Promise<unknown>[] = [];
  let [tel, spawns] = [0, 0];
  for (let m = 0; tel + spawns < total; m++) {
    const who = `Bench ${m % 200}`;
    const isSpawn = m % 6 === 5; // about one spawn message per five telemetry messages
    const n = Math.min(perMsg, total - tel - spawns);
    const events = Array.from({ length: n }, (_, k) => (isSpawn ? spawnEv : fullTelemetry)(who, m * perMsg + k));
    const type = isSpawn ? 'spawn' : 'telemetry';
    const subject = subjectFor(cfg.SUBJECT_PREFIX, type, who);
    const ids = events.map(eventKey);
    const data = envelopeFromJson(type, new Date().toISOString(), ids, events.map(canonicalJson));
    const h = headers();
    if (variant === 'signed' && data.length >= SIGN_MIN_BYTES) h.set(SIGNATURE_HEADER, signer.sign(subject, data));
    pending.push(nats.js.publish(subject, data, { msgID: messageId(ids), headers: h }));
    if (isSpawn) spawns += n;
    else tel += n;
    if (pending.length >= 256) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await nats.close();
  return { cfg, tel, spawns };
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

/** One drain of a variant's stream by a fresh ingest: CPU and GC µs per event. */
async function drain(v: Awaited<ReturnType<typeof publishVariant>>, round: number) {
  const cfg = Object.freeze({
    ...v.cfg,
    DATABASE_URL: await freshDatabase(stack),
    CONSUMER_NAME: `measure_${round}`,
    ROLES: ['ingest' as const],
    TRACKER_SIGNING_KEY: KEY,
  });
  const db = await dbFor(cfg);
  const [cpu0, gc0, t0] = [process.cpuUsage(), gcMs, performance.now()];
  const app = await startApp(cfg, createLogger('warn'));
  await whenCaughtUp(
    async () => {
      const c = await counts(db);
      return c.telemetry === v.tel && c.spawn_events === v.spawns;
    },
    { timeoutMs: 600_000, what: 'every row' },
  );
  const cpu = process.cpuUsage(cpu0);
  const [gc, seconds] = [gcMs - gc0, (performance.now() - t0) / 1000];
  await app.stop();
  await db.end();
  const events = v.tel + v.spawns;
  return {
    cpuUsPerEvent: Number(((cpu.user + cpu.system) / events).toFixed(2)),
    gcUsPerEvent: Number(((gc * 1000) / events).toFixed(2)),
    eventsPerSecond: Math.round(events / seconds),
  };
}

const published = new Map<string, Awaited<ReturnType<typeof publishVariant>>>();
for (const variant of variants) published.set(variant, await publishVariant(variant));
console.log(`${total} events in messages of ${perMsg}, ${rounds} rounds; node ${process.execArgv.join(' ')}`);
const results: Record<string, unknown>[] = [];
for (let round = 0; round < rounds; round++)
  for (const variant of variants) {
    const r = { round, variant, ...(await drain(published.get(variant)!, round)) };
    results.push(r);
    console.log(JSON.stringify(r));
  }
console.table(results);
// Round 0 warms the JIT (whichever variant runs first pays it): ratios from round 1 on.
if (variants.length === 2) {
  const [a, b] = variants;
  const of = (round: number, v: string) => results.find((r) => r.round === round && r.variant === v)!;
  const ratios = Array.from({ length: rounds - 1 }, (_, i) => {
    const [x, y] = [of(i + 1, a), of(i + 1, b)];
    return (y.cpuUsPerEvent as number) / (x.cpuUsPerEvent as number);
  }).sort((p, q) => p - q);
  if (ratios.length)
    console.log(
      `${b} / ${a} CPU per event, rounds 1-${rounds - 1}: ${ratios.map((r) => r.toFixed(3)).join(', ')}; median ` +
        `${ratios[Math.floor(ratios.length / 2)].toFixed(3)}`,
    );
}
process.exit(0);
