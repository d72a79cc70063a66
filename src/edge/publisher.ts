// Accepted events -> JetStream (docs/edge.md "How events flow"). Events wait in one lane per
// subject (one type + one character). A lane publishes one message at a time, so
// per-character order holds even across retries; lanes publish in parallel up to
// EDGE_MAX_INFLIGHT_PUBLISHES (docs/dependencies.md "NATS JetStream": never await publishes one by one). In batched
// mode the lane's open batch fills while its previous message awaits its PubAck and is
// sealed at EDGE_BATCH_MAX_EVENTS, at the byte limit, or EDGE_BATCH_FLUSH_MS after its
// first event -- but only when the lane is idle: while a lane's message is in flight its
// open batch keeps filling and is sealed when the PubAck returns (group commit). So a
// message carries about one round-trip of the character's events, and the message rate
// JetStream sees stays near the number of active characters per round-trip, whatever
// the event rate (the JetStream message ceiling measured here: see docs/benchmarks.md
// "Figures behind code choices"). In per-event mode every event is its own message. A failed publish is
// retried with backoff and the same Nats-Msg-Id (JetStream drops it if it had landed),
// unless it can never succeed (RejectedMessageError: too big, …): then a batch is split
// into one message per event, and an event refused on its own is given up and its
// waiter told, so one bad event never holds up its lane or anyone else (docs/edge.md
// "Failures"). Memory is bounded: callers must check canAccept() (EDGE_MAX_BUFFERED_EVENTS) first.
import { messageId, canonicalJson } from '../shared/envelope.js';
import { RejectedMessageError, type ErrorCode } from '../shared/errors.js';
import { StoreFullError, type JetStreamPublish } from './jetstream-publish.js';
import type { Logger } from '../shared/logger.js';
import type { AcceptedEvent } from './frame.js';
import { envelopeFromJson } from './envelope-json.js';
import type { SizeBudget } from './size-budget.js';
import { retryDelayMs, type RetryPolicy } from '../shared/retry.js';

/** First retry of a failed publish; doubles up to EDGE_PUBLISH_RETRY_MAX_MS. */
const PUBLISH_RETRY_MIN_MS = 50;
import { RecentKeys } from './dedup-cache.js';
import type { EdgeMetrics } from './metrics.js';

/** Told when events it waits for are stored, or given up for good (ack mode). */
export interface StoreWaiter {
  stored(count: number): void;
  refused(code: ErrorCode, message: string, eventId: string | undefined): void;
}

export interface PublisherOptions {
  mode: 'batched' | 'per-event';
  batchMaxEvents: number;
  batchFlushMs: number;
  maxInflight: number;
  maxBuffered: number;
  /** What fits one NATS message (the server's max_payload, headers included). */
  budget: SizeBudget;
  publishTimeoutMs: number;
  retryMaxMs: number;
  dedupKeys: number;
  dedupTtlMs: number;
}

interface Batch {
  /** A built-in or an extension type (the envelope's `type`). */
  type: string;
  ids: string[];
  jsons: string[];
  /** Sum of the events' JSON bytes (the envelope's size follows exactly: SizeBudget). */
  eventBytes: number;
  /** Per event, in order (undefined: nobody waits for it). */
  waiters: (StoreWaiter | undefined)[];
  receivedAt: number;
  payload?: Buffer;
  msgId?: string;
}

/**
 * What a lane is doing with its head (`sealed[0]`); its open batch fills in any state.
 *
 *   idle ──seal──▶ waiting ──slot──▶ in-flight ──PubAck / refused for good──▶ idle
 *     └──seal, slot free──────────────▲    └──failed──▶ backing-off ──timer──▶ idle
 */
type LaneState = 'idle' | 'waiting' | 'in-flight' | 'backing-off';

interface Lane {
  subject: string;
  state: LaneState;
  open?: Batch;
  sealed: Batch[];
  /** Failed tries of the head message (for the backoff). */
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
  /** When the buffer last went from empty to holding events, and the last store. */
  private busySince?: number;
  private lastStoredAt = 0;
  private lastError = '';
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly publishMessage: JetStreamPublish,
    private readonly opts: PublisherOptions,
    private readonly metrics: EdgeMetrics,
    private readonly log: Logger,
  ) {
    this.recent = new RecentKeys(opts.dedupKeys, opts.dedupTtlMs);
    this.retry = { minMs: PUBLISH_RETRY_MIN_MS, maxMs: opts.retryMaxMs, jitter: true };
  }

  get buffered(): number {
    return this.bufferedEvents;
  }
  get inflightPublishes(): number {
    return this.inflight;
  }
  /** False while JetStream publishes fail (since the last success). */
  get healthy(): boolean {
    return this.failingSince === undefined;
  }
  get failure(): { since?: number; error: string } {
    return { since: this.failingSince, error: this.lastError };
  }
  /** How long events have waited with no message stored (0 when nothing waits). */
  stalledForMs(now = Date.now()): number {
    return this.bufferedEvents === 0 || this.busySince === undefined
      ? 0
      : now - Math.max(this.busySince, this.lastStoredAt);
  }

  canAccept(events: number): boolean {
    return this.bufferedEvents + events <= this.opts.maxBuffered;
  }

  /** Queues one validated event (stored type only). `waiter` hears when it is stored. */
  add(ev: AcceptedEvent, waiter?: StoreWaiter): void {
    if (this.recent.has(ev.key)) {
      this.metrics.duplicates.inc();
      waiter?.stored(1);
      return;
    }
    const { budget } = this.opts;
    if (!budget.fits(ev.type, 1, ev.bytes)) {
      // Callers check the per-event limit first (frame.ts); this guards the lane anyway.
      this.metrics.givenUp.inc({ code: 'too_large' });
      waiter?.refused(
        'too_large',
        `event is ${ev.bytes} bytes; at most ${budget.maxEventBytes(ev.type)} fit one NATS message`,
        ev.eventId,
      );
      return;
    }
    let lane = this.lanes.get(ev.subject);
    if (!lane) {
      lane = { subject: ev.subject, state: 'idle', sealed: [], attempts: 0 };
      this.lanes.set(ev.subject, lane);
    }
    if (lane.open && !budget.fits(ev.type, lane.open.ids.length + 1, lane.open.eventBytes + ev.bytes)) this.seal(lane);
    const b = (lane.open ??= { type: ev.type, ids: [], jsons: [], eventBytes: 0, waiters: [], receivedAt: Date.now() });
    b.ids.push(ev.key);
    b.jsons.push(ev.json);
    b.eventBytes += ev.bytes;
    b.waiters.push(waiter);
    if (this.bufferedEvents++ === 0) this.busySince = Date.now();
    if (this.opts.mode === 'per-event' || b.ids.length >= this.opts.batchMaxEvents) this.seal(lane);
    else this.openLanes.add(lane);
  }

  /** Called after each frame: arms the flush timer (or flushes now with EDGE_BATCH_FLUSH_MS=0). */
  endOfFrame(): void {
    // Set per frame and per stored message, not per event (a gauge update is ~100 ns).
    this.metrics.inflightEvents.set(this.bufferedEvents);
    if (this.openLanes.size === 0 || this.flushTimer) return;
    if (this.opts.batchFlushMs === 0) {
      this.flush();
      return;
    }
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.opts.batchFlushMs);
  }

  /**
   * Seals open batches of idle lanes (busy lanes seal theirs when their PubAck
   * returns, see stored()); `all` seals every open batch (shutdown).
   */
  flush(all = false): void {
    for (const lane of this.openLanes) {
      if (all || (lane.state === 'idle' && lane.sealed.length === 0)) this.seal(lane);
    }
  }

  /** Flushes, then waits until every buffered event is stored or `timeoutMs` passed; true when empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    this.flush(true);
    if (this.bufferedEvents === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => {
      this.idleWaiters.push(() => resolve(true));
    });
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
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

  /** An idle or waiting lane with a sealed head publishes it now, or waits for a slot. */
  private schedule(lane: Lane): void {
    if (this.closed || lane.state === 'in-flight' || lane.state === 'backing-off' || lane.sealed.length === 0) return;
    if (this.inflight < this.opts.maxInflight) {
      this.start(lane);
    } else {
      lane.state = 'waiting';
      this.waiting.add(lane);
    }
  }

  private pump(): void {
    if (this.closed) return;
    for (const lane of this.waiting) {
      if (this.inflight >= this.opts.maxInflight) return;
      this.waiting.delete(lane);
      if (lane.state === 'waiting' && lane.sealed.length) this.start(lane);
    }
  }

  private start(lane: Lane): void {
    this.waiting.delete(lane);
    lane.state = 'in-flight';
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
        () => {
          stopTimer();
          this.settled(lane, b);
        },
        (err: Error) => this.settled(lane, b, err),
      );
    }
  };

  /**
   * A publish came back, stored or not. Its slot is freed here and only here (start()
   * takes it), before the outcome is handled: stored, refused for good, or failed.
   */
  private settled(lane: Lane, b: Batch, err?: Error): void {
    this.inflight--;
    if (err === undefined) this.stored(lane, b);
    else if (err instanceof RejectedMessageError) this.rejected(lane, b, err);
    else this.failed(lane, err);
  }

  private stored(lane: Lane, b: Batch): void {
    lane.state = 'idle';
    lane.attempts = 0;
    lane.sealed.shift();
    if (this.failingSince !== undefined) {
      this.log.info({ downForMs: Date.now() - this.failingSince }, 'JetStream publishing recovered');
      this.failingSince = undefined;
    }
    const n = b.ids.length;
    const now = Date.now();
    this.lastStoredAt = now;
    for (const id of b.ids) this.recent.add(id, now);
    this.bufferedEvents -= n;
    this.metrics.inflightEvents.set(this.bufferedEvents);
    this.metrics.messages.inc();
    for (const w of b.waiters) w?.stored(1);
    this.next(lane);
  }

  /** The lane's head message is settled: free its slot and move on. */
  private next(lane: Lane): void {
    // Waiting lanes get the freed slot first; this lane queues behind them, so a busy
    // character cannot starve the others when the window is full.
    this.pump();
    // What arrived for this character during the round-trip goes out as one message.
    if (lane.sealed.length === 0 && lane.open) this.seal(lane);
    else this.schedule(lane);
    this.forget(lane);
    if (this.bufferedEvents === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * NATS or JetStream refuses this message for good. A batch is split into one
   * message per event, in order, so only the event that cannot travel is given up;
   * a single event is dropped and its waiter told. Never retried, never unhealthy.
   */
  private rejected(lane: Lane, b: Batch, err: RejectedMessageError): void {
    lane.state = 'idle';
    lane.attempts = 0;
    if (b.ids.length > 1) {
      this.log.warn(
        { err: err.message, subject: lane.subject, events: b.ids.length },
        'JetStream refused a batch for good; publishing its events one by one',
      );
      lane.sealed.splice(0, 1, ...this.split(b));
    } else {
      lane.sealed.shift();
      this.bufferedEvents--;
      this.metrics.inflightEvents.set(this.bufferedEvents);
      this.metrics.givenUp.inc({ code: err.code });
      const eventId = eventIdOf(b.payload!);
      this.log.warn(
        { err: err.message, subject: lane.subject, event_id: eventId },
        'event given up: NATS refuses its message for good',
      );
      b.waiters[0]?.refused(err.code, `${err.message}; this event is not stored`, eventId);
    }
    if (!this.closed) this.next(lane);
  }

  /** One single-event batch per event of `b` (same key, waiter and received_at). */
  private split(b: Batch): Batch[] {
    const events = (JSON.parse(b.payload!.toString('utf8')) as { events: Record<string, unknown>[] }).events;
    return events.map((ev, i) => {
      const json = canonicalJson(ev);
      return {
        type: b.type,
        ids: [b.ids[i]],
        jsons: [],
        eventBytes: Buffer.byteLength(json),
        waiters: [b.waiters[i]],
        receivedAt: b.receivedAt,
        msgId: messageId([b.ids[i]]),
        payload: envelopeFromJson(b.type, new Date(b.receivedAt).toISOString(), [b.ids[i]], [json]),
      };
    });
  }

  private failed(lane: Lane, err: Error): void {
    lane.state = 'backing-off';
    lane.attempts++;
    this.metrics.publishFailures.inc();
    if (err instanceof StoreFullError) this.metrics.storeFull.inc({ reason: err.kind });
    this.lastError = err.message;
    if (this.failingSince === undefined) {
      this.failingSince = Date.now();
      this.log.warn({ err: err.message, subject: lane.subject }, 'JetStream publish failed; retrying with backoff');
    }
    if (this.closed) return;
    const delay = retryDelayMs(this.retry, lane.attempts);
    lane.retryTimer = setTimeout(() => {
      lane.retryTimer = undefined;
      lane.state = 'idle';
      this.schedule(lane);
    }, delay);
    this.pump();
  }

  /** Drops a lane with nothing left, so the map only holds characters with pending work. */
  private forget(lane: Lane): void {
    if (!lane.open && lane.state === 'idle' && lane.sealed.length === 0) this.lanes.delete(lane.subject);
  }
}

/** The client's `event_id` of a one-event message (only read on the rare give-up path). */
function eventIdOf(payload: Buffer): string | undefined {
  const id = (JSON.parse(payload.toString('utf8')) as { events: { event_id?: unknown }[] }).events[0]?.event_id;
  return typeof id === 'string' ? id : undefined;
}
