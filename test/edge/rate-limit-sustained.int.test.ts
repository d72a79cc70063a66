// Issue 23 item 7, with exactly the client it describes: at-least-once, ack mode, ONE
// connection, 64 frames of 200 events pipelined over the rate limit, each `rate_limited`
// frame resent after its `retry_after_ms` (docs/protocol.md "Client loop"). Everything
// is stored once, the connection stays open, and the rate is about the configured one
// (a loose bound: speed is measured in bench/, not asserted).
import t from 'tap';
import { startEdgeApp, openPlugin, telemetry, type Client } from './helpers.js';

const RATE = 4000; // events/s, below the default 20,000 to keep the test short
const EVENTS = 20_000;
const FRAME = 200;
const WINDOW = 64;

interface Run {
  refusals: number;
  maxRetryAfterMs: number;
  elapsedMs: number;
}

/** The documented client loop: a window of unacked frames; a refused one is resent after its hint. */
function sendAll(c: Client, frames: unknown[][]): Promise<Run> {
  const run: Run = { refusals: 0, maxRetryAfterMs: 0, elapsedMs: 0 };
  const started = Date.now();
  const byServerFrame = new Map<number, number>(); // the server numbers every frame it receives, 1 first
  let sentFrames = 0;
  let next = 0;
  let acked = 0;
  const send = (i: number) => {
    byServerFrame.set(++sentFrames, i);
    c.send(frames[i]);
  };
  return new Promise((resolve, reject) => {
    c.ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      const i = byServerFrame.get(m.frame);
      if (i === undefined) return reject(new Error(`reply for an unknown frame: ${data}`));
      byServerFrame.delete(m.frame);
      if (m.type === 'error' && m.code === 'rate_limited') {
        run.refusals++;
        run.maxRetryAfterMs = Math.max(run.maxRetryAfterMs, m.retry_after_ms);
        setTimeout(() => send(i), m.retry_after_ms);
        return;
      }
      if (m.type !== 'ack' || m.accepted !== FRAME) return reject(new Error(`unexpected reply: ${data}`));
      if (++acked === frames.length) {
        run.elapsedMs = Date.now() - started;
        return resolve(run);
      }
      if (next < frames.length) send(next++);
    });
    c.ws.on('close', (code) => reject(new Error(`connection closed with ${code}`)));
    while (next < Math.min(WINDOW, frames.length)) send(next++);
  });
}

t.test('a client that honours retry_after_ms gets everything stored once, at the configured rate', async (t) => {
  const edge = await startEdgeApp({ EDGE_RATE_LIMIT_EVENTS_PER_SECOND: String(RATE) });
  t.teardown(() => edge.stop());
  const c = await openPlugin(edge, '?ack=1');
  const frames = Array.from({ length: EVENTS / FRAME }, (_, f) =>
    Array.from({ length: FRAME }, (_, e) => telemetry(`Sustained${f % 4}`, { event_id: `s-${f}-${e}` })),
  );
  const run = await sendAll(c, frames);
  const achieved = Math.round(EVENTS / (run.elapsedMs / 1000));
  t.comment(
    `${EVENTS} events in ${run.elapsedMs} ms: ${achieved} events/s against ${RATE} configured (the first ` +
      `second's burst included); ${run.refusals} rate_limited, longest retry_after_ms ${run.maxRetryAfterMs}`,
  );
  t.ok(achieved >= RATE / 2, `achieved ${achieved} events/s >= 50% of ${RATE}`);
  t.ok(run.refusals > 0, 'the client was over the limit (its window holds 3.2 s of events)');
  t.ok(run.refusals <= frames.length * 2, `refused at most about once per frame (${run.refusals})`);
  const ids = (await edge.stored()).flatMap((m) => m.env.events.map((e) => e.event_id));
  t.equal(ids.length, EVENTS, 'every event stored');
  t.equal(new Set(ids).size, EVENTS, 'each exactly once');
  t.equal(c.ws.readyState, c.ws.OPEN, 'the connection was never closed');
  c.close();
});
