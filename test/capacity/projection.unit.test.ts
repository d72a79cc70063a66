// The capacity projection and check on hand-made samples (docs/operations.md "Capacity"):
// the rate is how fast bytes left shrink over the window, the warning and the floor.
import t from 'tap';
import { SampleRing, type CapacitySample } from '../../src/capacity/projection.js';
import { capacityCheck } from '../../src/capacity/check.js';

const MIN = 60_000,
  DAY = 86_400_000,
  GIB = 2 ** 30;
const disk = (atMs: number, leftBytes: number | null, limitBytes: number | null = 100 * GIB): CapacitySample => ({
  atMs,
  usedBytes: 1000,
  leftBytes,
  limit: leftBytes === null ? 'unknown: external' : 'free space of /data',
  limitBytes,
});
const opts = { warnDays: 7, minFreePercent: 2 };

t.test('one sample per interval, only the last window counts', async (t) => {
  const ring = new SampleRing(60 * MIN, MIN);
  ring.add(disk(0, 50 * GIB));
  ring.add(disk(10_000, 49 * GIB)); // within the interval: not kept
  t.equal(ring.size, 1);
  for (let m = 1; m <= 90; m++) ring.add(disk(m * MIN, 50 * GIB - m * 0.01 * GIB));
  t.equal(ring.size, 61, 'an hour of minutes, both ends included');
  const p = ring.project(disk(90 * MIN, 50 * GIB - 0.9 * GIB));
  t.equal(p.windowSeconds, 3600);
  t.equal(Math.round(p.growthBytesPerDay! / GIB), 14, '0.6 GiB an hour = 14.4 GiB a day');
  t.ok(Math.abs(p.daysLeft! - 49.1 / 14.4) < 0.01, `days left ${p.daysLeft}`);
});

t.test('not growing: infinite days; one sample or no limit: unknown', async (t) => {
  const ring = new SampleRing(60 * MIN, MIN);
  t.equal(ring.project(disk(0, 10 * GIB)).daysLeft, null, 'a single reading has no rate');
  ring.add(disk(0, 10 * GIB));
  t.equal(ring.project(disk(MIN, 11 * GIB)).daysLeft, Number.POSITIVE_INFINITY, 'space freed');
  const unknown = new SampleRing(60 * MIN, MIN);
  unknown.add(disk(0, null, null));
  const p = unknown.project(disk(MIN, null, null));
  t.equal(p.daysLeft, null);
  const c = capacityCheck({ stream: p, database: p }, opts);
  t.same([c.ok, c.warning], [true, undefined], 'unknown never warns nor fails');
  t.match(c.detail!.database, { limit: /^unknown/, left_bytes: null, days_left: null });
});

t.test('warns within CAPACITY_WARN_DAYS, fails below CAPACITY_MIN_FREE_PERCENT', async (t) => {
  const ring = new SampleRing(60 * MIN, MIN);
  ring.add(disk(0, 20 * GIB));
  const steady = ring.project(disk(DAY / 24, 20 * GIB));
  const fast = ring.project(disk(DAY / 24, 19 * GIB)); // 24 GiB a day, 19 GiB left
  const c = capacityCheck({ stream: fast, database: steady }, opts);
  t.equal(c.ok, true);
  t.match(c.warning, /^the NATS log \(stream\): full in 0\.8 days at 24\.00 GiB\/day \(19\.00 GiB left of free space/);
  const low = ring.project(disk(DAY / 24, 1.5 * GIB)); // below 2 % of 100 GiB
  const f = capacityCheck({ stream: steady, database: low }, opts);
  t.equal(f.ok, false);
  t.match(
    f.reason,
    /^PostgreSQL: 1\.50 GiB left of free space of \/data \(100\.00 GiB\), below CAPACITY_MIN_FREE_PERCENT \(2%\)/,
  );
  t.equal(capacityCheck({ stream: steady, database: low }, { ...opts, minFreePercent: 0 }).ok, true, '0 = never fail');
});
