// Headless Debian chromium for the browser tests (test/web) and the UI benchmark
// (bench --ui), driven by playwright-core. scripts/provision-chromium.sh installs the
// OS package when it is missing; no browser is ever downloaded.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { projectRoot } from '../src/shared/project-root.js';

/**
 * Flags this machine needs: no sandbox as root, no GPU, and no background networking
 * (without those, chromium floods a closed network with connection attempts).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  const r = spawnSync('bash', [join(projectRoot(), 'scripts', 'provision-chromium.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const path = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !path)
    throw new Error(`chromium is not available (scripts/provision-chromium.sh exited ${r.status ?? r.signal})`);
  return path;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A headless chromium with a fresh user-data dir (removed on close). */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'tracker-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
