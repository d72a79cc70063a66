// The publisher's lane logic with a publish function the test controls: exact size
// sealing, per-event isolation of messages refused for good, retries of transient
// failures, and the stall clock /health reads (docs/edge.md "Publishing", "Failures").
import t from 'tap';
import { Registry } from 'prom-client';
import { Publisher, type StoreWaiter } from '../../src/edge/publisher.js';
import { SizeBudget, msgIdHeaderBytes } from '../../src/edge/size-budget.js';
import { canonicalJson } from '../../src/shared/envelope.js';
import { createEdgeMetrics } from '../../src/edge/metrics.js';
import { checkEvent, isErrorReply, type AcceptedEvent } from '../../src/edge/frame.js';
import { RejectedMessageError, ErrorCodes } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';
import type { JetStreamPublish, PubAck } from '../../src/edge/jetstream-publish.js';
import { whenCaughtUp } from '../helpers/stack.js';

interface Call {
  subject: string;
  payload: Uint8Array;
  msgId: string;
  settle(err?: Error): void;
}

function harness(maxPayload = 1024 * 1024, opts: Partial<ConstructorParameters<typeof Publisher>[1]> = {}) {
  const calls: Call[] = [];
  const publish: JetStreamPublish = (subject, payload, msgId) =>
    new Promise<PubAck>((resolve, reject) => {
      calls.push({
        subject,
        payload,
        msgId,
        settle: (err) => (err ? reject(err) : resolve({ stream: 'S', seq: calls.length, duplicate: false })),
      });
    });
  const budget = new SizeBudget(maxPayload);
  const registry = new Registry();
  const metrics = createEdgeMetrics(registry);
  const publisher = new Publisher(
    publish,
    {
      mode: 'batched',
      batchMaxEvents: 500,
      batchFlushMs: 0,
      maxInflight: 16,
      maxBuffered: 10_000,
      budget,
      publishTimeoutMs: 1000,
      retryMaxMs: 20,
      dedupKeys: 0,
      dedupTtlMs: 1000,
      ...opts,
    },
    metrics,
    createLogger('silent'),
  );
  const limits = { subjectPrefix: 'tr', maxEventDepth: 16, budget };
  const accept = (ev: Record<string, unknown>): AcceptedEvent => {
    const r = checkEvent(ev, undefined, 1, true, limits);
    if (isErrorReply(r)) throw new Error(r.message);
    return r;
  };
  return { calls, publisher, budget, registry, accept };
}

const waiter = () => {
  const w = { stored: 0, refused: [] as { code: string; eventId?: string }[] };
  const sw: StoreWaiter = {
    stored: (n) => {
      w.stored += n;
    },
    refused: (code, _m, eventId) => {
      w.refused.push({ code, eventId });
    },
  };
  return { w, sw };
};
let n = 0;
const ev = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'telemetry',
  character_name: name,
  timestamp: new Date(Date.UTC(2026, 10, 25, 12, 0, 0, n++)).toISOString(),
  ew: 1,
  ns: 2,
  z: 3,
  ...extra,
});

t.test('a batch is sealed before the next event would cross max_payload, headers counted', async (t) => {
  const { calls, publisher, budget, accept } = harness(4096);
  const events = Array.from({ length: 6 }, (_, i) => accept(ev('Pack', { event_id: `e${i}`, pad: 'x'.repeat(900) })));
  const first = accept(ev('Pack', { event_id: 'head' }));
  publisher.add(first);
  publisher.endOfFrame();
  await whenCaughtUp(() => calls.length === 1, { what: 'head published' });
  for (const e of events) publisher.add(e); // fill while the head is in flight (group commit)
  calls[0].settle();
  let settled = 1;
  await whenCaughtUp(
    () => {
      for (; settled < calls.length; settled++) {
        const c = calls[settled];
        const env = JSON.parse(Buffer.from(c.payload).toString()) as { events: Record<string, unknown>[] };
        const eventBytes = env.events.reduce((sum, e) => sum + Buffer.byteLength(canonicalJson(e)), 0);
        const wire = c.payload.length + msgIdHeaderBytes(c.msgId.length);
        t.equal(
          budget.messageBytes('telemetry', env.events.length, eventBytes),
          wire,
          `message ${settled + 1}: the budget's count is the wire size, ${wire} bytes`,
        );
        t.ok(wire <= budget.maxPayload, `message ${settled + 1}: within max_payload`);
        c.settle();
      }
      return publisher.buffered === 0;
    },
    { what: 'all stored' },
  );
  t.equal(calls.length, 3, 'the head, then 3 + 3 events (a fourth would cross max_payload)');
});

t.test('a message refused for good is split; only the event that cannot travel is given up', async (t) => {
  const { calls, publisher, accept, registry } = harness();
  const { w, sw } = waiter();
  const evs = ['a', 'b', 'c'].map((id) => accept(ev('Split', { event_id: id })));
  for (const e of evs) publisher.add(e, sw);
  publisher.endOfFrame();
  await whenCaughtUp(() => calls.length === 1, { what: 'the batch' });
  calls[0].settle(new RejectedMessageError(ErrorCodes.tooLarge, 'too big'));
  await whenCaughtUp(() => calls.length === 2, { what: 'first single' });
  t.equal(calls[1].msgId, evs[0].key, 'split into single-event messages with the event key as id');
  calls[1].settle();
  await whenCaughtUp(() => calls.length === 3, { what: 'second single' });
  calls[2].settle(new RejectedMessageError(ErrorCodes.tooLarge, 'still too big'));
  await whenCaughtUp(() => calls.length === 4, { what: 'third single' });
  calls[3].settle();
  await whenCaughtUp(() => publisher.buffered === 0, { what: 'nothing buffered' });
  t.same(w, { stored: 2, refused: [{ code: 'too_large', eventId: 'b' }] }, 'two stored, one refused with its event_id');
  t.ok(publisher.healthy, 'refusals for good never make the publisher unhealthy');
  t.match(await registry.getSingleMetricAsString('tracker_edge_events_given_up_total'), /code="too_large"\} 1/);
  t.match(await registry.getSingleMetricAsString('tracker_edge_publish_failures_total'), / 0$/, 'nothing retried');
});

t.test('a transient failure is retried with the same message id, and is unhealthy until it heals', async (t) => {
  const { calls, publisher, accept } = harness();
  const { w, sw } = waiter();
  publisher.add(accept(ev('Retry', { event_id: 'r' })), sw);
  publisher.endOfFrame();
  await whenCaughtUp(() => calls.length === 1, { what: 'first try' });
  calls[0].settle(new Error('JetStream publish timed out (no PubAck)'));
  await whenCaughtUp(() => !publisher.healthy, { what: 'unhealthy while failing' });
  await whenCaughtUp(() => calls.length === 2, { what: 'retry' });
  t.equal(calls[1].msgId, calls[0].msgId, 'same Nats-Msg-Id on retry');
  calls[1].settle();
  await whenCaughtUp(() => w.stored === 1, { what: 'stored' });
  t.ok(publisher.healthy, 'healthy again');
});

t.test('each outcome frees its in-flight slot once: stored, refused for good, failed', async (t) => {
  const { calls, publisher, accept } = harness(1024 * 1024, { maxInflight: 1 });
  const { w, sw } = waiter();
  for (const name of ['SlotA', 'SlotB', 'SlotC']) publisher.add(accept(ev(name, { event_id: name })), sw);
  publisher.endOfFrame();
  await whenCaughtUp(() => calls.length === 1, { what: 'the first lane' });
  t.equal(publisher.inflightPublishes, 1, 'one slot: the other lanes wait');
  calls[0].settle(new RejectedMessageError(ErrorCodes.tooLarge, 'too big'));
  await whenCaughtUp(() => calls.length === 2, { what: 'the slot freed by a refusal' });
  t.equal(publisher.inflightPublishes, 1);
  calls[1].settle(new Error('JetStream publish timed out (no PubAck)'));
  await whenCaughtUp(() => calls.length === 3, { what: 'the slot freed by a failure' });
  t.not(calls[2].subject, calls[1].subject, 'the waiting lane takes the slot while the failed one backs off');
  t.equal(publisher.inflightPublishes, 1);
  calls[2].settle();
  await whenCaughtUp(() => calls.length === 4, { what: 'the retry, in the slot freed by a store' });
  t.equal(calls[3].msgId, calls[1].msgId, 'the failed message again');
  calls[3].settle();
  await whenCaughtUp(() => publisher.buffered === 0, { what: 'nothing buffered' });
  t.equal(publisher.inflightPublishes, 0, 'every slot given back');
  t.same(w, { stored: 2, refused: [{ code: 'too_large', eventId: 'SlotA' }] });
  publisher.close();
});

t.test('the stall clock runs only while events wait with nothing stored', async (t) => {
  const { calls, publisher, accept } = harness();
  t.equal(publisher.stalledForMs(), 0, 'nothing buffered: not stalled');
  publisher.add(accept(ev('Stall')));
  publisher.endOfFrame();
  await whenCaughtUp(() => calls.length === 1, { what: 'published' });
  const now = Date.now();
  t.ok(publisher.stalledForMs(now + 5000) >= 5000, 'an unanswered publish stalls');
  calls[0].settle();
  await whenCaughtUp(() => publisher.buffered === 0, { what: 'stored' });
  t.equal(publisher.stalledForMs(now + 60_000), 0, 'stored: the clock stops');
  publisher.close();
});
