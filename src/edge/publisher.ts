// Accepted events -> JetStream (issue 3 "Publishing"). Events wait in one lane per
// subject (one type + one character). A lane publishes one message at a time, so
// per-character order holds even across retries; lanes publish in parallel up to
// EDGE_MAX_INFLIGHT_PUBLISHES (NOTES: never await publishes one by one). In batched
// mode the lane's open batch fills while its previous message awaits its PubAck and is
// sealed at EDGE_BATCH_MAX_EVENTS, at the byte limit, or EDGE_BATCH_FLUSH_MS after its
// first event -- but only when the lane is idle: while a lane's message is in flight its
// open batch keeps filling and is sealed when the PubAck returns (group commit). So a
// message carries about one round-trip of the character's events, and the message rate
// JetStream sees stays near the number of active characters per round-trip, whatever
// the event rate (the bench measured ~11-15k JetStream messages/s as the ceiling here,
// docs/benchmarks.md). In per-event mode every event is its own message. A failed publish is
// retried with backoff and the same Nats-Msg-Id (JetStream drops it if it had landed).
// Memory is bounded: callers must check canAccept() (EDGE_MAX_BUFFERED_EVENTS) first.
import { messageId } from '../shared/envelope.js';
import type { JetStreamPublish } from './jetstream-publish.js';
import type { EventType } from '../shared/subjects.js';
import type { Logger } from '../shared/logger.js';
import type { AcceptedEvent } from './frame.js';
import { envelopeFromJson, ENVELOPE_FIXED_BYTES, ENVELOPE_PER_EVENT_BYTES } from './envelope-json.js';
import { RecentKeys } from './dedup-cache.js';
import type { EdgeMetrics } from './metrics.js';

/** Told when events it waits for are stored (ack mode). */
export interface StoreWaiter { stored(count: number): void }

export interface PublisherOptions {
  mode: 'batched' | 'per-event';
  batchMaxEvents: number;
  batchFlushMs: number;
  maxInflight: number;
  maxBuffered: number;
  maxMessageBytes: number;
  publishTimeoutMs: number;
  retryMaxMs: number;
  dedupKeys: number;
  dedupTtlMs: number;
}

interface Batch {
  type: EventType;
  ids: string[];
  jsons: string[];
  bytes: number;
  waiters: StoreWaiter[];
  receivedAt: number;
  payload?: Buffer;
  msgId?: string;
}

interface Lane {
  subject: string;
  open?: Batch;
  sealed: Batch[];
  busy: boolean;
  attempts: number;
  retryTimer?: NodeJS.Timeout;
}

export class Publisher {
  private readonly lanes = new Map<string, Lane>();
  private readonly openLanes = new Set<Lane>();
  /** Lanes with a sealed batch waiting for an in-flight slot, oldest first. */
  private readonly waiting = new Set<Lane>();
  private readonly recent: RecentKeys;
  private inflight = 0;
  private bufferedEvents = 0;
  private flushTimer?: NodeJS.Timeout;
  /** Lanes whose next publish goes out at the end of this event-loop turn (sendStarted). */
  private readonly starting: Lane[] = [];
  private startTimer?: NodeJS.Immediate;
  private failingSince?: number;
  private lastError = '';
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly publishMessage: JetStreamPublish, private readonly opts: PublisherOptions,
              private readonly metrics: EdgeMetrics, private readonly log: Logger) {
    this.recent = new RecentKeys(opts.dedupKeys, opts.dedupTtlMs);
  }

  get buffered(): number { return this.bufferedEvents; }
  get inflightPublishes(): number { return this.inflight; }
  /** False while JetStream publishes fail (since the last success). */
  get healthy(): boolean { return this.failingSince === undefined; }
  get failure(): { since?: number; error: string } { return { since: this.failingSince, error: this.lastError }; }

  canAccept(events: number): boolean { return this.bufferedEvents + events <= this.opts.maxBuffered; }

  /** Queues one validated event (stored type only). `waiter` hears when it is stored. */
  add(ev: AcceptedEvent, waiter?: StoreWaiter): void {
    if (this.recent.has(ev.key)) {
      this.metrics.duplicates.inc();
      waiter?.stored(1);
      return;
    }
    let lane = this.lanes.get(ev.subject);
    if (!lane) { lane = { subject: ev.subject, sealed: [], busy: false, attempts: 0 }; this.lanes.set(ev.subject, lane); }
    const extra = ev.bytes + ENVELOPE_PER_EVENT_BYTES;
    if (lane.open && lane.open.bytes + extra > this.opts.maxMessageBytes) this.seal(lane);
    const b = (lane.open ??= { type: ev.type, ids: [], jsons: [], bytes: ENVELOPE_FIXED_BYTES, waiters: [], receivedAt: Date.now() });
    b.ids.push(ev.key);
    b.jsons.push(ev.json);
    b.bytes += extra;
    if (waiter) b.waiters.push(waiter);
    this.bufferedEvents++;
    if (this.opts.mode === 'per-event' || b.ids.length >= this.opts.batchMaxEvents) this.seal(lane);
    else this.openLanes.add(lane);
  }

  /** Called after each frame: arms the flush timer (or flushes now with EDGE_BATCH_FLUSH_MS=0). */
  endOfFrame(): void {
    // Set per frame and per stored message, not per event (a gauge update is ~100 ns).
    this.metrics.inflightEvents.set(this.bufferedEvents);
    if (this.openLanes.size === 0 || this.flushTimer) return;
    if (this.opts.batchFlushMs === 0) { this.flush(); return; }
    this.flushTimer = setTimeout(() => { this.flushTimer = undefined; this.flush(); }, this.opts.batchFlushMs);
  }

  /**
   * Seals open batches of idle lanes (busy lanes seal theirs when their PubAck
   * returns, see stored()); `all` seals every open batch (shutdown).
   */
  flush(all = false): void {
    for (const lane of this.openLanes) {
      if (all || (!lane.busy && !lane.retryTimer && lane.sealed.length === 0)) this.seal(lane);
    }
  }

  /** Flushes, then waits until every buffered event is stored or `timeoutMs` passed; true when empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.flushTimer) { clearTimeout(this.flushTimer); this.flushTimer = undefined; }
    this.flush(true);
    if (this.bufferedEvents === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => { this.idleWaiters.push(() => resolve(true)); });
    const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    const done = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    return done;
  }

  /**
   * Stops for good: no new publish, no retry (a publish still in flight may settle,
   * but schedules nothing). What is still buffered is lost: drain() first.
   */
  close(): void {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.startTimer) clearImmediate(this.startTimer);
    for (const lane of this.lanes.values()) if (lane.retryTimer) clearTimeout(lane.retryTimer);
  }

  private seal(lane: Lane): void {
    const b = lane.open;
    this.openLanes.delete(lane);
    if (!b) return;
    lane.open = undefined;
    b.msgId = messageId(b.ids);
    b.payload = envelopeFromJson(b.type, new Date(b.receivedAt).toISOString(), b.ids, b.jsons);
    b.jsons = [];
    lane.sealed.push(b);
    this.schedule(lane);
  }

  private schedule(lane: Lane): void {
    if (this.closed || lane.busy || lane.retryTimer || lane.sealed.length === 0) return;
    if (this.inflight < this.opts.maxInflight) this.start(lane);
    else this.waiting.add(lane);
  }

  private pump(): void {
    if (this.closed) return;
    for (const lane of this.waiting) {
      if (this.inflight >= this.opts.maxInflight) return;
      this.waiting.delete(lane);
      if (!lane.busy && !lane.retryTimer && lane.sealed.length) this.start(lane);
    }
  }

  private start(lane: Lane): void {
    lane.busy = true;
    this.inflight++;
    this.starting.push(lane);
    this.startTimer ??= setImmediate(this.sendStarted);
  }

  // Publishes started during one event-loop turn go out together: nats.js coalesces
  // what is published before its next microtask flush, but uWS frames and PubAck
  // chunks each end in a microtask checkpoint, so publishing from each of them made
  // one socket write per frame or per PubAck chunk (writeBuffer was 39% of the edge's
  // busy time in the per-event profile, docs/benchmarks.md).
  private readonly sendStarted = (): void => {
    this.startTimer = undefined;
    const lanes = this.starting.splice(0);
    const now = Date.now();
    for (const lane of lanes) {
      const b = lane.sealed[0];
      if (lane.attempts === 0) this.metrics.batchWaitSeconds.observe((now - b.receivedAt) / 1000);
      const stopTimer = this.metrics.publishSeconds.startTimer();
      this.publishMessage(lane.subject, b.payload!, b.msgId!, this.opts.publishTimeoutMs).then(
        () => { stopTimer(); this.stored(lane, b); },
        (err: Error) => this.failed(lane, err),
      );
    }
  };

  private stored(lane: Lane, b: Batch): void {
    this.inflight--;
    lane.busy = false;
    lane.attempts = 0;
    lane.sealed.shift();
    if (this.failingSince !== undefined) {
      this.log.info({ downForMs: Date.now() - this.failingSince }, 'JetStream publishing recovered');
      this.failingSince = undefined;
    }
    const n = b.ids.length;
    const now = Date.now();
    for (const id of b.ids) this.recent.add(id, now);
    this.bufferedEvents -= n;
    this.metrics.inflightEvents.set(this.bufferedEvents);
    this.metrics.messages.inc();
    for (const w of b.waiters) w.stored(1);
    // Waiting lanes get the freed slot first; this lane queues behind them, so a busy
    // character cannot starve the others when the window is full.
    this.pump();
    // What arrived for this character during the round-trip goes out as one message.
    if (lane.sealed.length === 0 && lane.open) this.seal(lane);
    else this.schedule(lane);
    this.forget(lane);
    if (this.bufferedEvents === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private failed(lane: Lane, err: Error): void {
    this.inflight--;
    lane.busy = false;
    lane.attempts++;
    this.metrics.publishFailures.inc();
    this.lastError = err.message;
    if (this.failingSince === undefined) {
      this.failingSince = Date.now();
      this.log.warn({ err: err.message, subject: lane.subject }, 'JetStream publish failed; retrying with backoff');
    }
    if (this.closed) return;
    const delay = Math.min(this.opts.retryMaxMs, 25 * 2 ** Math.min(lane.attempts, 16)) * (0.5 + Math.random() / 2);
    lane.retryTimer = setTimeout(() => { lane.retryTimer = undefined; this.schedule(lane); }, delay);
    this.pump();
  }

  /** Drops a lane with nothing left, so the map only holds characters with pending work. */
  private forget(lane: Lane): void {
    if (!lane.open && !lane.busy && !lane.retryTimer && lane.sealed.length === 0) this.lanes.delete(lane.subject);
  }
}
