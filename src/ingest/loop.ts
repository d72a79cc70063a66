// The ingest loop, in the order a message goes through it (docs/ingest.md "How it works"):
//
// consume:     a pull `consume()` iterator on the durable; it pulls more only as we
//              iterate, so a slow database pushes back to JetStream (no unbounded buffer).
// decode:      each message once, as it arrives (in-flight.ts); one that cannot be decoded
//              travels with its batch as poison and is dead-lettered with it.
// group:       a batch closes at INGEST_BATCH_MAX_EVENTS events or INGEST_BATCH_MAX_WAIT_MS
//              after its first message. Up to INGEST_WRITERS batches write at once (each
//              on its own connection) while the next one fills.
// transaction: writeBatch (write-batch.ts): the batch in one transaction, bisected when the
//              database refuses a message. A transient failure retries the SAME batch with
//              the one retry policy (src/shared/retry.ts), sending `working` meanwhile so
//              JetStream keeps it ours.
// ack:         ackBatch (ack.ts), only once the transaction is committed.
import type { Consumer, ConsumerMessages } from '@nats-io/jetstream';
import type { Logger } from '../shared/logger.js';
import { databaseErrorMessage, errorMessage } from '../shared/errors.js';
import { retryDelayMs, withRetry, type RetryOptions, type RetryPolicy } from '../shared/retry.js';
import { ackBatch } from './ack.js';
import type { DecodeOptions } from './decode.js';
import type { DeadLetterOutlet } from './dead-letters.js';
import { decodeInFlight, type InFlight } from './in-flight.js';
import { countWrittenBatch, type IngestMetrics } from './metrics.js';
import { watchPull, type PullWatch } from './pull-watch.js';
import type { IngestState } from './state.js';
import { batchTotals, writeBatch, type WriteOptions, type WrittenBatch } from './write-batch.js';

export interface LoopOptions {
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
  /** How long a message the database refused waits before its redelivery. */
  readonly nakDelayMs: number;
}

export interface LoopIoOptions {
  /** The durable consumer, ensured; called again after it was lost. */
  readonly getConsumer: () => Promise<Consumer>;
  readonly decode: DecodeOptions;
  readonly write: WriteOptions;
  readonly deadLetters: DeadLetterOutlet;
  readonly state: IngestState;
  readonly log: Logger;
  readonly metrics?: IngestMetrics;
  /** Test-only seam (seams.ts): called after COMMIT and before any ack. */
  readonly afterCommit?: () => void;
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
  private pull: PullWatch | undefined;
  private stopping = false;
  private readonly wakers = new Set<() => void>();
  private done: Promise<void> = Promise.resolve();
  private readonly backoff: RetryPolicy;
  private readonly writeRetry: RetryOptions;

  constructor(
    private readonly io: LoopIoOptions,
    private readonly s: LoopOptions,
  ) {
    this.backoff = { minMs: s.retryMinMs, maxMs: s.retryMaxMs, jitter: false };
    this.writeRetry = {
      policy: this.backoff,
      retryable: () => !this.stopping,
      onRetry: (err, delay) => {
        this.writeFailed(err);
        io.log.warn({ err: databaseErrorMessage(err), retry_in_ms: delay }, 'batch write failed; retrying');
      },
      sleep: (ms) => this.sleep(ms),
    };
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
        const messages = await this.consume();
        failures = 0;
        for await (const msg of messages) {
          if (this.stopping) break;
          await this.group(decodeInFlight(this.io.decode, msg));
        }
      } catch (err) {
        this.consumerFailed(errorMessage(err));
        this.io.log.warn({ err: errorMessage(err) }, 'ingest consumer failed; recreating it');
      }
      if (!this.stopping) await this.sleep(retryDelayMs(this.backoff, ++failures));
    }
    this.cut();
    await Promise.all(this.writes);
  }

  /** consume: a fresh pull on the (re-)ensured durable, watched for a silent death. */
  private async consume(): Promise<ConsumerMessages> {
    const consumer = await this.io.getConsumer();
    // Bounded by message count. A byte-bounded pull (`max_bytes`) stalled under
    // sustained load in the benchmark: no pull outstanding, 83k messages pending,
    // until missed heartbeats recovered it (nats.js notes this case in its
    // consumer); count-bounded pulls did not stall (docs/benchmarks.md).
    // A pull lives on the consumer's leader: when that server dies the pull dies
    // with it, unnoticed until two heartbeats are missed (half the expiry each).
    const messages = await consumer.consume({ max_messages: this.s.pullMaxMessages, expires: this.s.pullExpiresMs });
    this.messages = messages;
    this.pull = watchPull(messages, {
      pullExpiresMs: this.s.pullExpiresMs,
      // Writing (or held back by a slow database) is not starving.
      busy: () => this.writes.length > 0 || this.batch.length > 0,
      onLost: (why) => this.consumerFailed(why),
      log: this.io.log,
    });
    return messages;
  }

  /** group: adds the message to the filling batch; cuts it when full or old enough. */
  private async group(item: InFlight): Promise<void> {
    this.pull?.alive();
    if (item.msg.info.deliveryCount > 1) this.io.metrics?.redelivered.inc();
    this.io.metrics?.signatures.inc({ result: item.signature });
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
      .then(() => this.writeAndAck(items))
      .catch((err) =>
        this.io.log.error(
          { err: errorMessage(err), messages: items.length },
          'batch not settled; JetStream redelivers it',
        ),
      )
      .finally(() => {
        clearInterval(keepAlive);
        this.release();
        this.writes.splice(this.writes.indexOf(write), 1);
      });
    this.writes.push(write);
  }

  /** transaction → ack, for one batch. */
  private async writeAndAck(items: InFlight[]): Promise<void> {
    let written: WrittenBatch;
    try {
      written = await withRetry(() => writeBatch(this.io.write, items), this.writeRetry);
    } catch (err) {
      this.writeFailed(err);
      this.io.log.warn(
        { err: errorMessage(err), messages: items.length },
        'batch not written at shutdown; left unacked for redelivery',
      );
      return;
    }
    if (written.applied.length > 0) this.io.afterCommit?.();
    ackBatch(this.io.deadLetters, written, this.s.nakDelayMs);
    this.batchDone(written, items.length);
  }

  private batchDone(written: WrittenBatch, messages: number): void {
    const { events, inserted } = batchTotals(written);
    if (this.io.metrics) countWrittenBatch(this.io.metrics, written);
    this.io.state.batchWritten(events, written.ms);
    this.io.log.debug({ messages, events, inserted, ms: Math.round(written.ms) }, 'batch written');
  }

  private writeFailed(err: unknown): void {
    this.io.state.writeFailed(databaseErrorMessage(err));
    this.io.metrics?.errors.inc({ kind: 'transient' });
  }

  private consumerFailed(why: string): void {
    this.io.state.consumerError(why);
    this.io.metrics?.errors.inc({ kind: 'consumer' });
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
