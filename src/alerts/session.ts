// One leader session of the alerts role (docs/alerts.md "How it runs"), in the order a
// message goes through it:
//
// load:     the checkpoint (stream sequence) and every character's state, from PostgreSQL.
// consume:  the durable consumer, created anew right after the checkpoint (./consumer.ts).
// step:     every ALERT_TICK_MS, or when a batch fills: the mutes are read, the batch's
//           telemetry evaluated in stream order, then the clock (./evaluate.ts).
// commit:   alerts, outbox rows, touched states and the new sequence in ONE transaction
//           on the leader's locked session (./store.ts, ./leader.ts).
// ack:      the batch's messages, only after the commit; then the live messages.
//
// Any failure ends the session: the in-memory state may then be ahead of the database,
// so the next session (this process or another) starts over from the checkpoint.
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../shared/logger.js';
import { alertSubjectFor } from '../shared/subjects.js';
import { ALL_ALERT_KINDS, type AlertJson, type AlertKind } from '../shared/alerts.js';
import { Evaluator } from './evaluate.js';
import { samplesOf } from './decode.js';
import { anyPattern, muteTest } from './mutes.js';
import { inTransaction, loadCheckpoint, loadMutes, writeStep } from './store.js';
import { recreateConsumer } from './consumer.js';
import { countChanges, setOpenCounts, type AlertsMetrics, type AlertsStatus } from './metrics.js';
import type { Leadership } from './leader.js';
import type { AlertChange, AlertRecord } from './types.js';
import type { AlertsOptions } from './index.js';

/** Messages evaluated in one step at most, and how long a started batch waits for more. */
const BATCH_MAX_MESSAGES = 1000;
const BATCH_MAX_WAIT_MS = 50;
/** A pull's lifetime (heartbeats every half): a lost pull ends the session this soon. */
const PULL_EXPIRES_MS = 10_000;

export interface SessionDeps {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly lead: Leadership;
  readonly log: Logger;
  readonly metrics: AlertsMetrics;
  readonly status: AlertsStatus;
}

export function alertJson(a: AlertRecord): AlertJson {
  return {
    id: a.id,
    character_name: a.character,
    kind: a.kind,
    state: a.resolvedAt === null ? 'open' : 'resolved',
    started_at: new Date(a.startedAt).toISOString(),
    resolved_at: a.resolvedAt === null ? null : new Date(a.resolvedAt).toISOString(),
    detail: a.detail,
  };
}

export class LeaderSession {
  private readonly evaluator: Evaluator;
  private readonly ignored: (name: string) => boolean;
  private seq = 0;
  /** Newest received_at evaluated: the clock while catching up (docs/alerts.md "Time"). */
  private clock = 0;
  private caughtUp = false;
  private batch: JsMsg[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: unknown;
  private messages: ConsumerMessages | undefined;
  private stopping = false;

  constructor(
    private readonly d: SessionDeps,
    private readonly o: AlertsOptions,
  ) {
    this.evaluator = new Evaluator(o.evaluation);
    this.ignored = anyPattern(o.ignoreCharacters);
  }

  /** Runs until stop() or a failure (thrown). */
  async run(): Promise<void> {
    await this.load();
    if (this.stopping) return;
    const info = await recreateConsumer(this.d.jsm, this.o.consumer, this.seq);
    this.caughtUp = info.num_pending === 0;
    const consumer = await this.d.js.consumers.get(this.o.consumer.streamName, this.o.consumer.consumerName);
    this.messages = await consumer.consume({ max_messages: BATCH_MAX_MESSAGES, expires: PULL_EXPIRES_MS });
    this.watchStatus(this.messages);
    if (this.stopping) this.messages.stop();
    const ticker = setInterval(() => this.enqueue(true), this.o.tickMs);
    try {
      for await (const msg of this.messages) {
        if (this.failure || this.stopping) break;
        this.batch.push(msg);
        if (this.batch.length >= BATCH_MAX_MESSAGES) this.enqueue(false);
        else this.timer ??= setTimeout(() => this.enqueue(false), BATCH_MAX_WAIT_MS);
        // Back-pressure: a slow database holds the pull, not memory.
        while (this.queued > 1 && !this.failure) await this.chain;
      }
    } finally {
      clearInterval(ticker);
      clearTimeout(this.timer);
    }
    if (!this.failure && this.batch.length > 0) this.enqueue(false);
    await this.chain;
    if (this.failure) throw this.failure;
  }

  /** Ends the session after the step in progress; unevaluated messages wait for the next leader. */
  stop(): void {
    this.stopping = true;
    this.messages?.stop();
  }

  private async load(): Promise<void> {
    const cp = await loadCheckpoint(this.d.lead.client, this.o.consumer.consumerName);
    this.seq = cp.seq;
    const open: Record<AlertKind, number> = { death: 0, offline: 0, idle: 0, client: 0 };
    for (const [name, st] of cp.states) {
      this.evaluator.load(name, st);
      this.clock = Math.max(this.clock, st.lastReceivedAt);
      for (const k of ALL_ALERT_KINDS) if (st.open[k] && !st.open[k].muted) open[k]++;
    }
    setOpenCounts(this.d.metrics, open);
    this.report();
    this.d.log.info({ stream_seq: this.seq, characters: cp.states.size }, 'alerts leader: resuming after checkpoint');
  }

  /** Queues one step behind the previous one: steps never overlap. */
  private enqueue(withClock: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const msgs = this.batch;
    this.batch = [];
    this.queued++;
    this.chain = this.chain
      .then(() => (this.failure ? undefined : this.step(msgs, withClock)))
      .catch((err: unknown) => {
        this.failure ??= err;
        this.messages?.stop();
      })
      .finally(() => {
        this.queued--;
      });
  }

  /** evaluate → commit → ack → publish, for one batch (and the clock when asked). */
  private async step(msgs: JsMsg[], withClock: boolean): Promise<void> {
    if (msgs.length === 0 && !withClock) return;
    const { lead, metrics } = this.d;
    this.evaluator.setMutes(muteTest(await loadMutes(lead.client)));
    const changes: AlertChange[] = [];
    let seq = this.seq;
    for (const m of msgs) {
      // At or below the checkpoint: its effects are committed already.
      if (m.seq <= seq) continue;
      for (const s of samplesOf(this.o.subjectPrefix, m.subject, m.data)) {
        if (this.ignored(s.character)) continue;
        this.clock = Math.max(this.clock, s.receivedAt);
        this.evaluator.apply(s, changes);
        metrics.samples.inc();
      }
      seq = m.seq;
      this.caughtUp = m.info.pending === 0;
    }
    if (withClock) this.evaluator.tick(this.clockNow(), changes);
    const states = this.evaluator.takeDirty();
    if (changes.length > 0 || states.size > 0 || seq > this.seq) {
      const write = { consumerName: this.o.consumer.consumerName, seq, changes, states, rebuilt: false };
      await inTransaction(lead.client, () => writeStep(lead.client, { ...write, webhookUrls: this.o.webhookUrls }));
    }
    this.seq = seq;
    for (const m of msgs) m.ack();
    this.publish(changes);
    countChanges(metrics, changes);
    this.report();
  }

  /** The wall clock once caught up; while catching up, the newest arrival evaluated (docs/alerts.md "Time"). */
  private clockNow(): number {
    return this.caughtUp ? Math.max(Date.now(), this.clock) : this.clock;
  }

  private publish(changes: readonly AlertChange[]): void {
    for (const { alert } of changes) {
      const body = JSON.stringify({ type: 'alert', ...alertJson(alert) });
      this.d.nc.publish(alertSubjectFor(this.o.subjectPrefix, alert.character), body);
    }
  }

  private report(): void {
    const { status, metrics } = this.d;
    status.streamSeq = this.seq;
    status.characters = this.evaluator.characters.size;
    status.caughtUp = this.caughtUp;
    status.lagSeconds = this.caughtUp || this.clock === 0 ? 0 : Math.max(0, (Date.now() - this.clock) / 1000);
    status.lastStepAt = Date.now();
    metrics.characters.set(status.characters);
    metrics.lag.set(status.lagSeconds);
  }

  /** A deleted consumer or a dead pull ends the session (docs/dependencies.md "NATS JetStream"). */
  private watchStatus(messages: ConsumerMessages): void {
    void (async () => {
      for await (const st of messages.status()) {
        if (
          st.type === 'consumer_deleted' ||
          (st.type === 'heartbeats_missed' && st.count >= 2) ||
          (st.type === 'consumer_not_found' && st.count >= 2)
        ) {
          this.failure ??= new Error(`alerts consumer lost: ${st.type}`);
          messages.stop();
          return;
        }
      }
    })().catch(() => {});
  }
}
