// Load-generator worker (its own process, so its CPU is not the orchestrator's): opens
// N WebSocket clients, waits for "go", sends for the job's duration, reports counts.
// Open loop, never paced by what the server reports (docs/benchmarks.md "The load generator"):
// - Flat out: each client sends while its socket takes data, i.e. while ws's
//   `bufferedAmount` is under HIGH_WATER_BYTES (else it waits for the write to complete:
//   TCP back-pressure) and, in ack mode, while fewer than `ackWindow` frames await their
//   final reply (the documented client loop of docs/protocol.md). A `rate_limited` reply
//   pauses the client for its `retry_after_ms`, an `unavailable` one for
//   UNAVAILABLE_PAUSE_MS: the server's own refusals are the only other bound.
// - Paced: a TICK_MS tick gives each client its share of the rate; what is due is sent,
//   late or not. When a socket will not take it, the debt is kept and counted (lag), not
//   forgiven, so a generator that falls behind shows it instead of offering less.
import WebSocket from 'ws';
import { EventFactory } from './events.js';
import { zeroCounts, type FromWorker, type ToWorker, type WorkerJob, type WorkerResult } from './protocol.js';

const HIGH_WATER_BYTES = 64 * 1024;
const FRAMES_PER_PUMP = 16;
const TICK_MS = 20;
const RECONNECT_DELAY_MS = 250;
/** `unavailable` carries no hint (docs/protocol.md "Rate limits"): the edge's buffer is full; it empties in tens of ms. */
const UNAVAILABLE_PAUSE_MS = 100;

const send = (m: FromWorker) => process.send?.(m);

interface Client {
  ws?: WebSocket;
  open: boolean;
  factory: EventFactory;
  /** Paced: events due and not yet sent. */
  credit: number;
  /** Flat out: waiting for a write to complete. */
  pending: boolean;
  /** Flat out: paused by a refusal until this time (ms). */
  pausedUntil: number;
  /** Ack mode: frames sent on this connection still awaiting their final reply. */
  unacked: number;
  /** Ack mode: when the window filled (0 = not full). */
  windowFullAt: number;
  pauseTimer?: NodeJS.Timeout;
}

let running = false;

function newClients(job: WorkerJob): Client[] {
  return Array.from({ length: job.clients }, (_, i) => ({
    open: false,
    credit: 0,
    pending: false,
    pausedUntil: 0,
    unacked: 0,
    windowFullAt: 0,
    factory: new EventFactory(`${job.namePrefix} w${job.workerId}c${i}`, job.shape),
  }));
}

function sendFrame(result: WorkerResult, c: Client, n: number, now: number, cb?: () => void): void {
  const frame = c.factory.frame(n, now);
  c.unacked++;
  result.sentEvents += n;
  result.sentFrames++;
  result.sentBytes += frame.length;
  c.ws!.send(frame, cb);
}

/** Flat out: a burst of frames while the socket (and the ack window) take them, then again on the next turn. */
function pump(result: WorkerResult, c: Client, window: number): void {
  if (!running || !c.open || c.pending || Date.now() < c.pausedUntil) return;
  const now = Date.now();
  for (let i = 0; i < FRAMES_PER_PUMP; i++) {
    if (window > 0 && c.unacked >= window) {
      // Resumed by the next final reply (onReply).
      if (!c.windowFullAt) {
        c.windowFullAt = now;
        result.stalls.windowWaits++;
      }
      return;
    }
    if (c.ws!.bufferedAmount >= HIGH_WATER_BYTES) {
      // Resume when the socket flushed this frame.
      c.pending = true;
      result.stalls.backpressureWaits++;
      sendFrame(result, c, c.factory.nextSize(), now, () => {
        c.pending = false;
        result.stalls.backpressureMs += Date.now() - now;
        pump(result, c, window);
      });
      return;
    }
    sendFrame(result, c, c.factory.nextSize(), now);
  }
  setImmediate(() => pump(result, c, window));
}

/** Flat out: a refusal pauses the client (the frames already in flight may extend the pause). */
function pause(result: WorkerResult, c: Client, ms: number, window: number): void {
  const now = Date.now();
  const until = now + ms;
  if (until <= c.pausedUntil) return;
  if (c.pausedUntil <= now) result.stalls.refusalPauses++;
  result.stalls.refusalPausedMs += until - Math.max(now, c.pausedUntil);
  c.pausedUntil = until;
  clearTimeout(c.pauseTimer);
  c.pauseTimer = setTimeout(() => pump(result, c, window), ms);
}

// Error replies that are a frame's final reply in ack mode (docs/protocol.md "Acks");
// `invalid_event` (and `too_large` naming one event_id) refuse one event, the ack follows.
const FINAL_ERRORS = new Set(['unavailable', 'rate_limited', 'malformed_json', 'too_many_events', 'binary_frame']);

interface Reply {
  type?: string;
  code?: string;
  retry_after_ms?: number;
  event_id?: string;
}

/** Ack mode: one frame less in flight; a full window reopens. */
function settled(result: WorkerResult, c: Client, window: number): void {
  c.unacked = Math.max(0, c.unacked - 1);
  if (c.windowFullAt && c.unacked < window) {
    result.stalls.windowMs += Date.now() - c.windowFullAt;
    c.windowFullAt = 0;
    if (Date.now() >= c.pausedUntil) setImmediate(() => pump(result, c, window));
  }
}

function onReply(result: WorkerResult, c: Client, job: WorkerJob, data: WebSocket.RawData): void {
  const flatOut = job.ratePerClient === 0;
  let msg: Reply;
  try {
    msg = JSON.parse(String(data)) as Reply;
  } catch {
    result.errors.unparseable_reply = (result.errors.unparseable_reply ?? 0) + 1;
    return;
  }
  const code = msg.code ?? '?';
  if (msg.type === 'error') result.errors[code] = (result.errors[code] ?? 0) + 1;
  if (!flatOut) return;
  if (code === 'rate_limited') pause(result, c, Math.max(1, msg.retry_after_ms ?? TICK_MS), job.ackWindow);
  else if (code === 'unavailable') pause(result, c, UNAVAILABLE_PAUSE_MS, job.ackWindow);
  const final =
    msg.type === 'ack' ||
    (msg.type === 'error' && (FINAL_ERRORS.has(code) || (code === 'too_large' && msg.event_id === undefined)));
  if (!final) return;
  result.finalReplies++;
  if (job.ackWindow > 0) settled(result, c, job.ackWindow);
}

/** The URL with `ack=1` when the job keeps an ack window. */
const urlOf = (job: WorkerJob) =>
  job.ratePerClient === 0 && job.ackWindow > 0 ? `${job.url}${job.url.includes('?') ? '&' : '?'}ack=1` : job.url;

function connect(job: WorkerJob, result: WorkerResult, c: Client): Promise<void> {
  const flatOut = job.ratePerClient === 0;
  return new Promise((resolve) => {
    const ws = new WebSocket(urlOf(job), { headers: job.headers, perMessageDeflate: false });
    c.ws = ws;
    ws.on('open', () => {
      c.open = true;
      c.pending = false;
      // Frames of a closed connection get no reply: a new connection starts with an empty window.
      c.unacked = 0;
      if (c.windowFullAt && running) result.stalls.windowMs += Date.now() - c.windowFullAt;
      c.windowFullAt = 0;
      resolve();
      if (running && flatOut) pump(result, c, job.ackWindow);
    });
    ws.on('message', (data) => onReply(result, c, job, data));
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
      if (!running) return;
      if (wasOpen) result.closes[code] = (result.closes[code] ?? 0) + 1;
      // A real plugin reconnects after a pause; so do we.
      setTimeout(() => {
        if (running) void connect(job, result, c);
      }, RECONNECT_DELAY_MS);
    });
  });
}

/** Paced: every TICK_MS each client earns its share; everything due goes out now if the socket takes it. */
function startTicker(job: WorkerJob, result: WorkerResult, clients: Client[], t0: number): NodeJS.Timeout {
  const st = result.stalls;
  let last = t0;
  return setInterval(() => {
    const now = Date.now();
    const dt = now - last;
    last = now;
    st.ticks++;
    if (dt > 2 * TICK_MS) st.lateTicks++;
    const earned = (job.ratePerClient * dt) / 1000;
    st.dueEvents += earned * clients.length;
    let lag = 0;
    for (const c of clients) {
      c.credit += earned;
      while (c.open && c.credit >= 1 && c.ws!.bufferedAmount < HIGH_WATER_BYTES) {
        const n = Math.max(1, Math.min(c.factory.nextSize(), Math.floor(c.credit)));
        sendFrame(result, c, n, now);
        c.credit -= n;
      }
      if (c.credit >= 1) {
        st.backpressureWaits++;
        st.backpressureMs += dt;
      }
      lag += Math.floor(c.credit);
    }
    if (lag > st.maxLagEvents) st.maxLagEvents = lag;
  }, TICK_MS);
}

async function main(job: WorkerJob): Promise<void> {
  const result: WorkerResult = { workerId: job.workerId, ...zeroCounts() };
  const clients = newClients(job);
  // Connect in waves so 1,000 clients don't all hit the upgrade handler at once.
  for (let i = 0; i < clients.length; i += 50)
    await Promise.all(clients.slice(i, i + 50).map((c) => connect(job, result, c)));
  send({ kind: 'connected', clients: clients.filter((c) => c.open).length, failures: result.connectFailures });
  await new Promise<void>((resolve) =>
    process.once('message', (m: ToWorker) => {
      if (m.kind === 'go') resolve();
    }),
  );
  running = true;
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const ticker = job.ratePerClient > 0 ? startTicker(job, result, clients, t0) : undefined;
  if (!ticker) for (const c of clients) pump(result, c, job.ackWindow);
  await new Promise((r) => setTimeout(r, job.durationMs));
  running = false;
  clearInterval(ticker);
  // Waits end with the sending phase: acks that arrive while the sockets flush add nothing.
  const end = Date.now();
  for (const c of clients) {
    if (c.windowFullAt) result.stalls.windowMs += end - c.windowFullAt;
    c.windowFullAt = 0;
  }
  result.elapsedMs = Date.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  result.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  result.stalls.dueEvents = Math.round(result.stalls.dueEvents);
  // Let queued frames reach the server before closing (the orchestrator then waits for rows).
  const flushDeadline = Date.now() + 10000;
  while (clients.some((c) => c.open && c.ws!.bufferedAmount > 0) && Date.now() < flushDeadline)
    await new Promise((r) => setTimeout(r, 20));
  for (const c of clients) {
    clearTimeout(c.pauseTimer);
    c.ws?.close(1000);
  }
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
