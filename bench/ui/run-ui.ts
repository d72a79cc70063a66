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
import { loadConfig, resolveServices } from '../../src/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { startApp } from '../../src/app.js';
import { projectRoot } from '../../src/shared/project-root.js';
import { startBenchStack, benchDatabase } from '../lib/stack.js';
import { launchChromium } from '../../scripts/chromium.js';
import { startFleet, sendSpawns } from './players.js';
import { instrument, measureWindow, probeSeen, type Window } from './page-metrics.js';

export interface UiOptions {
  players: number;
  spawns: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  outDir: string;
  fastPg: boolean;
  natsUrl?: string;
  databaseUrl?: string;
}
interface Scenario extends Window {
  name: string;
  players: number;
  coalesceMs: number;
  rounds: { fps: number; busyPerS: number }[];
  latency?: { samples: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
}

const say = (msg: string) => process.stderr.write(`[bench --ui] ${msg}\n`);
const SECRET = 'ui-bench-secret';
const PROBE_EVERY_MS = 500;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

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
  if (!existsSync(join(webDir, 'index.html')))
    throw new Error(`no web build in ${webDir}: run \`npm run build\` first (npm run bench does)`);
  const stack = await startBenchStack(o);
  const db = await benchDatabase(stack, 'ui');
  const id = randomBytes(3).toString('hex');
  const cfg = resolveServices(
    loadConfig({
      NATS_URL: stack.natsUrl,
      DATABASE_URL: db.url,
      STREAM_NAME: `UI_${id}`,
      SUBJECT_PREFIX: `ui${id}`,
      CONSUMER_NAME: `ui_${id}`,
      PORT: '0',
      PLUGIN_SECRET: SECRET,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
      API_WEB_DIR: webDir,
    }),
    {},
  );
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
    await waitFor(
      'spawns stored',
      async () =>
        ((await (await fetch(`${base}/spawns?limit=${o.spawns}&from=${from}`)).json()) as { spawns: unknown[] }).spawns
          .length >= o.spawns,
    );

    const open = async (coalesceMs: number) => {
      const page = await browser.context.newPage();
      await page.goto(`${base}/?coalesce_ms=${coalesceMs}`);
      await waitFor('live feed', async () => (await page.locator('#conn').getAttribute('data-state')) === 'live');
      return { page, cdp: await instrument(page) };
    };
    type Open = Awaited<ReturnType<typeof open>>;
    /** One measured window on one page, with probe latencies seen by that page. */
    const windowOf = async ({ page, cdp }: Open, probe: boolean) => {
      // Tabs in the background get no animation frames: the measured page is in front.
      await page.bringToFront();
      await new Promise((r) => setTimeout(r, 1000));
      const before = (await probeSeen(page)).length;
      const sent = new Map<number, number>();
      let k = 0;
      const probing =
        probe && fleet
          ? setInterval(() => {
              const ew = 20 + (k % 160);
              k++;
              sent.set(ew, fleet!.probe(ew, 100));
            }, PROBE_EVERY_MS)
          : undefined;
      const w = await measureWindow(page, cdp, o.durationS);
      clearInterval(probing);
      if (probing) await new Promise((r) => setTimeout(r, 1500)); // the last probes land
      const lat: number[] = [];
      for (const seen of (await probeSeen(page)).slice(before)) {
        const t = sent.get(seen.ew);
        if (t !== undefined) {
          lat.push(seen.t - t);
          sent.delete(seen.ew);
        }
      }
      return { w, lat };
    };
    const summarize = (
      name: string,
      players: number,
      coalesceMs: number,
      runs: { w: Window; lat: number[] }[],
    ): Scenario => {
      const med = (f: (w: Window) => number) => {
        const v = runs.map((r) => f(r.w)).sort((x, y) => x - y);
        return v[Math.floor(v.length / 2)];
      };
      const lat = runs.flatMap((r) => r.lat);
      const sc: Scenario = {
        name,
        players,
        coalesceMs,
        seconds: runs.reduce((t, r) => t + r.w.seconds, 0),
        fps: med((w) => w.fps),
        busyPerS: med((w) => w.busyPerS),
        heapMb: runs.at(-1)!.w.heapMb,
        mapDrawsPerS: med((w) => w.mapDrawsPerS),
        rounds: runs.map((r) => ({ fps: r.w.fps, busyPerS: r.w.busyPerS })),
      };
      if (lat.length)
        sc.latency = {
          samples: lat.length,
          p50Ms: pct(lat, 0.5),
          p95Ms: pct(lat, 0.95),
          p99Ms: pct(lat, 0.99),
          maxMs: Math.max(...lat),
        };
      say(
        `  ${name}: ${sc.fps.toFixed(1)} fps, main thread busy ${(100 * sc.busyPerS).toFixed(1)}%, heap ${sc.heapMb.toFixed(1)} MB${sc.latency ? `, event->screen p50 ${sc.latency.p50Ms} ms p95 ${sc.latency.p95Ms} ms` : ''}`,
      );
      return sc;
    };

    say('baseline: the page with the markers and no players');
    const idle = await open(250);
    await new Promise((r) => setTimeout(r, Math.min(o.warmupS, 5) * 1000));
    const base0 = [];
    for (let r = 0; r < o.rounds; r++) base0.push(await windowOf(idle, false));
    scenarios.push(summarize('baseline (markers, no players)', 0, 250, base0));
    await idle.page.close();

    // Both player pages stay open (trails fill on both during one warm-up) and are
    // measured in turns, so load from elsewhere on the shared machine falls on both alike.
    fleet = await startFleet(wsUrl, SECRET, o.players);
    const coalesced = await open(250);
    const perEvent = await open(0);
    for (const p of [coalesced, perEvent])
      await waitFor(
        `${o.players} players on the page`,
        async () =>
          (await p.page.evaluate(() => (globalThis as any).__tracker.store.players.size as number)) >= o.players,
      );
    say(`warm-up ${o.warmupS} s (trails fill)`);
    await new Promise((r) => setTimeout(r, o.warmupS * 1000));
    const runs: { w: Window; lat: number[] }[][] = [[], []];
    for (let r = 0; r < o.rounds; r++) {
      say(`round ${r + 1} of ${o.rounds}`);
      runs[0].push(await windowOf(coalesced, true));
      runs[1].push(await windowOf(perEvent, true));
    }
    scenarios.push(summarize(`${o.players} players, coalesce_ms=250 (the page's default)`, o.players, 250, runs[0]));
    scenarios.push(summarize(`${o.players} players, coalesce_ms=0 (one message per event)`, o.players, 0, runs[1]));
    // After the windows: select a player so the screenshot shows the charts too.
    await perEvent.page.close();
    await coalesced.page.locator('#players-list button').first().click();
    await waitFor('charts', async () => (await coalesced.page.locator('#charts figure').count()) === 4).catch(() => {});
    // Fit everyone, then zoom in twice so names and trails can be read.
    await coalesced.page.locator('#map').focus();
    for (const key of ['0', '+', '+', '+']) await coalesced.page.keyboard.press(key);
    await new Promise((r) => setTimeout(r, 1500));
    await coalesced.page.screenshot({ path: join(o.outDir, 'ui-players.png') });
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
  writeFileSync(
    join(o.outDir, 'ui-latest.json'),
    JSON.stringify(
      {
        at,
        command: `npm run bench -- --ui --ui-players ${o.players} --ui-spawns ${o.spawns} --ui-duration ${o.durationS} --ui-warmup ${o.warmupS} --ui-rounds ${o.rounds}`,
        options: o,
        scenarios,
      },
      null,
      2,
    ),
  );
  const f1 = (x: number) => x.toFixed(1);
  const lines = [
    `UI benchmark, ${at}: headless chromium 1280×800, ${o.spawns.toLocaleString('en-US')} spawn markers, players at 1 Hz each; ${o.rounds} rounds of ${o.durationS} s windows per scenario (median shown), the two player pages open together and measured in turns after ${o.warmupS} s of warm-up (the trail window is 120 s); app, NATS, PostgreSQL, load and browser share the machine.`,
    '',
    '| scenario | fps | main thread busy | × baseline | per round: fps / busy | JS heap MB | map draws/s | event → screen p50 / p95 / p99 ms |',
    '|---|---|---|---|---|---|---|---|',
    ...scenarios.map(
      (s) =>
        `| ${s.name} | ${f1(s.fps)} | ${f1(100 * s.busyPerS)}% | ${baseline.busyPerS > 0 ? `${(s.busyPerS / baseline.busyPerS).toFixed(1)}×` : '–'} | ${s.rounds.map((r) => `${f1(r.fps)} / ${f1(100 * r.busyPerS)}%`).join(', ')} | ${f1(s.heapMb)} | ${f1(s.mapDrawsPerS)} | ${s.latency ? `${s.latency.p50Ms} / ${s.latency.p95Ms} / ${s.latency.p99Ms} (${s.latency.samples} samples)` : '–'} |`,
    ),
    '',
    'Targets at 1,000 players: ≥ 30 fps and < 50% main-thread busy.',
  ];
  const main = scenarios[1];
  if (main)
    lines.push(
      `Met: fps ${main.fps >= 30 ? 'yes' : 'NO'} (${f1(main.fps)}), main thread ${main.busyPerS < 0.5 ? 'yes' : 'NO'} (${f1(100 * main.busyPerS)}%).`,
    );
  writeFileSync(join(o.outDir, 'ui-latest.md'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
