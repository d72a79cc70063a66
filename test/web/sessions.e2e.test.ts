// The Character panel's lifetime totals and session list (docs/web.md) in a real headless
// chromium against the real stack: two play sessions sent through /ws/position (edge ->
// JetStream -> ingest -> TimescaleDB), then the page shows the totals and one row per
// session with start, duration, kills gained, kph and rares; choosing a row (by click or
// by keyboard) sets the charts' range to that session and the URL follows; a range button
// takes the charts back to a range. Screenshots: SCREENSHOT_DIR/sessions-*.png.
import t from 'tap';
import type { Page } from 'playwright-core';
import { whenCaughtUp } from '../helpers/stack.js';
import {
  startWebApp,
  openPage,
  openPluginTo,
  sendEvents,
  screenshot,
  telemetryEvent,
  rareEvent,
  type PageUnderTest,
  type WebApp,
} from './helpers.js';

const WHO = 'Sess Sam';
const MIN = 60_000;
const now = Date.now();
/** Two sessions an hour apart: [first sample, kills per sample, kills_per_hour per sample]. */
const OLD = { id: 'night-1', startMs: now - 3 * 60 * MIN, kills: [100, 104, 110, 111, 120], kph: [40, 50, 60, 55, 70] };
const NEW = { id: 'night-2', startMs: now - 60 * MIN, kills: [120, 121, 125], kph: [30, 35, 40] };
const iso = (ms: number) => new Date(ms).toISOString();
const samples = (s: typeof OLD) =>
  s.kills.map((kills, i) =>
    telemetryEvent(WHO, {
      timestamp: iso(s.startMs + i * MIN),
      session_id: s.id,
      kills,
      deaths: 3,
      kills_per_hour: s.kph[i],
      ew: 10 + i,
      ns: 20,
      latency_ms: 40 + i,
    }),
  );
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The span the charts show, from the page's own state (the browser tests read it). */
const chartSpan = (page: Page) =>
  page.evaluate(() => (globalThis as any).__tracker.character.span as { fromMs: number; toMs: number } | undefined);
const urlSpan = (page: Page) => {
  const q = new URL(page.url()).searchParams;
  return { from: q.get('from'), to: q.get('to') };
};

t.test('lifetime totals and sessions in the Character panel', async (t) => {
  const w: WebApp = await startWebApp();
  t.teardown(() => w.stop());
  const plugin = await openPluginTo(w);
  t.teardown(() => plugin.close());
  // One rare inside the newer session, one outside both.
  await sendEvents(plugin, [
    ...samples(OLD),
    ...samples(NEW),
    rareEvent(WHO, { timestamp: iso(NEW.startMs + MIN + 5000), name: 'Pyreal Sword' }),
    rareEvent(WHO, { timestamp: iso(NEW.startMs - 30 * MIN), name: 'Gold Key' }),
  ]);
  await whenCaughtUp(
    async () => {
      const r = await fetch(`${w.base}/sessions?character=${encodeURIComponent(WHO)}&from=${iso(now - 86400e3)}`);
      const body = (await r.json()) as { sessions: { samples: number }[] };
      return body.sessions.length === 2 && body.sessions.every((s) => s.samples >= 3);
    },
    { what: 'both sessions stored' },
  );

  const ui: PageUnderTest = await openPage(`${w.base}/?character=${encodeURIComponent(WHO)}&range=1h`);
  t.teardown(() => ui.close());
  const { page } = ui;

  await t.test('the totals show what was sent', async (t) => {
    const totals = page.getByRole('region', { name: 'Lifetime totals' });
    await whenCaughtUp(async () => (await totals.locator('dd[data-total="kills"]').textContent()) === '25', {
      what: 'kills total shown',
    });
    // Gains: (111 - 100 and 120 - 111 over the old session's steps) + (125 - 120).
    t.equal(await totals.locator('dd[data-total="kills"]').textContent(), String(20 + 5), 'kills gained');
    t.equal(await totals.locator('dd[data-total="sessions"]').textContent(), '2', 'two sessions');
    t.equal(await totals.locator('dd[data-total="rares"]').textContent(), '2', 'every rare of the character');
    t.equal(await totals.locator('dd[data-total="online"]').textContent(), '6m', '4 min + 2 min online');
    t.match(await totals.locator('dd[data-total="best_session"]').textContent(), /^20 kills, /, 'the best session');
  });

  const rows = page.getByRole('list', { name: 'Sessions' }).getByRole('button');
  await t.test('one row per session, newest first, with start, duration, kills, kph and rares', async (t) => {
    await whenCaughtUp(async () => (await rows.count()) === 2, { what: 'two session rows' });
    const cells = async (i: number) => ({
      kills: await rows.nth(i).locator('[data-col="kills"]').textContent(),
      kph: await rows.nth(i).locator('[data-col="kph"]').textContent(),
      rares: await rows.nth(i).locator('[data-col="rares"]').textContent(),
      label: await rows.nth(i).getAttribute('aria-label'),
    });
    const newest = await cells(0),
      oldest = await cells(1);
    t.same(
      { kills: newest.kills, kph: newest.kph, rares: newest.rares },
      { kills: '5', kph: mean(NEW.kph).toFixed(1), rares: '1' },
      'newest session: kills gained, mean kph, the rare inside it',
    );
    t.same(
      { kills: oldest.kills, kph: oldest.kph, rares: oldest.rares },
      { kills: '20', kph: mean(OLD.kph).toFixed(1), rares: '0' },
      'older session',
    );
    t.match(newest.label, /^Session started .+: 2m, 5 kills gained/, 'the row names its start and duration');
    t.match(oldest.label, /: 4m, 20 kills gained/, 'the older row: 4 minutes');
    await screenshot(page, 'sessions-listed');
  });

  await t.test('clicking a row charts that session and the URL follows', async (t) => {
    await rows.nth(1).click();
    await whenCaughtUp(async () => (await chartSpan(page))?.fromMs === OLD.startMs, { what: 'span set' });
    const span = (await chartSpan(page))!;
    t.equal(span.toMs, OLD.startMs + 4 * MIN + 1, 'to the last sample, inclusive');
    t.equal(await rows.nth(1).getAttribute('aria-pressed'), 'true', 'the row shows as chosen');
    t.equal(await page.locator('.ranges button[aria-pressed="true"]').count(), 0, 'no range button is pressed');
    await whenCaughtUp(async () => urlSpan(page).from === iso(OLD.startMs), { what: 'URL has the span' });
    t.same(urlSpan(page), { from: iso(OLD.startMs), to: iso(OLD.startMs + 4 * MIN + 1) }, 'URL from/to');
    const xs = await whenCaughtUp(
      async () => {
        const d = await page.evaluate(() => (globalThis as any).__tracker.character.dump().latency_ms?.x as number[]);
        return d?.length === OLD.kills.length ? d : undefined;
      },
      { what: 'latency chart of the session' },
    );
    t.same(
      xs,
      OLD.kills.map((_, i) => (OLD.startMs + i * MIN) / 1000),
      'the chart holds exactly the session’s samples',
    );
    await screenshot(page, 'sessions-chosen');
  });

  await t.test('rows are reachable by keyboard', async (t) => {
    await rows.nth(0).focus();
    await page.keyboard.press('Enter');
    await whenCaughtUp(async () => (await chartSpan(page))?.fromMs === NEW.startMs, { what: 'span set by Enter' });
    t.equal(await rows.nth(0).getAttribute('aria-pressed'), 'true', 'the newest row is chosen');
    t.equal(await rows.nth(1).getAttribute('aria-pressed'), 'false', 'the other is not');
  });

  await t.test('a link with the span reproduces it; a range button goes back to a range', async (t) => {
    const fresh = await openPage(page.url());
    t.teardown(() => fresh.close());
    await whenCaughtUp(async () => (await chartSpan(fresh.page))?.fromMs === NEW.startMs, { what: 'span from URL' });
    t.pass('the span came from the URL');
    await page.locator('.ranges button[data-range="24h"]').click();
    await whenCaughtUp(async () => (await chartSpan(page)) === undefined && urlSpan(page).from === null, {
      what: 'span cleared',
    });
    t.match(page.url(), /range=24h/, 'the range is in the URL again');
    t.same(fresh.problems, [], 'the linked page: no console error, no failed request');
  });

  t.same(ui.problems, [], 'no console error, no failed request');
});
