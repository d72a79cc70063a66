// The arithmetic of /ws/position's rate limits and close rules (docs/protocol.md "Rate
// limits"), on a clock the test drives: buckets, `retry_after_ms` slots, and the rules
// that close a flooding client with 1008 (or 1013) and never one that honours the hint.
import t from 'tap';
import { ConnectionRateLimit, TokenBucket, type RateLimitRefusal } from '../../src/edge/rate-limit.js';
import { UnavailableCloseRule } from '../../src/edge/unavailable-close.js';

t.test('token buckets: burst up to the rate, then the rate', async (t) => {
  const b = new TokenBucket(10, 0);
  for (let i = 0; i < 10; i++) t.equal(b.take(1, 0), 0, `burst ${i + 1}`);
  t.equal(b.take(1, 0), 100, 'the eleventh in the same instant is refused: one token comes back in 100 ms');
  t.equal(b.take(1, 100), 0, 'refilled at 10/s: one token after 100 ms');
  t.ok(b.take(1, 100) > 0);
  t.equal(b.take(10, 5000), 0, "at most one second's worth is kept");
  t.ok(b.take(1, 5000) > 0);
  const unlimited = new TokenBucket(0, 0);
  t.ok(
    Array.from({ length: 1000 }, () => unlimited.take(100, 0)).every((ms) => ms === 0),
    '0 = unlimited',
  );
  const c = new ConnectionRateLimit({ framesPerSecond: 100, eventsPerSecond: 30, closeAfterSeconds: 10 }, 0);
  t.equal(c.events(20, 0), undefined);
  t.match(c.events(20, 0), { why: /more than 30 events per second .*EDGE_RATE_LIMIT_EVENTS_PER_SECOND/ });
  t.equal(c.events(10, 0), undefined, 'a refused frame takes no tokens');
});

t.test('retry_after_ms: refused frames get consecutive slots at the rate', async (t) => {
  // 4000 events/s, frames of 200: one frame's tokens every 50 ms.
  const b = new TokenBucket(4000, 0);
  for (let i = 0; i < 20; i++) t.equal(b.take(200, 0), 0);
  const hints = Array.from({ length: 5 }, () => b.take(200, 0));
  t.same(hints, [50, 100, 150, 200, 250], 'pipelined frames refused together are spaced one frame apart');
  t.equal(b.backlogMs(0), 250, 'the backlog is the last slot');
  t.equal(b.take(200, 50), 0, 'the first refused frame passes at its slot');
  t.equal(b.take(200, 100), 0, 'and the second at its own');
  t.equal(b.backlogMs(300), 0, 'the backlog drains with time');
  const partial = new TokenBucket(4000, 0);
  t.equal(partial.take(3900, 0), 0);
  t.equal(partial.take(200, 0), 25, 'a partial bucket: the ms until the missing tokens come back');
});

/** A client on a driven clock: sends `frames` frames of `size` events, pipelined `window` at once. */
function drive(
  c: ConnectionRateLimit,
  client: { honours: boolean; window: number; frames: number; size: number; untilMs: number },
) {
  let now = 0;
  let sent = 0;
  let closedAt: number | undefined;
  let accepted = 0;
  // Each frame in the window is due at some time: a new one now, a refused one at its hint (or at once).
  const due: number[] = Array.from({ length: Math.min(client.window, client.frames) }, () => 0);
  sent = due.length;
  while (due.length > 0 && now <= client.untilMs && closedAt === undefined) {
    due.sort((a, b) => a - b);
    now = Math.max(now, due.shift()!);
    const refusal: RateLimitRefusal | undefined = c.frame(now) ?? c.events(client.size, now);
    if (!refusal) {
      accepted++;
      if (sent < client.frames) {
        due.push(now + 1); // the next frame, one ms (a round trip on loopback) after the ack
        sent++;
      }
      continue;
    }
    if (refusal.close) closedAt = now;
    due.push(client.honours ? now + 1 + refusal.retryAfterMs : now + 1);
  }
  return { closedAt, accepted, now };
}

t.test('close rule: a client that honours retry_after_ms is never closed', async (t) => {
  const c = new ConnectionRateLimit({ framesPerSecond: 1000, eventsPerSecond: 4000, closeAfterSeconds: 2 }, 0);
  const r = drive(c, { honours: true, window: 64, frames: 400, size: 200, untilMs: 60_000 });
  t.equal(r.closedAt, undefined, 'not closed');
  t.equal(r.accepted, 400, 'every frame accepted');
  // 400 × 200 events at 4000/s, the first second's burst included: about 19.3 s.
  t.ok(r.now < 21_000, `finished at ${r.now} ms: the configured rate`);
  for (const window of [1, 8, 64, 256]) {
    const strict = new ConnectionRateLimit({ framesPerSecond: 1000, eventsPerSecond: 4000, closeAfterSeconds: 1 }, 0);
    const run = drive(strict, { honours: true, window, frames: 200, size: 200, untilMs: 60_000 });
    t.same([run.closedAt, run.accepted], [undefined, 200], `window ${window}, closing after 1 s: never closed`);
  }
});

t.test(
  'close rule: a client that ignores the hint and keeps flooding is closed after the configured seconds',
  async (t) => {
    const c = new ConnectionRateLimit({ framesPerSecond: 1000, eventsPerSecond: 4000, closeAfterSeconds: 2 }, 0);
    const r = drive(c, { honours: false, window: 64, frames: 100_000, size: 200, untilMs: 60_000 });
    t.ok(r.closedAt !== undefined, 'closed');
    // The first refusal comes after the burst (instant 0); closed 2 s later, not before.
    t.ok(r.closedAt! >= 2000 && r.closedAt! < 2100, `closed at ${r.closedAt} ms`);
  },
);

t.test('close rule: the frame limit floods the same way', async (t) => {
  const c = new ConnectionRateLimit({ framesPerSecond: 3, eventsPerSecond: 0, closeAfterSeconds: 1 }, 0);
  const r = drive(c, { honours: false, window: 4, frames: 100_000, size: 1, untilMs: 10_000 });
  t.ok(r.closedAt !== undefined && r.closedAt >= 1000 && r.closedAt < 1100, `closed at ${r.closedAt} ms`);
  const honest = new ConnectionRateLimit({ framesPerSecond: 3, eventsPerSecond: 0, closeAfterSeconds: 1 }, 0);
  t.equal(drive(honest, { honours: true, window: 4, frames: 30, size: 1, untilMs: 60_000 }).closedAt, undefined);
});

t.test('unavailable close rule: seconds of refusals, in-flight frames and slow retries not counted', async (t) => {
  const flood = new UnavailableCloseRule(3);
  const closes: number[] = [];
  for (let ms = 0; ms <= 5000; ms += 10) if (flood.refused(ms)) closes.push(ms);
  t.equal(closes[0], 3000, 'a client refused 100 times a second is closed 3 s after the first refusal');

  const pipelined = new UnavailableCloseRule(1);
  t.notOk(
    [0, 1, 2, 3, 500, 999].some((ms) => pipelined.refused(ms)),
    'frames in flight in the first second do not count',
  );
  t.notOk(
    [1000, 2000, 3000, 10_000, 60_000].some((ms) => pipelined.refused(ms)),
    'a client that retries once a second or slower is never closed',
  );
  const reset = new UnavailableCloseRule(1);
  for (let ms = 0; ms < 900; ms += 10) reset.refused(ms);
  reset.admitted();
  t.notOk(reset.refused(1500), 'an admitted frame ends the refusals in a row');
});
