// Helpers for the browser tests: the whole app (edge + ingest + API) in-process on the
// shared real NATS and PostgreSQL, serving a web build made for this test file; a
// headless Debian chromium (scripts/chromium.ts); a plugin client; screenshots.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startApp, type RunningApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { projectRoot } from '../../src/shared/project-root.js';
import type { ResolvedConfig } from '../../src/config.js';
import { buildWeb } from '../../scripts/build-web.js';
import { launchChromium, type Browser } from '../../scripts/chromium.js';
import { testConfig } from '../helpers/stack.js';
import { openClient, type Client, SECRET } from '../edge/helpers.js';

/** Where the browser tests save their screenshots (tap's output folder, ignored by git). */
export const SCREENSHOT_DIR = join(projectRoot(), '.tap', 'screenshots', 'web');

let built: Promise<string> | undefined;
/** One web build per test process, in a temp dir (never touches dist/). */
export const webDir = () =>
  (built ??= (async () => (await buildWeb(mkdtempSync(join(tmpdir(), 'tracker-web-')))).outDir)());

export interface WebApp {
  app: RunningApp;
  cfg: ResolvedConfig;
  base: string;
  stop(): Promise<void>;
}

export async function startWebApp(overrides: Record<string, string> = {}): Promise<WebApp> {
  const cfg = await testConfig({ PLUGIN_SECRET: SECRET, API_WEB_DIR: await webDir(), ...overrides });
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL, 'web-test'));
  return { app, cfg, base: `http://127.0.0.1:${app.port}`, stop: () => app.stop() };
}

export const openPluginTo = (w: WebApp): Promise<Client> =>
  openClient(`${w.base.replace('http', 'ws')}/ws/position?ack=1`, { 'X-Plugin-Secret': SECRET });

/** Sends events and waits for their ack (stored in JetStream; chat handed to NATS). */
export async function sendEvents(plugin: Client, events: unknown[]): Promise<void> {
  const before = plugin.received.length;
  plugin.send(events);
  await plugin.next((m) => m.type === 'ack' && plugin.received.indexOf(m) >= before, 10000);
}

export interface PageUnderTest {
  page: Page;
  problems: string[];
  browser: Browser;
  close(): Promise<void>;
}

/** Opens the page, recording console errors, page errors, failed requests and HTTP errors. */
export async function openPage(url: string, viewport = { width: 1280, height: 800 }): Promise<PageUnderTest> {
  const browser = await launchChromium(viewport);
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} (at ${m.location().url}:${m.location().lineNumber})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url);
  return { page, problems, browser, close: () => browser.close() };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

let n = 0;
const now = () => new Date(Date.now() - 50 + (n++ % 50)).toISOString();
export const uid = () => `${Date.now().toString(36)}-${(n++).toString(36)}`;
export const telemetryEvent = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'telemetry',
  character_name: name,
  timestamp: now(),
  event_id: uid(),
  ew: 10,
  ns: 20,
  z: 0,
  ...extra,
});
export const spawnEvent = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'spawn',
  character_name: name,
  timestamp: now(),
  event_id: uid(),
  mob: 'Drudge Skulker',
  ew: 11,
  ns: 21,
  ...extra,
});
export const rareEvent = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'rare',
  character_name: name,
  timestamp: now(),
  event_id: uid(),
  name: 'Pyreal Sword',
  ew: 12,
  ns: 19,
  ...extra,
});
export const chatEvent = (name: string, text: string) => ({
  type: 'chat',
  character_name: name,
  timestamp: now(),
  event_id: uid(),
  text,
});
