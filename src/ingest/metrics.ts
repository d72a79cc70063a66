// Prometheus metrics of the ingest role, registered on the process registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { batchTotals, type WrittenBatch } from './write-batch.js';

export interface IngestMetrics {
  events: Counter<'table'>;
  duplicates: Counter<'table'>;
  batchEvents: Histogram;
  copySeconds: Histogram;
  pending: Gauge;
  ackPending: Gauge;
  errors: Counter<'kind'>;
  deadLetters: Counter;
  isolated: Counter<'reason'>;
  redelivered: Counter;
  signatures: Counter<'result'>;
}

/** Error kinds counted in tracker_ingest_errors_total{kind}. */
export const ERROR_KINDS = ['transient', 'data', 'poison', 'consumer', 'lag_poll'] as const;

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  const m: IngestMetrics = { ...writeMetrics(registers), ...consumerMetrics(registers), ...failureMetrics(registers) };
  // Every kind exported from the start (at 0), so rate() and the Pipeline dashboard
  // see a series before the first error (Prometheus docs, instrumentation: "avoid missing metrics").
  for (const kind of ERROR_KINDS) m.errors.inc({ kind }, 0);
  for (const result of ['valid', 'invalid', 'absent']) m.signatures.inc({ result }, 0);
  return m;
}

/** Counts a batch once it is written and settled. */
export function countWrittenBatch(m: IngestMetrics, w: WrittenBatch): void {
  m.copySeconds.observe(w.ms / 1000);
  m.batchEvents.observe(batchTotals(w).events);
  for (const [table, n] of Object.entries(w.counts.inserted)) {
    m.events.inc({ table }, n);
    m.duplicates.inc({ table }, (w.counts.events[table] ?? 0) - n);
  }
  if (w.deadLetters.length) m.deadLetters.inc(w.deadLetters.length);
  for (const d of w.deadLetters) m.isolated.inc({ reason: d.code });
  if (w.refused) m.errors.inc({ kind: 'data' }, w.refused);
  const undecodable = w.deadLetters.filter((d) => d.item.decoded === undefined).length;
  if (undecodable) m.errors.inc({ kind: 'poison' }, undecodable);
}

/** What the writes stored: rows, duplicates, batch sizes and times. */
const writeMetrics = (registers: Registry[]) => ({
  events: new Counter({
    name: 'tracker_ingest_events_total',
    help: 'Events written to a projection table (new rows; re-applied events are counted in tracker_ingest_duplicates_total).',
    labelNames: ['table'],
    registers,
  }),
  duplicates: new Counter({
    name: 'tracker_ingest_duplicates_total',
    help: 'Events that were already in their table (redelivery, resend, replay): skipped by ON CONFLICT.',
    labelNames: ['table'],
    registers,
  }),
  batchEvents: new Histogram({
    name: 'tracker_ingest_batch_events',
    help: 'Events per written batch.',
    buckets: [1, 10, 50, 100, 500, 1000, 2500, 5000, 10000, 50000],
    registers,
  }),
  copySeconds: new Histogram({
    name: 'tracker_ingest_copy_seconds',
    help: 'Time to write one batch (BEGIN … COPY … COMMIT, including any bisecting).',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  }),
});

/** The durable consumer: what waits, what is unacknowledged, what came again. */
const consumerMetrics = (registers: Registry[]) => ({
  pending: new Gauge({
    name: 'tracker_ingest_consumer_pending',
    help: 'Messages in the stream not yet delivered to the durable consumer (num_pending).',
    registers,
  }),
  ackPending: new Gauge({
    name: 'tracker_ingest_consumer_ack_pending',
    help: 'Messages delivered but not yet acknowledged (num_ack_pending).',
    registers,
  }),
  redelivered: new Counter({
    name: 'tracker_ingest_redelivered_total',
    help:
      'Messages received on their second or later delivery: held by a consumer that died or stalled past ' +
      "ack_wait, or nak'ed. Harmless (apply is idempotent); a steady rise means consumers crash or batches " +
      'outlast ack_wait.',
    registers,
  }),
  signatures: new Counter({
    name: 'tracker_ingest_signatures_total',
    help:
      'Messages by their edge signature (Tracker-Sig, docs/security.md "Signed messages"): valid (the schema is not ' +
      'run again), invalid (made with another key, or forged: checked in full), absent (checked in full). A rise in ' +
      'invalid means an edge and this ingest do not share TRACKER_SIGNING_KEY.',
    labelNames: ['result'],
    registers,
  }),
});

/** Errors, dead letters and isolated messages. */
const failureMetrics = (registers: Registry[]) => ({
  errors: new Counter({
    name: 'tracker_ingest_errors_total',
    help:
      'Ingest errors by kind: transient (database unreachable; batch retried), data (batch refused; bisected), ' +
      'poison (message refused), consumer (JetStream consumer trouble), lag_poll.',
    labelNames: ['kind'],
    registers,
  }),
  deadLetters: new Counter({
    name: 'tracker_ingest_dead_letters_total',
    help: 'Messages moved to dead_letters and the dead-letter subject.',
    registers,
  }),
  isolated: new Counter({
    name: 'tracker_ingest_isolated_total',
    help:
      'Messages dead-lettered, by reason code (docs/ingest.md "Foreign and malformed messages"): the rest ' +
      'of the stream flows on.',
    labelNames: ['reason'],
    registers,
  }),
});
