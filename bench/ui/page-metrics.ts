// In-page measurement for the UI benchmark, through Chrome DevTools Protocol metrics
// (TaskDuration = main-thread busy time, JSHeapUsedSize) and a requestAnimationFrame
// counter (frames per second), plus the probe's first drawn frame at each new position.
import type { Page, CDPSession } from 'playwright-core';

export interface Window {
  seconds: number;
  fps: number;
  busyPerS: number;
  heapMb: number;
  mapDrawsPerS: number;
}

const metric = (m: { metrics: { name: string; value: number }[] }, name: string) =>
  m.metrics.find((x) => x.name === name)?.value ?? 0;

/** Installs the frame counter and the probe watcher in the page. */
export async function instrument(page: Page): Promise<CDPSession> {
  await page.evaluate(() => {
    const g = globalThis as any;
    g.__bench = { frames: 0, seen: [] as { ew: number; t: number }[] };
    const tick = () => {
      g.__bench.frames++;
      g.requestAnimationFrame(tick);
    };
    g.requestAnimationFrame(tick);
    let last = NaN;
    g.__tracker.renderer.afterDraw.push(() => {
      const p = g.__tracker.store.players.get('ui-probe');
      if (p && p.ew !== last) {
        last = p.ew;
        g.__bench.seen.push({ ew: p.ew, t: Date.now() });
      }
    });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return cdp;
}

/** Measures one window of `seconds`. */
export async function measureWindow(page: Page, cdp: CDPSession, seconds: number): Promise<Window> {
  const read = async () => ({
    m: (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] },
    frames: await page.evaluate(() => (globalThis as any).__bench.frames as number),
    draws: await page.evaluate(() => (globalThis as any).__tracker.renderer.stats.frames as number),
    t: Date.now(),
  });
  const a = await read();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = await read();
  const s = (b.t - a.t) / 1000;
  return {
    seconds: s,
    fps: (b.frames - a.frames) / s,
    busyPerS: (metric(b.m, 'TaskDuration') - metric(a.m, 'TaskDuration')) / s,
    heapMb: metric(b.m, 'JSHeapUsedSize') / 2 ** 20,
    mapDrawsPerS: (b.draws - a.draws) / s,
  };
}

export const probeSeen = (page: Page) =>
  page.evaluate(() => (globalThis as any).__bench.seen as { ew: number; t: number }[]);
