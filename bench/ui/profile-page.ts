// One-off diagnosis (not part of `npm run bench`): CPU profile of the page under the
// fleet, top self-time functions. `node dist/bench/ui/profile-page.js [coalesce_ms] [warmup_s]`.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig, resolveServices } from '../../src/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { startApp } from '../../src/app.js';
import { projectRoot } from '../../src/shared/project-root.js';
import { startBenchStack, benchDatabase } from '../lib/stack.js';
import { launchChromium } from '../../scripts/chromium.js';
import { startFleet } from './players.js';

const coalesce = Number(process.argv[2] ?? 0);
const warmupS = Number(process.argv[3] ?? 8);
const stack = await startBenchStack({ fastPg: true });
const db = await benchDatabase(stack, 'prof');
const id = randomBytes(3).toString('hex');
const cfg = resolveServices(
  loadConfig({
    NATS_URL: stack.natsUrl,
    DATABASE_URL: db.url,
    STREAM_NAME: `P_${id}`,
    SUBJECT_PREFIX: `p${id}`,
    CONSUMER_NAME: `p_${id}`,
    PORT: '0',
    PLUGIN_SECRET: 'prof-secret-1',
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'warn',
    API_WEB_DIR: join(projectRoot(), 'dist', 'web'),
  }),
  {},
);
const app = await startApp(cfg, createLogger('warn', 'prof'));
const fleet = await startFleet(`ws://127.0.0.1:${app.port}/ws/position`, 'prof-secret-1', 1000);
const browser = await launchChromium();
const page = await browser.context.newPage();
let msgs = 0;
page.on('websocket', (ws) =>
  ws.on('framereceived', () => {
    msgs++;
  }),
);
await page.goto(`http://127.0.0.1:${app.port}/?coalesce_ms=${coalesce}`);
await new Promise((r) => setTimeout(r, warmupS * 1000));
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.start');
const m0 = msgs;
await new Promise((r) => setTimeout(r, 8000));
const { profile } = (await cdp.send('Profiler.stop')) as {
  profile: {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  };
};
console.log(`ws frames/s: ${((msgs - m0) / 8).toFixed(0)}`);
const self = new Map<string, number>();
let total = 0;
for (const n of profile.nodes) {
  const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
  self.set(k, (self.get(k) ?? 0) + (n.hitCount ?? 0));
  total += n.hitCount ?? 0;
}
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
await fleet.stop();
await browser.close();
await app.stop();
await db.drop();
await stack.stop();
process.exit(0);
