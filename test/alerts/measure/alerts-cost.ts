// Measurement (not a test): the alerts role's CPU per 1,000 events and its memory with
// 10,000 characters tracked (issue 25 closing figures, docs/alerts.md "Cost").
//   node --expose-gc --import tsx test/alerts/measure/alerts-cost.ts [characters=10000] [eventsPerCharacter=10]
// A private NATS + PostgreSQL (fast mode, like the test stack). Telemetry events, one per
// message as a plugin sends them every second, every field set, are published first;
// then the role starts in this process (its own NATS connection and pool, every kind
// on, client thresholds set) and is timed until its checkpoint covers the last message.
// CPU is this process's user+system time over that span (NATS client, PostgreSQL client,
// decode, evaluation, commits), not wall time. Memory: heap and RSS after a full GC,
// before the role started and once it tracks every character.
import { jetstream } from '@nats-io/jetstream';
import { alertsOptions } from '../../../src/config.js';
import { startAlerts } from '../../../src/alerts/index.js';
import { connectNats, ensureStream } from '../../../src/shared/nats.js';
import { createPool } from '../../../src/shared/db.js';
import { migrate } from '../../../src/shared/migrate.js';
import { createMetrics } from '../../../src/shared/metrics.js';
import { Health } from '../../../src/shared/health.js';
import { createLogger } from '../../../src/shared/logger.js';
import { createApp } from '../../../src/shared/http/server.js';
import { encodeEnvelope, eventKey, messageId } from '../../../src/shared/envelope.js';
import { subjectFor } from '../../../src/shared/subjects.js';
import { samplesOf } from '../../../src/alerts/decode.js';
import { Evaluator } from '../../../src/alerts/evaluate.js';
import type { AlertChange } from '../../../src/alerts/types.js';
import { freshDatabase, startStack, testConfig, whenCaughtUp } from '../../helpers/stack.js';

const characters = Number(process.argv[2] ?? 10_000);
const perCharacter = Number(process.argv[3] ?? 10);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx');

const stack = await startStack(false);
process.env.TEST_LOG_LEVEL ??= 'warn';
const cfg = await testConfig({
  NATS_URL: stack.natsUrl,
  DATABASE_URL: await freshDatabase(stack),
  ROLES: 'alerts',
  ALERT_MEM_MB_ABOVE: '900',
  ALERT_LATENCY_MS_ABOVE: '500',
  // Short periods, so alerts are raised and committed during the run, as in life.
  ALERT_GRACE_SECONDS: '2',
  ALERT_IDLE_AFTER_SECONDS: '5',
});
await migrate(cfg.DATABASE_URL);
const nc = await connectNats(cfg, 'measure-publisher');
await ensureStream(nc, cfg);
const js = jetstream(nc);
const T0 = Date.now() - 3_600_000;

// Every field a plugin sends; some characters die, some idle, a few run hot.
function event(c: number, i: number) {
  return {
    type: 'telemetry',
    character_name: `Measure ${c}`,
    timestamp: new Date(T0 + i * 1000).toISOString(),
    ew: 10 + (c % 7 === 0 ? 0 : i * 0.5),
    ns: -20 + (c % 100) / 10,
    z: 0.5,
    kills: c % 7 === 0 ? 3 : 3 + i,
    deaths: c % 13 === 0 ? Math.floor(i / 3) : 0,
    rares_found: 0,
    kills_per_hour: 120,
    onlinetime: '01:02:03',
    vt_state: 'Combat',
    latency_ms: 80 + (c % 50),
    mem_mb: c % 97 === 0 ? 950 : 600,
    cpu_pct: 12.5,
    mem_handles: 2400,
  };
}

const published = performance.now();
let last = 0;
for (let i = 0; i < perCharacter; i++) {
  const window: Promise<{ seq: number }>[] = [];
  for (let c = 0; c < characters; c++) {
    const ev = event(c, i);
    const ids = [eventKey(ev)];
    const env = { v: 1 as const, type: 'telemetry' as const, received_at: new Date().toISOString(), ids, events: [ev] };
    window.push(
      js.publish(subjectFor(cfg.SUBJECT_PREFIX, 'telemetry', ev.character_name), encodeEnvelope(env), {
        msgID: messageId(ids),
      }),
    );
    if (window.length >= 2000) last = Math.max(last, ...(await Promise.all(window.splice(0))).map((a) => a.seq));
  }
  last = Math.max(last, ...(await Promise.all(window)).map((a) => a.seq));
}
const events = characters * perCharacter;
const evalOnlyMs = evaluateOnly();
process.stderr.write(`published ${events} events in ${((performance.now() - published) / 1000).toFixed(1)} s\n`);

/** The same events through decode and evaluation alone, in memory: the part no database or NATS client costs. */
function evaluateOnly(): number {
  const evaluator = new Evaluator(alertsOptions(cfg).evaluation);
  const messages: { subject: string; data: Uint8Array }[] = [];
  for (let i = 0; i < perCharacter; i++)
    for (let c = 0; c < characters; c++) {
      const ev = event(c, i);
      const env = { v: 1, type: 'telemetry', received_at: new Date().toISOString(), ids: [eventKey(ev)], events: [ev] };
      messages.push({
        subject: subjectFor(cfg.SUBJECT_PREFIX, 'telemetry', ev.character_name),
        data: encodeEnvelope(env as never),
      });
    }
  const out: AlertChange[] = [];
  const t = process.cpuUsage();
  for (const m of messages)
    for (const sample of samplesOf(cfg.SUBJECT_PREFIX, m.subject, m.data)) evaluator.apply(sample, out);
  const used = process.cpuUsage(t);
  return (used.user + used.system) / 1000;
}

gc();
const before = process.memoryUsage();
const log = createLogger('warn');
const roleNc = await connectNats(cfg, 'measure-alerts');
const pool = createPool(cfg.DATABASE_URL, 4);
const metrics = createMetrics(['alerts']);
const health = new Health();
const rt = {
  log,
  nc: roleNc,
  connectNats: (n: string) => connectNats(cfg, n),
  pool,
  app: createApp(health, metrics, log),
  metrics,
  health,
};
const probe = createPool(cfg.DATABASE_URL, 1);
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const role = await startAlerts(rt, { ...alertsOptions(cfg), delivery: undefined });
await whenCaughtUp(
  async () => Number((await probe.query('select stream_seq from alert_checkpoint')).rows[0]?.stream_seq ?? 0) >= last,
  { timeoutMs: 600_000, what: 'the alerts role caught up' },
);
const cpu = process.cpuUsage(cpu0);
const wallS = (performance.now() - wall0) / 1000;
gc();
const after = process.memoryUsage();
const alerts = (await probe.query('select kind, count(*)::int as n from alerts group by 1 order by 1')).rows;
const stateBytes = Number(
  (await probe.query('select sum(pg_column_size(state))::bigint as b from alert_character_state')).rows[0].b,
);
const cpuMs = (cpu.user + cpu.system) / 1000;
const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
const result = {
  characters,
  events,
  wall_s: Math.round(wallS * 10) / 10,
  events_per_s: Math.round(events / wallS),
  cpu_ms_per_1000_events: Math.round((cpuMs / events) * 1000 * 10) / 10,
  decode_and_evaluate_only_cpu_ms_per_1000_events: Math.round((evalOnlyMs / events) * 1000 * 100) / 100,
  heap_mb_before: mb(before.heapUsed),
  heap_mb_after: mb(after.heapUsed),
  heap_mb_for_characters: mb(after.heapUsed - before.heapUsed),
  rss_mb_before: mb(before.rss),
  rss_mb_after: mb(after.rss),
  state_bytes_per_character_in_postgres: Math.round(stateBytes / characters),
  alerts,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
await role.stop();
await probe.end();
await pool.end();
await roleNc.close();
await nc.close();
await Promise.all([stack.nats.stop(), stack.pg.stop()]);
process.exit(0);
