// The web page in a real headless chromium against the real stack (edge, ingest, API,
// NATS, PostgreSQL): loads clean, shows live telemetry, spawns, rares and chat, draws
// the four metric charts from /history, recovers after the live feed drops, keeps its
// view in the URL and shows every region at phone width. Screenshots: SCREENSHOT_DIR.
import t from 'tap';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { whenCaughtUp } from '../helpers/stack.js';
import { startDropProxy } from './drop-proxy.js';
import {
  startWebApp,
  openPage,
  openPluginTo,
  sendEvents,
  screenshot,
  telemetryEvent,
  spawnEvent,
  rareEvent,
  chatEvent,
  type PageUnderTest,
  type WebApp,
} from './helpers.js';

const REGIONS = ['Map', 'Players', 'Spawns', 'Rares', 'Chat'];
const METRICS = ['latency_ms', 'mem_mb', 'cpu_pct', 'mem_handles'];

const connState = (page: Page) => page.locator('#conn').getAttribute('data-state');
/** RGB at a game position on the map: the topmost layer canvas that is not transparent there. */
const pixelAt = (page: Page, ew: number, ns: number) =>
  page.evaluate(
    ([ew, ns]) => {
      const g = globalThis as any;
      const tr = g.__tracker;
      const layers = [...g.document.querySelectorAll('#map-region canvas')].reverse() as any[];
      for (const canvas of layers) {
        const dpr = canvas.width / tr.view.width;
        const d = canvas
          .getContext('2d')
          .getImageData(Math.round(tr.view.x(ew) * dpr), Math.round(tr.view.y(ns) * dpr), 1, 1).data;
        if (d[3] > 0) return [d[0], d[1], d[2]];
      }
      return [-1, -1, -1];
    },
    [ew, ns],
  );
interface DrawnText {
  text: string;
  font: string;
  /** The ink's box in CSS pixels (measureText's actual bounding box at the call's position). */
  left: number;
  right: number;
  top: number;
  bottom: number;
}
/** What one whole frame wrote on the map's top canvas (names): its fillText calls, recorded from one draw to the next. */
const textDrawn = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<DrawnText[]>((resolve) => {
        const g = globalThis as any;
        const ctx = g.document.getElementById('map').getContext('2d');
        const hooks: (() => void)[] = g.__tracker.renderer.afterDraw;
        let frame: DrawnText[] | undefined;
        ctx.fillText = function (text: string, x: number, y: number, ...rest: number[]) {
          const m = ctx.measureText(text);
          frame?.push({
            text,
            font: ctx.font,
            left: x - m.actualBoundingBoxLeft,
            right: x + m.actualBoundingBoxRight,
            top: y - m.actualBoundingBoxAscent,
            bottom: y + m.actualBoundingBoxDescent,
          });
          return g.CanvasRenderingContext2D.prototype.fillText.call(this, text, x, y, ...rest);
        };
        const after = () => {
          if (!frame) {
            frame = [];
            return;
          }
          delete ctx.fillText;
          hooks.splice(hooks.indexOf(after), 1);
          resolve(frame);
        };
        hooks.push(after);
      }),
  );
const overlap = (a: DrawnText, b: DrawnText) =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const LIST_PANELS = ['players', 'spawns', 'rares'];
/** List panels wider inside than their box (a horizontal scrollbar), with both widths. */
const overflowingPanels = (page: Page) =>
  page.evaluate((ids) => {
    const d = (globalThis as any).document;
    return ids
      .map((id) => d.getElementById(id))
      .filter((e) => e.scrollWidth > e.clientWidth)
      .map((e) => `${e.id}: scrollWidth ${e.scrollWidth} > clientWidth ${e.clientWidth}`);
  }, LIST_PANELS);
/** Opacity of the trails canvas at a game position: its most opaque pixel within 1 px (trails are 1.5 px anti-aliased lines). */
const trailInkAt = (page: Page, ew: number, ns: number) =>
  page.evaluate(
    ([ew, ns]) => {
      const g = globalThis as any;
      const view = g.__tracker.view;
      const canvas = g.document.getElementById('map-trails');
      const dpr = canvas.width / view.width;
      const x = Math.round(view.x(ew) * dpr),
        y = Math.round(view.y(ns) * dpr);
      const d = canvas.getContext('2d').getImageData(x - 1, y - 1, 3, 3).data;
      let alpha = 0;
      for (let i = 3; i < d.length; i += 4) alpha = Math.max(alpha, d[i]);
      return alpha;
    },
    [ew, ns],
  );
const BACKGROUND = [11, 15, 19];
const isBackground = (rgb: number[]) => rgb[0] < 0 || rgb.every((v, i) => Math.abs(v - BACKGROUND[i]) < 12);

t.test('the web page against the real stack', async (t) => {
  const w: WebApp = await startWebApp();
  t.teardown(() => w.stop());
  const plugin = await openPluginTo(w);
  t.teardown(() => plugin.close());
  // The browser reaches the app through a proxy that can cut its network.
  const proxy = await startDropProxy(w.app.port);
  t.teardown(() => proxy.close());
  const ui: PageUnderTest = await openPage(`http://127.0.0.1:${proxy.port}/`);
  t.teardown(() => ui.close());
  const { page } = ui;

  await t.test('loads with no console error and no failed request', async (t) => {
    await whenCaughtUp(async () => (await connState(page)) === 'live', {
      what: 'live feed connected',
      timeoutMs: 20000,
    });
    for (const name of REGIONS)
      t.ok(await page.getByRole('region', { name, exact: true }).isVisible(), `region ${name} visible`);
    t.same(ui.problems, [], 'no console errors, page errors or failed requests');
    await screenshot(page, '01-loaded');
  });

  await t.test('telemetry appears in the Players list and on the map within 2 s', async (t) => {
    const sent = Date.now();
    await sendEvents(plugin, [
      telemetryEvent('Ann Lee', {
        ew: 10,
        ns: 20,
        kills: 7,
        latency_ms: 41,
        mem_mb: 300,
        cpu_pct: 12.5,
        mem_handles: 900,
      }),
    ]);
    await whenCaughtUp(async () => (await page.locator('#players-list').textContent())?.includes('Ann Lee'), {
      what: 'Ann Lee in Players',
      timeoutMs: 2000,
    });
    // Fit the view to the players so the dot is on screen, then read its pixel.
    await page.locator('#map').focus();
    await page.keyboard.press('0');
    await whenCaughtUp(async () => !isBackground(await pixelAt(page, 10, 20)), {
      what: 'Ann Lee dot drawn at (10, 20)',
      timeoutMs: Math.max(100, 2000 - (Date.now() - sent)),
    });
    t.pass(`visible after ${Date.now() - sent} ms`);
    await screenshot(page, '02-player');
  });

  await t.test('names that would overlap on the map are skipped, never drawn over each other', async (t) => {
    const [a, b] = ['Dee Quartermaine-Featherstonehaugh', 'Hal Longname-Longname'];
    await sendEvents(plugin, [telemetryEvent(a, { ew: 6, ns: 14 }), telemetryEvent(b, { ew: 10, ns: 14 })]);
    await whenCaughtUp(
      () => page.evaluate((names) => names.every((n) => (globalThis as any).__tracker.store.players.has(n)), [a, b]),
      { what: 'both players on the page' },
    );
    await page.locator('#map').focus();
    await page.keyboard.press('0');
    const labels = await textDrawn(page);
    // The scene holds an overlap to avoid: a's name is wider than the gap to b's dot.
    const [gap, width] = await page.evaluate((name) => {
      const g = globalThis as any;
      const ctx = g.document.createElement('canvas').getContext('2d');
      ctx.font = '11px system-ui, sans-serif';
      return [g.__tracker.view.x(10) - g.__tracker.view.x(6), ctx.measureText(name).width];
    }, a);
    t.ok(gap < width, `${a} (${Math.round(width)} px) is wider than the gap to ${b} (${Math.round(gap)} px)`);
    const names = labels.map((l) => l.text);
    t.ok(names.includes(a) !== names.includes(b), `one of the two is labelled (drawn: ${names.join(', ')})`);
    const clashes = labels.flatMap((l, i) =>
      labels.slice(i + 1).flatMap((m) => (overlap(l, m) ? [`${l.text} / ${m.text}`] : [])),
    );
    t.same(clashes, [], 'no two names drawn over each other');
  });

  await t.test('trails are drawn along the path, from live positions and from the snapshot', async (t) => {
    const name = 'Tia Trail';
    const path = [20, 22, 24, 26, 28].map((ew) => ({ ew, ns: 30 }));
    const start = Date.now() - 10_000;
    // One position at a time, each seen by the page before the next: /ws/live coalesces
    // positions per character (docs/protocol.md §7), so a batch would arrive as one point.
    for (const [i, { ew, ns }] of path.entries()) {
      await sendEvents(plugin, [telemetryEvent(name, { ew, ns, timestamp: new Date(start + i * 1000).toISOString() })]);
      await whenCaughtUp(
        () => page.evaluate(([n, ew]) => (globalThis as any).__tracker.store.players.get(n)?.ew === ew, [name, ew]),
        { what: `${name} at ${ew}` },
      );
    }
    const between = path.slice(1).map((p, i) => ({ ew: (p.ew + path[i].ew) / 2, ns: 30 }));
    const inked = async (on: Page) => {
      const alphas = [];
      for (const p of between) alphas.push(await trailInkAt(on, p.ew, p.ns));
      return alphas.every((a) => a > 0) ? alphas : undefined;
    };
    await page.locator('#map').focus();
    await page.keyboard.press('0');
    const live = await whenCaughtUp(() => inked(page), { what: 'trail drawn from live positions', timeoutMs: 5000 });
    t.pass(`the trails canvas has ink between every two positions (alpha ${live.join(', ')})`);
    t.equal(await trailInkAt(page, 24, 34), 0, 'and none off the path');
    await screenshot(page, '02b-trail');

    // A page opened now gets the same trail from its snapshot (/live, then /trails).
    const fresh = await openPage(page.url().replace(/\?.*/, ''));
    t.teardown(() => fresh.close());
    await whenCaughtUp(async () => (await connState(fresh.page)) === 'live', { what: 'fresh page live' });
    const snap = await whenCaughtUp(() => inked(fresh.page), {
      what: 'trail drawn from the snapshot',
      timeoutMs: 5000,
    });
    t.pass(`from the snapshot too (alpha ${snap.join(', ')})`);
    t.same(fresh.problems, [], 'no errors on the fresh page');
  });

  await t.test('a spawn and a rare appear as markers and in their lists', async (t) => {
    await sendEvents(plugin, [
      spawnEvent('Ann Lee', { mob: 'Olthoi Grub', ew: 14, ns: 16 }),
      rareEvent('Ann Lee', { name: 'Ancient Falchion', ew: 6, ns: 24 }),
    ]);
    await whenCaughtUp(async () => (await page.locator('#spawns-list').textContent())?.includes('Olthoi Grub'), {
      what: 'spawn in Spawns',
      timeoutMs: 2000,
    });
    await whenCaughtUp(async () => (await page.locator('#rares-list').textContent())?.includes('Ancient Falchion'), {
      what: 'rare in Rares',
      timeoutMs: 2000,
    });
    await whenCaughtUp(async () => !isBackground(await pixelAt(page, 14, 16)), {
      what: 'spawn marker drawn',
      timeoutMs: 2000,
    });
    await whenCaughtUp(async () => !isBackground(await pixelAt(page, 6, 24)), {
      what: 'rare marker drawn',
      timeoutMs: 2000,
    });
    await page.locator('#spawns-mob').fill('nothing like this');
    await whenCaughtUp(async () => !(await page.locator('#spawns-list').textContent())?.includes('Olthoi Grub'), {
      what: 'mob filter hides it',
    });
    await page.locator('#spawns-mob').fill('olthoi');
    await page.locator('#spawns-character').fill('ann');
    await whenCaughtUp(async () => (await page.locator('#spawns-list').textContent())?.includes('Olthoi Grub'), {
      what: 'mob + character filter shows it',
    });
    await page.locator('#spawns-list button').first().click();
    const center = await page.evaluate(() => {
      const v = (globalThis as any).__tracker.view;
      return [v.cx, v.cy];
    });
    t.same(center, [14, 16], 'clicking a spawn centres the map on it');
    await screenshot(page, '03-spawn-rare');
  });

  await t.test(
    'list rows fit their panels at 1280×800: long text ends in an ellipsis, the title holds it all',
    async (t) => {
      t.same(page.viewportSize(), { width: 1280, height: 800 }, 'desktop viewport');
      const mob = 'Drudge Skulker of the Extremely Long Name Valley';
      const item = 'Pyreal Sword of Unbelievably Verbose Naming';
      const who = 'Dee Quartermaine-Featherstonehaugh';
      await sendEvents(plugin, [
        spawnEvent(who, { mob, ew: 13, ns: 15 }),
        rareEvent(who, { name: item, ew: 7, ns: 23 }),
      ]);
      for (const f of ['#spawns-mob', '#spawns-character']) await page.locator(f).fill('');
      const spawnRow = page.locator(`#spawns-list button[data-label="${mob}"]`);
      const rareRow = page.locator(`#rares-list button[data-label="${item}"]`);
      const playerRow = page.locator(`#players-list button[data-name="${who}"]`);
      await whenCaughtUp(async () => (await spawnRow.count()) === 1 && (await rareRow.count()) === 1, {
        what: 'long rows listed',
      });
      t.same(await overflowingPanels(page), [], 'no list panel scrolls sideways');
      for (const [row, text] of [
        [spawnRow, mob],
        [rareRow, item],
        [playerRow, who],
      ] as const) {
        const fit = await row.evaluate((b: any) => {
          const panel = b.closest('section').getBoundingClientRect(),
            box = b.getBoundingClientRect(),
            label = b.querySelector('.label'),
            details = b.querySelector('.details');
          return {
            inside: box.left >= panel.left && box.right <= panel.right,
            cut: label?.scrollWidth > label?.clientWidth,
            title: String(b.getAttribute('title')),
            label: label?.textContent,
            details: details?.textContent,
          };
        });
        t.ok(fit.inside, `${text}: the row is inside its panel`);
        t.ok(fit.cut, `${text}: the label is cut (ellipsis)`);
        t.equal(fit.label, text, `${text}: the label holds the whole text`);
        t.ok(
          fit.title.startsWith(text) && fit.details && fit.title.endsWith(fit.details),
          `${text}: the title holds the whole row (${fit.title})`,
        );
      }
      await screenshot(page, '03b-long-rows');
    },
  );

  await t.test('chat appears in the Chat panel', async (t) => {
    await sendEvents(plugin, [chatEvent('Ann Lee', 'anyone for a fellowship?')]);
    await whenCaughtUp(
      async () =>
        (await page.getByRole('region', { name: 'Chat' }).textContent())?.includes('anyone for a fellowship?'),
      { what: 'chat line', timeoutMs: 2000 },
    );
    t.match(await page.getByRole('region', { name: 'Chat' }).textContent(), /never stored/, 'says chat is not stored');
    await screenshot(page, '04-chat');
  });

  await t.test('selecting the character draws the four metric charts with the values sent', async (t) => {
    const values = [
      [35, 310, 10, 950],
      [52, 320, 20.5, 960],
      [47, 330, 15, 970],
    ];
    await sendEvents(
      plugin,
      values.map(([latency_ms, mem_mb, cpu_pct, mem_handles], i) =>
        telemetryEvent('Ann Lee', { ew: 10 + i, ns: 20, latency_ms, mem_mb, cpu_pct, mem_handles, kills: 8 + i }),
      ),
    );
    // /history reads the database: wait until ingest stored all four samples.
    await whenCaughtUp(
      async () => {
        const r = await fetch(
          `${w.base}/history?character=Ann%20Lee&from=${new Date(Date.now() - 600e3).toISOString()}`,
        );
        return ((await r.json()) as { points: unknown[] }).points.length >= 4;
      },
      { what: 'samples stored' },
    );
    await page.locator('#players-list button[data-name="Ann Lee"]').click();
    await page.locator('.ranges button[data-range="15m"]').click();
    for (const m of METRICS) {
      const fig = page.getByRole('figure', { name: m, exact: true });
      await whenCaughtUp(
        async () =>
          (await fig.getAttribute('data-values')) !== null ||
          (await fig.locator('figcaption').getAttribute('data-values')) !== null,
        { what: `${m} chart` },
      );
    }
    const data = await page.evaluate(() => (globalThis as any).__tracker.character.dump());
    for (const [k, m] of METRICS.entries()) {
      t.same(
        data[m].a.slice(-3),
        values.map((v) => v[k]),
        `${m} chart holds the values sent`,
      );
      t.match(
        await page.getByRole('figure', { name: m, exact: true }).locator('figcaption').textContent(),
        new RegExp(`^${m} last`),
        `${m} caption`,
      );
    }
    const drawn = await page.evaluate(() =>
      [...(globalThis as any).document.querySelectorAll('#charts canvas')].map((c) => {
        const cv = c as any;
        const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
        let ink = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
        return ink;
      }),
    );
    t.equal(drawn.length, 4, 'four chart canvases');
    t.ok(
      drawn.every((ink) => ink > 100),
      'every chart canvas has ink',
    );
    t.match(
      await page.locator('#character-fields').textContent(),
      /kills10/,
      'character fields show the newest sample',
    );
    t.match(page.url(), /character=Ann\+Lee/, 'the selected character is in the URL');
    t.match(page.url(), /range=15m/, 'the range is in the URL');
    // Live samples extend the raw chart.
    await sendEvents(plugin, [telemetryEvent('Ann Lee', { latency_ms: 99, mem_mb: 1, cpu_pct: 1, mem_handles: 1 })]);
    await whenCaughtUp(
      async () =>
        (await page.evaluate(() => (globalThis as any).__tracker.character.dump().latency_ms.a.at(-1))) === 99,
      { what: 'live sample appended' },
    );
    await screenshot(page, '05-character');
  });

  await t.test('the selected player is labelled once on the map, by the highlight', async (t) => {
    const labels = (await textDrawn(page)).filter((l) => l.text === 'Ann Lee');
    t.equal(labels.length, 1, 'one label for the selected player');
    t.match(labels[0]?.font, /bold/, 'drawn by the selection highlight (bold)');
  });

  await t.test('a character that is not live is found through the filter and charted from history', async (t) => {
    // Stored two hours ago: outside the page's snapshot of live players.
    const db = new pg.Client({ connectionString: w.cfg.DATABASE_URL });
    await db.connect();
    t.teardown(() => db.end());
    const at = new Date(Date.now() - 2 * 3600e3).toISOString();
    await db.query(
      `insert into player_latest (character_name, ts, event_key, received_at, ew, ns, z, latency_ms) values ('Old Timer', $1, gen_random_uuid(), $1, 1, 2, 0, 77)`,
      [at],
    );
    await db.query(
      `insert into telemetry (character_name, ts, event_key, received_at, stream_seq, ew, ns, z, latency_ms, mem_mb, cpu_pct, mem_handles) values ('Old Timer', $1, gen_random_uuid(), $1, 1, 1, 2, 0, 77, 500, 5, 1234)`,
      [at],
    );
    // Written with SQL, not through ingest: tell the rollups, as a loader must
    // (docs/retention-and-aggregation.md "Maintained rollups"), and refresh them now.
    await db.query(
      "select tracker_invalidate_rollups('telemetry', $1::timestamptz, $1::timestamptz + interval '1 minute')",
      [at],
    );
    await db.query('select tracker_refresh_rollups()');
    await page.locator('#players-filter').fill('old t');
    const row = page.locator('#players-list button[data-name="Old Timer"]');
    await whenCaughtUp(() => row.count(), { what: 'offline character listed' });
    t.match(await page.locator('#players-list').textContent(), /not live/, 'marked as not live');
    await row.click();
    await page.locator('.ranges button[data-range="24h"]').click();
    await whenCaughtUp(
      async () =>
        (await page.evaluate(() => (globalThis as any).__tracker.character.dump().latency_ms?.a ?? [])).includes(77),
      { what: 'latency_ms from history' },
    );
    t.equal(
      await page.evaluate(() => (globalThis as any).__tracker.character.bucket),
      '1m',
      '24 h range: the API picked 1m buckets',
    );
    t.match(
      await page.locator('#character-fields').textContent(),
      /latency_ms_avg77/,
      'fields from the newest stored point (a 1m bucket)',
    );
    await screenshot(page, '05b-offline-character');
    await page.locator('#players-filter').fill('');
    await page.locator('#players-list button[data-name="Ann Lee"]').click();
    await page.locator('.ranges button[data-range="15m"]').click();
  });

  await t.test('a link with the URL state reproduces the view', async (t) => {
    const other = await openPage(page.url());
    t.teardown(() => other.close());
    await whenCaughtUp(async () => (await other.page.locator('#character-name').textContent()) === 'Ann Lee', {
      what: 'character from URL',
    });
    t.equal(
      await other.page.locator('.ranges button[aria-pressed="true"]').getAttribute('data-range'),
      '15m',
      'range from URL',
    );
    await other.page.locator('input[name="layer"][value="heat"]').check();
    await whenCaughtUp(() => other.page.url().includes('layers=players%2Ctrails%2Cspawns%2Crares%2Cheat'), {
      what: 'layers in URL',
    });
    await whenCaughtUp(
      () =>
        other.page.evaluate(
          () =>
            (globalThis as any).__tracker.renderer.stats.frames > 0 &&
            (globalThis as any).document.querySelector('#conn')!.getAttribute('data-state') === 'live',
        ),
      { what: 'drawn' },
    );
    await whenCaughtUp(
      async () =>
        other.problems.length === 0 &&
        (await other.page.evaluate(() => (globalThis as any).__tracker.state.layers.has('heat'))),
      { what: 'heatmap layer on' },
    );
    t.same(other.problems, [], 'no errors with the heatmap on');
  });

  await t.test('recovers after the live feed drops: reconnects, fresh snapshot, live again', async (t) => {
    const snapshots = await page.evaluate(() => (globalThis as any).__tracker.conn.snapshots);
    proxy.drop();
    await whenCaughtUp(async () => (await connState(page)) === 'reconnecting', {
      what: 'page shows the drop',
      timeoutMs: 10000,
    });
    // Telemetry sent while the browser is cut off reaches it through the fresh snapshot.
    await sendEvents(plugin, [telemetryEvent('Cy Moss', { ew: 9, ns: 22 })]);
    await screenshot(page, '06-reconnecting');
    await whenCaughtUp(async () => (await page.evaluate(() => (globalThis as any).__tracker.conn.state.attempt)) >= 2, {
      what: 'a second reconnect attempt failed too',
    });
    proxy.restore();
    await whenCaughtUp(async () => (await connState(page)) === 'live', { what: 'live again', timeoutMs: 30000 });
    t.ok(
      await page.evaluate((n) => (globalThis as any).__tracker.conn.snapshots > n, snapshots),
      'took a fresh snapshot',
    );
    await whenCaughtUp(async () => (await page.locator('#players-list').textContent())?.includes('Cy Moss'), {
      what: 'event sent during the drop, from the snapshot',
      timeoutMs: 5000,
    });
    await sendEvents(plugin, [telemetryEvent('Bo Rhee', { ew: 12, ns: 18 })]);
    await whenCaughtUp(async () => (await page.locator('#players-list').textContent())?.includes('Bo Rhee'), {
      what: 'new telemetry after reconnect',
      timeoutMs: 5000,
    });
    t.ok(
      (await page.locator('#players-list').textContent())?.includes('Ann Lee'),
      'snapshot brought back the known player',
    );
    ui.problems.splice(0); // the drop itself logs a failed WebSocket; only what follows counts
    await screenshot(page, '07-recovered');
  });

  await t.test('phone width shows every region', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const name of REGIONS) {
      const region = page.getByRole('region', { name, exact: true });
      await region.scrollIntoViewIfNeeded();
      const box = await region.boundingBox();
      t.ok(
        box && box.width > 300 && box.width <= 390 && box.height > 50,
        `${name} fits the phone width (${JSON.stringify(box)})`,
      );
    }
    t.same(await overflowingPanels(page), [], 'no list panel scrolls sideways at phone width');
    await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await screenshot(page, '08-phone');
    t.same(ui.problems, [], 'no errors since the reconnect');
  });
});

t.test('with API_TOKEN the page reads with the token from its URL fragment, and says so without it', async (t) => {
  const token = 'page-reader-token-0123456789';
  const w = await startWebApp({ API_TOKEN: token });
  t.teardown(() => w.stop());
  const plugin = await openPluginTo(w);
  t.teardown(() => plugin.close());
  await sendEvents(plugin, [telemetryEvent('Tok Reader', { ew: 3, ns: 4 })]);

  const without = await openPage(`${w.base}/`);
  t.teardown(() => without.close());
  await whenCaughtUp(
    async () =>
      /needs a read token: open the page as \/#token=/.test((await without.page.locator('#conn').textContent()) ?? ''),
    { what: 'the page says it needs the read token' },
  );
  t.ok(
    without.problems.some((p) => /HTTP 401/.test(p)),
    'the API refused it with 401',
  );
  t.notOk(
    await without.page
      .locator('#players-list')
      .textContent()
      .then((s) => s?.includes('Tok Reader')),
    'nothing is shown without the token',
  );

  const ui = await openPage(`${w.base}/#token=${token}`);
  t.teardown(() => ui.close());
  await whenCaughtUp(async () => (await connState(ui.page)) === 'live', {
    what: 'live feed connected with the token',
    timeoutMs: 20000,
  });
  await whenCaughtUp(async () => (await ui.page.locator('#players-list').textContent())?.includes('Tok Reader'), {
    what: 'the snapshot read with the token',
  });
  await sendEvents(plugin, [telemetryEvent('Tok Live', { ew: 5, ns: 6 })]);
  await whenCaughtUp(async () => (await ui.page.locator('#players-list').textContent())?.includes('Tok Live'), {
    what: 'a live event through /ws/live with the token',
    timeoutMs: 5000,
  });
  t.same(ui.problems, [], 'no console errors, page errors or failed requests');
  t.notMatch(ui.page.url(), /token/, 'the token is removed from the address bar');
  await screenshot(ui.page, '09-read-token');
});
