// planHeatmap: which part of [from, to) the daily cells, the hourly cells and the raw
// rows serve. Checked against the rule itself: the spans tile [from, to) exactly, with
// no overlap, day spans are whole days below the day horizon, hour spans whole hours below
// the hour horizon.
import t from 'tap';
import { planHeatmap, type Span } from '../../src/api/reads/heat-plan.js';

const H = 3_600_000,
  D = 86_400_000;
const base = Date.UTC(2026, 10, 1);

function check(t: Tap, from: number, to: number, dayH: number, hourH: number) {
  const p = planHeatmap(from, to, dayH, hourH);
  const spans: Span[] = [p.days, ...p.hours, ...p.raw].filter((s) => s.from < s.to).sort((a, b) => a.from - b.from);
  let at = from;
  for (const s of spans) {
    t.equal(s.from, at, 'spans are contiguous');
    at = s.to;
  }
  t.equal(spans.length ? at : from, Math.max(from, to), 'spans end at `to`');
  if (p.days.from < p.days.to) {
    t.equal(p.days.from % D, 0);
    t.equal(p.days.to % D, 0);
    t.ok(p.days.to <= dayH, 'days below the day horizon');
  }
  for (const s of p.hours)
    if (s.from < s.to) {
      t.equal(s.from % H, 0);
      t.equal(s.to % H, 0);
      t.ok(s.to <= hourH, 'hours below the hour horizon');
    }
  return p;
}
type Tap = { equal: (...a: any[]) => boolean; ok: (...a: any[]) => boolean };

t.test('30 days with partial hours at both ends', async (t) => {
  const from = base + 17 * 60_000,
    to = base + 30 * D + 5 * H + 42 * 60_000;
  const p = check(t, from, to, base + 30 * D, base + 30 * D + 5 * H);
  t.same(p.days, { from: base + D, to: base + 30 * D });
  t.same(p.hours, [
    { from: base + H, to: base + D },
    { from: base + 30 * D, to: base + 30 * D + 5 * H },
  ]);
  t.same(p.raw, [
    { from, to: base + H },
    { from: base + 30 * D + 5 * H, to },
  ]);
});

t.test('nothing materialized: all raw', async (t) => {
  const p = check(t, base, base + 3 * D, -Infinity, -Infinity);
  t.same(p.raw, [
    { from: base, to: base + 3 * D },
    { from: 0, to: 0 },
  ]);
});

t.test('hours materialized, days not yet', async (t) => {
  const p = check(t, base + 30 * 60_000, base + 2 * D, -Infinity, base + D + 3 * H);
  t.same(p.days, { from: 0, to: 0 });
  t.same(p.hours[0], { from: base + H, to: base + D + 3 * H });
});

t.test('within one hour, empty range, and many random ranges', async (t) => {
  check(t, base + 5 * 60_000, base + 50 * 60_000, base + D, base + D);
  const e = planHeatmap(base, base, base + D, base + D);
  t.same(
    [e.days, ...e.hours, ...e.raw].filter((s) => s.from < s.to),
    [],
    'empty range: no span',
  );
  let x = 12345;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 200; i++) {
    const from = base + Math.floor(rnd() * 40 * D),
      to = from + Math.floor(rnd() * 40 * D);
    const hourH = base + Math.floor((rnd() * 80 * D) / H) * H;
    check(t, from, to, Math.floor(hourH / D) * D, hourH);
  }
});
