// `npm run bench -- --ui`: the web page in headless chromium against the real stack
// (edge, ingest, API in this process; NATS and PostgreSQL private), with N simulated
// players at 1 Hz and M spawn markers. Measures, per scenario: frames per second
// (requestAnimationFrame), main-thread busy time per second and JS heap (CDP
// Performance metrics), and event-to-screen latency (probe telemetry sent at the edge
// -> first map frame drawn with the probe at its new position). The baseline is the
// same page with the same markers and no players, measured in the same run.
import { writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { startApp } from '../../src/app.js';
import { projectRoot } from '../../src/shared/localstack/paths.js';
import { startBenchStack, benchDatabase } from '../lib/stack.js';
import { launchChromium } from '../../scripts/chromium.js';
import { startFleet, sendSpawns } from './players.js';
import { instrument, measureWindow, probeSeen, type Window } from './page-metrics.js';

export interface UiOptions { players: number; spawns: number; durationS: number; warmupS: number; outDir: string; fastPg: boolean; natsUrl?: string; databaseUrl?: string }
interface Scenario extends Window { name: string; players: number; coalesceMs: number; latency?: { samples: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number } }

const say = (msg: string) => process.stderr.write(`[bench --ui] ${msg}\n`);
const SECRET = 'ui-bench-secret';
const PROBE_EVERY_MS = 500;

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runUiBench(o: UiOptions): Promise<void> {
  const webDir = join(projectRoot(), 'dist', 'web');
  if (!existsSync(join(webDir, 'index.html'))) throw new Error(`no web build in ${webDir}: run \`npm run build\` first (npm run bench does)`);
  const stack = await startBenchStack(o);
  const db = await benchDatabase(stack, 'ui');
  const id = randomBytes(3).toString('hex');
  const cfg = loadConfig({ NATS_URL: stack.natsUrl, DATABASE_URL: db.url, STREAM_NAME: `UI_${id}`, SUBJECT_PREFIX: `ui${id}`, CONSUMER_NAME: `ui_${id}`,
    PORT: '0', PLUGIN_SECRET: SECRET, MIGRATE_ON_START: 'false', LOG_LEVEL: 'warn', API_WEB_DIR: webDir });
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL, 'ui-bench'));
  const base = `http://127.0.0.1:${app.port}`;
  const wsUrl = `ws://127.0.0.1:${app.port}/ws/position`;
  const browser = await launchChromium({ width: 1280, height: 800 });
  const scenarios: Scenario[] = [];
  let fleet: Awaited<ReturnType<typeof startFleet>> | undefined;
  try {
    mkdirSync(o.outDir, { recursive: true });
    say(`${o.spawns} spawn markers`);
    await sendSpawns(wsUrl, SECRET, o.spawns);
    const from = new Date(Date.now() - 86400e3).toISOString();
    await waitFor('spawns stored', async () => ((await (await fetch(`${base}/spawns?limit=${o.spawns}&from=${from}`)).json()) as { spawns: unknown[] }).spawns.length >= o.spawns);

    const open = async (coalesceMs: number) => {
      const page = await browser.context.newPage();
      await page.goto(`${base}/?coalesce_ms=${coalesceMs}`);
      await waitFor('live feed', async () => (await page.locator('#conn').getAttribute('data-state')) === 'live');
      return { page, cdp: await instrument(page) };
    };
    const run = async (name: string, players: number, coalesceMs: number) => {
      say(`scenario ${name}`);
      const { page, cdp } = await open(coalesceMs);
      if (players > 0) await waitFor(`${players} players on the page`, async () => (await page.evaluate(() => (globalThis as any).__tracker.store.players.size as number)) >= players);
      await new Promise((r) => setTimeout(r, o.warmupS * 1000));
      const sent = new Map<number, number>();
      let k = 0;
      const probing = players > 0 && fleet ? setInterval(() => { const ew = 20 + (k % 160), ns = 100 + Math.floor(k / 160) * 0.5; k++; sent.set(ew * 1000 + ns, fleet!.probe(ew, ns)); }, PROBE_EVERY_MS) : undefined;
      const w = await measureWindow(page, cdp, o.durationS);
      clearInterval(probing);
      await new Promise((r) => setTimeout(r, 1500)); // the last probes land
      const seen = await probeSeen(page);
      const lat: number[] = [];
      for (const s of seen) {
        for (const [key, t] of sent) if (Math.floor(key / 1000) === s.ew) { lat.push(s.t - t); sent.delete(key); break; }
      }
      const sc: Scenario = { name, players, coalesceMs, ...w };
      if (players > 0 && coalesceMs > 0) {
        // Outside the measured window: select a player so the screenshot shows the charts too.
        await page.locator('#players-list button').first().click();
        await waitFor('charts', async () => (await page.locator('#charts figure').count()) === 4).catch(() => {});
        await page.screenshot({ path: join(o.outDir, 'ui-players.png') });
      }
      if (lat.length) sc.latency = { samples: lat.length, p50Ms: pct(lat, 0.5), p95Ms: pct(lat, 0.95), p99Ms: pct(lat, 0.99), maxMs: Math.max(...lat) };
      scenarios.push(sc);
      say(`  ${name}: ${w.fps.toFixed(1)} fps, main thread busy ${(100 * w.busyPerS).toFixed(1)}%, heap ${w.heapMb.toFixed(1)} MB${sc.latency ? `, event->screen p50 ${sc.latency.p50Ms} ms p95 ${sc.latency.p95Ms} ms` : ''}`);
      await page.close();
    };

    await run('baseline (markers, no players)', 0, 250);
    fleet = await startFleet(wsUrl, SECRET, o.players);
    await run(`${o.players} players, coalesce_ms=250 (the page's default)`, o.players, 250);
    await run(`${o.players} players, coalesce_ms=0 (one message per event)`, o.players, 0);
  } finally {
    await fleet?.stop();
    await browser.close();
    await app.stop();
    await db.drop().catch(() => {});
    await stack.stop();
  }
  write(o, scenarios);
}

function write(o: UiOptions, scenarios: Scenario[]): void {
  const baseline = scenarios[0];
  const at = new Date().toISOString();
  mkdirSync(o.outDir, { recursive: true });
  writeFileSync(join(o.outDir, 'ui-latest.json'), JSON.stringify({ at, command: `npm run bench -- --ui --ui-players ${o.players} --ui-spawns ${o.spawns} --ui-duration ${o.durationS} --ui-warmup ${o.warmupS}`, options: o, scenarios }, null, 2));
  const f1 = (x: number) => x.toFixed(1);
  const lines = [
    `UI benchmark, ${at}: headless chromium 1280×800, ${o.spawns.toLocaleString('en-US')} spawn markers, players at 1 Hz each, ${o.durationS} s windows after ${o.warmupS} s of warm-up (trails hold up to that many seconds; the trail window is 120 s); app, NATS, PostgreSQL, load and browser share the machine.`,
    '',
    '| scenario | fps | main thread busy | × baseline | JS heap MB | map draws/s | event → screen p50 / p95 / p99 ms |',
    '|---|---|---|---|---|---|---|',
    ...scenarios.map((s) => `| ${s.name} | ${f1(s.fps)} | ${f1(100 * s.busyPerS)}% | ${baseline.busyPerS > 0 ? `${(s.busyPerS / baseline.busyPerS).toFixed(1)}×` : '–'} | ${f1(s.heapMb)} | ${f1(s.mapDrawsPerS)} | ${s.latency ? `${s.latency.p50Ms} / ${s.latency.p95Ms} / ${s.latency.p99Ms} (${s.latency.samples} samples)` : '–'} |`),
    '',
    'Targets at 1,000 players: ≥ 30 fps and < 50% main-thread busy.',
  ];
  const main = scenarios[1];
  if (main) lines.push(`Met: fps ${main.fps >= 30 ? 'yes' : 'NO'} (${f1(main.fps)}), main thread ${main.busyPerS < 0.5 ? 'yes' : 'NO'} (${f1(100 * main.busyPerS)}%).`);
  writeFileSync(join(o.outDir, 'ui-latest.md'), lines.join('\n') + '\n');
  process.stdout.write(lines.join('\n') + '\n');
}
