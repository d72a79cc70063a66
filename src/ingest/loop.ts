// The ingest loop: consume -> group -> write (COPY, COMMIT) -> ack.
//
// consume: a pull `consume()` iterator on the durable; it pulls more only as we
//          iterate, so a slow database pushes back to JetStream (no unbounded buffer).
// group:   a batch closes at INGEST_BATCH_MAX_EVENTS events or INGEST_BATCH_MAX_WAIT_MS
//          after its first message. Up to INGEST_WRITERS batches write at once (each on
//          its own connection) while the next one fills.
// write:   writeBatch (write-batch.ts); transient failures retry the SAME batch with
//          capped exponential backoff, sending `working` so JetStream keeps it ours.
// ack:     inside writeBatch, after COMMIT.
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Logger } from '../shared/logger.js';
import { errorMessage } from '../shared/errors.js';
import { retryDelayMs, withRetry, type RetryPolicy } from '../shared/retry.js';
import { toInFlight, writeBatch, type BatchContext, type InFlight } from './write-batch.js';
import type { IngestMetrics } from './metrics.js';
import type { IngestState } from './state.js';

export interface LoopSettings {
  readonly batchMaxEvents: number;
  readonly batchMaxWaitMs: number;
  readonly pullMaxMessages: number;
  /** Pull request lifetime (heartbeats every half of it); nats.js's 30 s when absent. */
  readonly pullExpiresMs?: number;
  readonly ackWaitMs: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** Batches written concurrently (separate connections). */
  readonly writers: number;
}

export class IngestLoop {
  private batch: InFlight[] = [];
  private batchSize = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Batches cut and not yet settled (writing or waiting for a writer). */
  private writes: Promise<void>[] = [];
  private active = 0;
  private readonly slotFreed: (() => void)[] = [];
  private messages: ConsumerMessages | undefined;
  private stopping = false;
  private readonly wakers = new Set<() => void>();
  private done: Promise<void> = Promise.resolve();
  private readonly retry: RetryPolicy;
  /** Last message or server heartbeat on the current pull (watchdog, see watch()). */
  private lastActivityAt = 0;

  constructor(
    private readonly getConsumer: () => Promise<Consumer>,
    private readonly ctx: BatchContext,
    private readonly s: LoopSettings,
    private readonly state: IngestState,
    private readonly log: Logger,
    private readonly metrics?: IngestMetrics,
  ) {
    this.retry = { minMs: s.retryMinMs, maxMs: s.retryMaxMs, jitter: false };
  }

  start(): void {
    this.done = this.run();
  }

  /** Stops pulling, writes what it holds (no retries once stopping), then resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const w of this.wakers) w();
    await this.messages?.close().catch(() => {});
    await this.done;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const consumer = await this.getConsumer();
        // Bounded by message count. A byte-bounded pull (`max_bytes`) stalled under
        // sustained load in the benchmark: no pull outstanding, 83k messages pending,
        // until missed heartbeats recovered it (nats.js notes this case in its
        // consumer); count-bounded pulls did not stall (docs/benchmarks.md).
        // A pull lives on the consumer's leader: when that server dies the pull dies
        // with it, unnoticed until two heartbeats are missed (half the expiry each).
        const messages = await consumer.consume({
          max_messages: this.s.pullMaxMessages,
          expires: this.s.pullExpiresMs,
        });
        this.messages = messages;
        this.lastActivityAt = Date.now();
        this.watch(messages);
        failures = 0;
        for await (const msg of messages) {
          if (this.stopping) break;
          await this.add(msg);
        }
      } catch (err) {
        this.state.consumerError(errorMessage(err));
        this.metrics?.errors.inc({ kind: 'consumer' });
        this.log.warn({ err: errorMessage(err) }, 'ingest consumer failed; recreating it');
      }
      if (!this.stopping) await this.sleep(retryDelayMs(this.retry, ++failures));
    }
    this.cut();
    await Promise.all(this.writes);
  }

  /**
   * consumer_deleted / repeated missed heartbeats: close the iterator; run() recreates it
   * (docs/dependencies.md "NATS JetStream"). Plus a watchdog: on a NATS cluster, after the consumer's leader died, a
   * process was seen receiving neither messages nor heartbeats for good while nats.js's
   * own recovery kept timing out (leader kill drill, docs/operations.md): with no sign of
   * life for two pull lifetimes, start over with a fresh consume().
   */
  private watch(messages: ConsumerMessages): void {
    const silentLimitMs = 2 * (this.s.pullExpiresMs ?? 30_000);
    const dog = setInterval(
      () => {
        // Writing (or held back by a slow database) is not starving: the pull may be
        // satisfied and silent on purpose until we take more.
        if (this.writes.length > 0 || this.batch.length > 0) this.lastActivityAt = Date.now();
        if (Date.now() - this.lastActivityAt <= silentLimitMs) return;
        this.log.warn(
          { silent_ms: Date.now() - this.lastActivityAt },
          'no message or heartbeat on the pull; recreating the consumer',
        );
        this.state.consumerError('pull silent');
        this.metrics?.errors.inc({ kind: 'consumer' });
        clearInterval(dog);
        messages.stop();
      },
      Math.max(500, silentLimitMs / 4),
    );
    dog.unref();
    void messages.closed().finally(() => clearInterval(dog));
    (async () => {
      for await (const st of messages.status()) {
        if (st.type === 'heartbeat') this.lastActivityAt = Date.now();
        if (
          st.type === 'consumer_deleted' ||
          (st.type === 'heartbeats_missed' && st.count >= 2) ||
          (st.type === 'consumer_not_found' && st.count >= 2)
        ) {
          this.log.warn({ status: st.type }, 'ingest consumer lost; recreating it');
          this.state.consumerError(st.type);
          this.metrics?.errors.inc({ kind: 'consumer' });
          messages.stop();
          return;
        }
      }
    })().catch(() => {});
  }

  private async add(msg: JsMsg): Promise<void> {
    this.lastActivityAt = Date.now();
    if (msg.info.deliveryCount > 1) this.metrics?.redelivered.inc();
    const item = toInFlight(this.ctx, msg);
    this.batch.push(item);
    this.batchSize += item.size;
    if (this.batchSize >= this.s.batchMaxEvents) this.cut();
    else this.timer ??= setTimeout(() => this.cut(), this.s.batchMaxWaitMs);
    // Hold at most one batch more than there are writers: a slow database pushes back.
    while (this.writes.length > this.s.writers) await Promise.race(this.writes);
  }

  /** Closes the filling batch and queues its write behind the previous one. */
  private cut(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.batch;
    if (items.length === 0) return;
    this.batch = [];
    this.batchSize = 0;
    // Keep JetStream from redelivering while we hold the batch (queued, writing, retrying).
    const keepAlive = setInterval(
      () => {
        for (const i of items) i.msg.working();
      },
      Math.max(250, this.s.ackWaitMs / 3),
    );
    const write = this.acquire()
      .then(() => this.writeWithRetry(items))
      .finally(() => {
        clearInterval(keepAlive);
        this.release();
        this.writes.splice(this.writes.indexOf(write), 1);
      });
    this.writes.push(write);
  }

  /** Writes the batch, retrying what can heal until it is written or ingest stops. */
  private async writeWithRetry(items: InFlight[]): Promise<void> {
    try {
      await withRetry(() => this.writeOnce(items), {
        policy: this.retry,
        retryable: () => !this.stopping,
        onRetry: (err, delay) =>
          this.log.warn({ err: errorMessage(err), retry_in_ms: delay }, 'batch write failed; retrying'),
        sleep: (ms) => this.sleep(ms),
      });
    } catch (err) {
      this.log.warn(
        { err: errorMessage(err), messages: items.length },
        'batch not written at shutdown; left unacked for redelivery',
      );
    }
  }

  private async writeOnce(items: InFlight[]): Promise<void> {
    const t0 = performance.now();
    try {
      const out = await writeBatch(this.ctx, items);
      const seconds = (performance.now() - t0) / 1000;
      this.metrics?.copySeconds.observe(seconds);
      this.metrics?.batchEvents.observe(out.events);
      this.state.batchWritten(out.events, seconds * 1000);
      this.log.debug(
        { messages: items.length, events: out.events, inserted: out.inserted, ms: Math.round(seconds * 1000) },
        'batch written',
      );
    } catch (err) {
      this.state.writeFailed(errorMessage(err));
      this.metrics?.errors.inc({ kind: 'transient' });
      throw err;
    }
  }

  private async acquire(): Promise<void> {
    while (this.active >= this.s.writers) await new Promise<void>((r) => this.slotFreed.push(r));
    this.active++;
  }

  private release(): void {
    this.active--;
    this.slotFreed.shift()?.();
  }

  /** A sleep that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}
