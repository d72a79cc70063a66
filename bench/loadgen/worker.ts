// Load-generator worker (its own process, so its CPU is not the orchestrator's): opens
// N WebSocket clients, waits for "go", sends for the job's duration, reports counts.
// Flat out: each client keeps at most HIGH_WATER_BYTES queued in its socket; it
// refills when writes complete (TCP back-pressure from a busy server slows it down).
// Fixed rate: a 20 ms tick gives each client credit; a frame goes out when earned.
// Either way the worker never sends more events than its cap, which the orchestrator
// raises as the server reports accepting them (kernel socket buffers would otherwise
// swallow megabytes per client and "sent" would mean nothing).
import WebSocket from 'ws';
import { EventFactory } from './events.js';
import { zeroCounts, type FromWorker, type ToWorker, type WorkerJob, type WorkerResult } from './protocol.js';

const HIGH_WATER_BYTES = 64 * 1024;
const FRAMES_PER_PUMP = 16;
const TICK_MS = 20;
const RECONNECT_DELAY_MS = 250;

const send = (m: FromWorker) => process.send?.(m);

interface Client {
  ws?: WebSocket;
  open: boolean;
  factory: EventFactory;
  credit: number;
  pending: boolean;
  /** Frames sent on the current connection (the server numbers them the same way, from 1). */
  frames: number;
  /** Events per recent frame, by frame number modulo its length: what a refusal gave back. */
  sizes: Int32Array;
}

const FRAME_SIZES_KEPT = 1 << 14;
// Replies that refuse a whole frame (docs/protocol.md); invalid_event refuses one event.
const WHOLE_FRAME = new Set(['unavailable', 'malformed_json', 'too_many_events', 'binary_frame', 'too_large']);

let running = false;
let cap = Infinity;
// Events the server refused: they were sent but are not outstanding, so they must not
// count against the cap (else a refused burst throttles the closed loop for good).
let refusedEvents = 0;
const outstanding = (r: WorkerResult) => r.sentEvents - refusedEvents;
const stalled = new Set<Client>();

async function main(job: WorkerJob): Promise<void> {
  const result: WorkerResult = { workerId: job.workerId, ...zeroCounts() };
  const clients: Client[] = [];
  for (let i = 0; i < job.clients; i++) {
    clients.push({
      open: false,
      credit: 0,
      pending: false,
      frames: 0,
      sizes: new Int32Array(FRAME_SIZES_KEPT),
      factory: new EventFactory(`${job.namePrefix} w${job.workerId}c${i}`, job.shape),
    });
  }

  const connect = (c: Client): Promise<void> =>
    new Promise((resolve) => {
      const ws = new WebSocket(job.url, { headers: job.headers, perMessageDeflate: false });
      c.ws = ws;
      c.frames = 0;
      ws.on('open', () => {
        c.open = true;
        resolve();
        if (running && job.ratePerClient === 0) pump(c);
      });
      ws.on('message', (data) => {
        // Only errors (and acks, when asked for) come back; count errors by code.
        try {
          const msg = JSON.parse(String(data)) as { type?: string; code?: string; frame?: number };
          if (msg.type === 'error') {
            result.errors[msg.code ?? '?'] = (result.errors[msg.code ?? '?'] ?? 0) + 1;
            if (msg.code === 'invalid_event') refusedEvents++;
            else if (
              WHOLE_FRAME.has(msg.code ?? '') &&
              typeof msg.frame === 'number' &&
              msg.frame > c.frames - FRAME_SIZES_KEPT
            )
              refusedEvents += c.sizes[msg.frame % FRAME_SIZES_KEPT];
          }
        } catch {
          result.errors.unparseable_reply = (result.errors.unparseable_reply ?? 0) + 1;
        }
      });
      ws.on('error', () => {
        /* 'close' follows */
      });
      ws.on('close', (code) => {
        const wasOpen = c.open;
        c.open = false;
        if (!wasOpen) {
          result.connectFailures++;
          resolve();
        }
        if (running) {
          if (wasOpen) result.closes[code] = (result.closes[code] ?? 0) + 1;
          // A real plugin reconnects after a pause; so do we.
          setTimeout(() => {
            if (running) void connect(c);
          }, RECONNECT_DELAY_MS);
        }
      });
    });

  const sendFrame = (c: Client, n: number, now: number) => {
    const frame = c.factory.frame(n, now);
    c.sizes[++c.frames % FRAME_SIZES_KEPT] = n;
    result.sentEvents += n;
    result.sentFrames++;
    result.sentBytes += frame.length;
    return frame;
  };

  const pump = (c: Client) => {
    if (!running || !c.open || c.pending) return;
    const ws = c.ws!;
    const now = Date.now();
    for (let i = 0; i < FRAMES_PER_PUMP; i++) {
      if (outstanding(result) >= cap) {
        stalled.add(c);
        return;
      }
      if (ws.bufferedAmount >= HIGH_WATER_BYTES) {
        // Resume when the socket flushed this frame.
        c.pending = true;
        ws.send(sendFrame(c, c.factory.nextSize(), now), () => {
          c.pending = false;
          pump(c);
        });
        return;
      }
      ws.send(sendFrame(c, c.factory.nextSize(), now));
    }
    setImmediate(() => pump(c));
  };

  // Connect in waves so 1,000 clients don't all hit the upgrade handler at once.
  for (let i = 0; i < clients.length; i += 50) await Promise.all(clients.slice(i, i + 50).map(connect));
  send({ kind: 'connected', clients: clients.filter((c) => c.open).length, failures: result.connectFailures });

  cap = job.initialCap;
  process.on('message', (m: ToWorker) => {
    if (m.kind !== 'cap') return;
    cap = m.cap;
    const waiting = [...stalled];
    stalled.clear();
    for (const c of waiting) pump(c);
  });
  await new Promise<void>((resolve) =>
    process.once('message', (m: ToWorker) => {
      if (m.kind === 'go') resolve();
    }),
  );
  running = true;
  const t0 = Date.now();
  let ticker: NodeJS.Timeout | undefined;
  if (job.ratePerClient === 0) {
    for (const c of clients) pump(c);
  } else {
    let last = t0;
    ticker = setInterval(() => {
      const now = Date.now();
      const earned = (job.ratePerClient * (now - last)) / 1000;
      last = now;
      for (const c of clients) {
        c.credit += earned;
        if (!c.open) continue;
        while (c.credit >= 1) {
          if (outstanding(result) >= cap) {
            c.credit = Math.min(c.credit, 1);
            break;
          }
          const n = Math.max(1, Math.min(c.factory.nextSize(), Math.floor(c.credit)));
          c.ws!.send(sendFrame(c, n, now));
          c.credit -= n;
        }
      }
    }, TICK_MS);
  }
  await new Promise((r) => setTimeout(r, job.durationMs));
  running = false;
  if (ticker) clearInterval(ticker);
  result.elapsedMs = Date.now() - t0;
  // Let queued frames reach the server before closing (the orchestrator then waits for rows).
  const flushDeadline = Date.now() + 10000;
  while (clients.some((c) => c.open && c.ws!.bufferedAmount > 0) && Date.now() < flushDeadline)
    await new Promise((r) => setTimeout(r, 20));
  for (const c of clients) c.ws?.close(1000);
  send({ kind: 'result', result });
}

process.once('message', (m: ToWorker) => {
  if (m.kind !== 'job') return;
  main(m.job).then(
    () => process.disconnect?.(),
    (err: Error) => {
      send({ kind: 'fatal', message: err.stack ?? err.message });
      process.exitCode = 1;
    },
  );
});
