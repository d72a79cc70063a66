// Alerts on the web page (docs/web.md: Alerts) in a real headless chromium against the
// real stack, the alerts role included: a death sent over /ws/position makes the alerts
// role raise an alert, which shows in a toast and first in the Alerts panel, with a badge
// in Players and a ring on the map. Around it: alerts stored before the page opened come
// from GET /alerts (open first, then resolved); a toast can be dismissed and goes away by
// itself; a resolve unmarks the character; a burst becomes one summary toast. Besides the
// role's own, alerts are written the way it writes them: a row in `alerts`
// (sql/190_alerts.sql) for the snapshot, the Alert JSON on `<prefix>.alert.<token>` for
// the live feed (docs/protocol.md §7). Screenshots: SCREENSHOT_DIR (alerts-*.png).
import t from 'tap';
import type { Page } from 'playwright-core';
import { whenCaughtUp } from '../helpers/stack.js';
import { alertSubjectFor } from '../../src/shared/subjects.js';
import { TOAST_SETTINGS } from '../../web/src/alert-book.js';
import type { Alert } from '../../web/src/types.js';
import { startWebApp, openPage, openPluginTo, sendEvents, screenshot, telemetryEvent, type WebApp } from './helpers.js';

const iso = (ms: number) => new Date(ms).toISOString();
const GRACE_S = 1;
let n = 0;
const alertOf = (character_name: string, kind: Alert['kind'], over: Partial<Alert> = {}): Alert => ({
  id: `e2e-${kind}-${n++}`,
  character_name,
  kind,
  state: 'open',
  started_at: iso(Date.now() - 1000),
  resolved_at: null,
  detail: {},
  ...over,
});

async function insertAlert(w: WebApp, a: Alert): Promise<void> {
  await w.app.rt.pool.query(
    'insert into alerts (id, character_name, kind, started_at, resolved_at, detail) values ($1, $2, $3, $4, $5, $6)',
    [a.id, a.character_name, a.kind, a.started_at, a.resolved_at, a.detail],
  );
}
/** What the alerts role publishes for an open or a resolve (docs/alerts.md). */
const publishAlert = (w: WebApp, a: Alert) =>
  w.app.rt.nc.publish(alertSubjectFor(w.cfg.SUBJECT_PREFIX, a.character_name), JSON.stringify({ type: 'alert', ...a }));

const panelRows = (page: Page, list: 'open' | 'resolved') =>
  page.locator(`#alerts-${list} button`).evaluateAll((bs) => bs.map((b) => b.textContent ?? ''));
const toastTexts = (page: Page) => page.getByRole('alert').allTextContents();
/**
 * Whether a player at a game position is ringed in the alert colour: the alert ring is
 * drawn 6.5 px from the dot's centre, 2 px wide (web/src/map/render.ts); its left side is
 * read (the name is drawn on the right), any opaque red pixel 5 to 8 px out.
 */
const ringed = (page: Page, ew: number, ns: number) =>
  page.evaluate(
    ([ew, ns]) => {
      const g = globalThis as any;
      const view = g.__tracker.view;
      const canvas = g.document.getElementById('map');
      const dpr = canvas.width / view.width;
      const y = Math.round(view.y(ns) * dpr);
      const x0 = Math.round((view.x(ew) - 8) * dpr);
      const d = canvas.getContext('2d').getImageData(x0, y, Math.max(1, Math.round(3 * dpr)) + 1, 1).data;
      for (let i = 0; i < d.length; i += 4)
        if (d[i + 3] > 200 && d[i] > 200 && d[i + 1] < 110 && d[i + 2] < 110) return true;
      return false;
    },
    [ew, ns],
  );

t.test('alerts on the page against the real stack', async (t) => {
  // The alerts role runs in the app (ROLES default); a death burst closes GRACE_S after its first death.
  const w = await startWebApp({ ALERT_GRACE_SECONDS: String(GRACE_S) });
  t.teardown(() => w.stop());
  const plugin = await openPluginTo(w);
  t.teardown(() => plugin.close());
  await sendEvents(plugin, [
    telemetryEvent('Ann Lee', { ew: 10, ns: 20, kills: 7 }),
    telemetryEvent('Bob Ray', { ew: 14, ns: 16, kills: 2 }),
    telemetryEvent('Old Timer', { ew: 6, ns: 24, kills: 1 }),
  ]);
  const offline = alertOf('Old Timer', 'offline', {
    started_at: iso(Date.now() - 10 * 60_000),
    detail: { last_received_at: iso(Date.now() - 15 * 60_000), after_seconds: 300 },
  });
  const idle = alertOf('Bob Ray', 'idle', {
    state: 'resolved',
    started_at: iso(Date.now() - 3 * 3600_000),
    resolved_at: iso(Date.now() - 2 * 3600_000),
    detail: { ew: 14, ns: 16, kills: 2, after_seconds: 600 },
  });
  await insertAlert(w, offline);
  await insertAlert(w, idle);

  const ui = await openPage(`${w.base}/`);
  t.teardown(() => ui.close());
  const { page } = ui;
  await whenCaughtUp(async () => (await page.locator('#conn').getAttribute('data-state')) === 'live', {
    what: 'live feed connected',
    timeoutMs: 20000,
  });

  await t.test('the snapshot: open alerts first, then resolved ones; the alerting character is marked', async (t) => {
    const panel = page.getByRole('region', { name: 'Alerts', exact: true });
    t.ok(await panel.isVisible(), 'region Alerts visible');
    await whenCaughtUp(async () => (await panelRows(page, 'open')).length === 1, { what: 'the open alert listed' });
    t.match((await panelRows(page, 'open'))[0], /^offline\s*Old Timer.*after 300 s.*since 10 min ago/);
    t.match((await panelRows(page, 'resolved'))[0], /^idle\s*Bob Ray.*at 14, 16.*resolved 2 h ago/);
    t.match(await page.locator('#alerts-count').textContent(), '(1 open)');
    const oldTimer = page.locator('#players-list button[data-name="Old Timer"]');
    await whenCaughtUp(async () => (await oldTimer.getByRole('img', { name: 'alert: offline' }).count()) === 1, {
      what: 'Players: the offline badge',
    });
    t.equal(
      await page.locator('#players-list button[data-name="Bob Ray"] .kind-tag').count(),
      0,
      'no badge for a resolved alert',
    );
    t.equal((await toastTexts(page)).length, 0, 'no toast for alerts already open when the page loaded');
    await whenCaughtUp(async () => await ringed(page, 6, 24), {
      what: 'map: ring around Old Timer',
    });
    t.notOk(await ringed(page, 14, 16), 'map: no ring around Bob Ray');
    await screenshot(page, 'alerts-01-snapshot');
  });

  await t.test('a death sent over /ws/position: a toast, a row in the panel, a badge and a ring', async (t) => {
    // The deaths counter rises twice inside the grace period: one alert with count 2 (docs/alerts.md "Kinds").
    const t0 = Date.now();
    const at = (ms: number) => ({ timestamp: iso(t0 + ms) });
    const sent = Date.now();
    await sendEvents(plugin, [
      telemetryEvent('Ann Lee', { ew: 10, ns: 20, kills: 8, deaths: 4, ...at(0) }),
      telemetryEvent('Ann Lee', { ew: 10, ns: 20, kills: 8, deaths: 5, ...at(10) }),
      telemetryEvent('Ann Lee', { ew: 10, ns: 20, kills: 8, deaths: 6, ...at(20) }),
    ]);
    await whenCaughtUp(async () => (await toastTexts(page)).some((x) => x.includes('Ann Lee')), {
      what: 'the death toast',
      timeoutMs: 15_000,
    });
    const took = Date.now() - sent;
    t.ok(took < GRACE_S * 1000 + 3000, `toast ${took} ms after the deaths were sent (grace ${GRACE_S} s)`);
    t.match((await toastTexts(page))[0], /death\s*Ann Lee · 2 deaths · deaths counter 6/);
    // Resolved as it is raised: the newest of the resolved ones.
    await whenCaughtUp(async () => (await panelRows(page, 'resolved'))[0]?.includes('Ann Lee'), {
      what: 'the death listed',
    });
    t.match((await panelRows(page, 'resolved'))[0], /^death\s*Ann Lee · 2 deaths · deaths counter 6 · .*\(\d+ s ago\)/);
    const ann = page.locator('#players-list button[data-name="Ann Lee"]');
    await whenCaughtUp(async () => (await ann.getByRole('img', { name: 'alert: death' }).count()) === 1, {
      what: 'Players: the death badge',
    });
    t.match(await ann.getAttribute('title'), /\(alert: death\)/, 'the row title names the alert');
    await whenCaughtUp(async () => await ringed(page, 10, 20), {
      what: 'map: ring around Ann Lee',
    });
    await screenshot(page, 'alerts-02-live-death');
  });

  await t.test('the toast is dismissed by its button, and a later one goes away by itself', async (t) => {
    publishAlert(w, alertOf('Bob Ray', 'offline', { detail: { after_seconds: 300 } }));
    const bobs = page.getByRole('alert').filter({ hasText: 'Bob Ray' });
    await bobs.first().waitFor({ timeout: 5000 });
    await bobs.first().getByRole('button', { name: 'Dismiss' }).click();
    await whenCaughtUp(async () => (await bobs.count()) === 0, { what: 'dismissed', timeoutMs: 2000 });
    t.pass('the Dismiss button removes the toast');
    // A toast under the pointer stays (web/src/panels/toasts.ts): move the pointer away.
    await page.mouse.move(5, 5);
    // Let every earlier toast time out, so the next one is alone on screen.
    await whenCaughtUp(async () => (await toastTexts(page)).length === 0, {
      what: 'earlier toasts gone',
      timeoutMs: TOAST_SETTINGS.shownMs + 4000,
    });
    const shown = Date.now();
    publishAlert(w, alertOf('Bob Ray', 'client', { detail: { over: { mem_mb: 2100 }, thresholds: { mem_mb: 2000 } } }));
    await whenCaughtUp(async () => (await toastTexts(page)).length === 1, { what: 'the client toast' });
    t.match((await toastTexts(page))[0], /client\s*Bob Ray · mem_mb 2100 > 2000/);
    await whenCaughtUp(async () => (await toastTexts(page)).length === 0, {
      what: 'the toast gone by itself',
      timeoutMs: TOAST_SETTINGS.shownMs + 4000,
    });
    const lasted = Date.now() - shown;
    t.ok(lasted >= TOAST_SETTINGS.shownMs - 500, `shown for about ${TOAST_SETTINGS.shownMs} ms (${lasted} ms)`);
  });

  await t.test('a resolve moves the alert to Resolved and unmarks the character', async (t) => {
    publishAlert(w, { ...offline, state: 'resolved', resolved_at: iso(Date.now()) });
    await whenCaughtUp(async () => (await panelRows(page, 'resolved')).some((x) => x.includes('Old Timer')), {
      what: 'Old Timer resolved',
    });
    t.notOk(
      (await panelRows(page, 'open')).some((x) => x.includes('Old Timer')),
      'no longer open',
    );
    await whenCaughtUp(
      async () => (await page.locator('#players-list button[data-name="Old Timer"] .kind-tag').count()) === 0,
      { what: 'Players: badge gone' },
    );
    await whenCaughtUp(async () => !(await ringed(page, 6, 24)), { what: 'map: ring gone' });
    t.equal((await toastTexts(page)).length, 0, 'a resolve shows no toast');
  });

  await t.test('a burst of alerts is one summary toast', async (t) => {
    for (let i = 0; i < 12; i++) publishAlert(w, alertOf(`Burst ${i}`, 'offline'));
    await whenCaughtUp(async () => (await panelRows(page, 'open')).filter((x) => x.includes('Burst')).length === 12, {
      what: 'twelve alerts listed',
    });
    const toasts = await toastTexts(page);
    t.ok(toasts.length <= TOAST_SETTINGS.visibleMax, `${toasts.length} toasts on screen`);
    t.ok(
      toasts.some((x) => /\d+ new alerts/.test(x)),
      `a summary toast: ${JSON.stringify(toasts)}`,
    );
    await screenshot(page, 'alerts-03-burst');
  });

  await t.test('no console error and no failed request', async (t) => {
    t.same(ui.problems, []);
  });
});

t.test('phone width: the Alerts region fits and toasts stay on screen', async (t) => {
  const w = await startWebApp();
  t.teardown(() => w.stop());
  await insertAlert(
    w,
    alertOf('Ann Lee', 'offline', { detail: { last_received_at: iso(Date.now()), after_seconds: 300 } }),
  );
  const ui = await openPage(`${w.base}/`, { width: 390, height: 844 });
  t.teardown(() => ui.close());
  const { page } = ui;
  await whenCaughtUp(async () => (await panelRows(page, 'open')).length === 1, { what: 'the alert listed' });
  const region = page.getByRole('region', { name: 'Alerts', exact: true });
  await region.scrollIntoViewIfNeeded();
  const box = (await region.boundingBox())!;
  t.ok(box.x >= 0 && box.x + box.width <= 390, `Alerts fits the width (${box.x}..${box.x + box.width})`);
  publishAlert(w, alertOf('Bob Ray', 'idle', { detail: { ew: 1, ns: 2, kills: 0, after_seconds: 600 } }));
  const toast = page.getByRole('alert').first();
  await toast.waitFor({ timeout: 5000 });
  const tb = (await toast.boundingBox())!;
  t.ok(tb.x >= 0 && tb.x + tb.width <= 390, `the toast fits the width (${tb.x}..${tb.x + tb.width})`);
  await screenshot(page, 'alerts-04-phone');
  t.same(ui.problems, [], 'no console error and no failed request');
});
