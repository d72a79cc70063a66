// Prometheus metrics of the edge (registered on the process registry, rt.metrics).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createEdgeMetrics(registry: Registry) {
  const registers = [registry];
  return { ...eventMetrics(registers), ...publishMetrics(registers), ...socketMetrics(registers) };
}
export type EdgeMetrics = ReturnType<typeof createEdgeMetrics>;

type Registers = Registry[];

/** What happened to the events plugins sent. */
const eventMetrics = (registers: Registers) => ({
  accepted: new Counter({
    name: 'tracker_edge_events_accepted_total',
    help: 'Events accepted (valid), by type.',
    labelNames: ['type'] as const,
    registers,
  }),
  rejected: new Counter({
    name: 'tracker_edge_events_rejected_total',
    help: 'Events or frames refused, by error code.',
    labelNames: ['code'] as const,
    registers,
  }),
  normalized: new Counter({
    name: 'tracker_edge_normalized_total',
    help: 'Events an older-plugin rule made canonical before validation, by rule (docs/protocol.md "Older plugins").',
    labelNames: ['rule'] as const,
    registers,
  }),
  duplicates: new Counter({
    name: 'tracker_edge_duplicates_skipped_total',
    help: 'Accepted events not published again because their key was stored recently.',
    registers,
  }),
  givenUp: new Counter({
    name: 'tracker_edge_events_given_up_total',
    help:
      'Accepted events the edge gave up on because NATS or JetStream refuses their message for good (by error ' +
      'code); never retried, the rest flows on.',
    labelNames: ['code'] as const,
    registers,
  }),
  quarantined: new Counter({
    name: 'tracker_edge_quarantined_total',
    help: 'Refused events (or frames that are not JSON) stored in the quarantine stream, by reason code.',
    labelNames: ['reason'] as const,
    registers,
  }),
  quarantineDropped: new Counter({
    name: 'tracker_edge_quarantine_dropped_total',
    help:
      'Refused events that should have been quarantined but were not (too many quarantine publishes in flight, or ' +
      'JetStream refused the record), by reason code.',
    labelNames: ['reason'] as const,
    registers,
  }),
});

/** JetStream publishing: round trips, batching, failures, what is still unstored. */
const publishMetrics = (registers: Registers) => ({
  publishSeconds: new Histogram({
    name: 'tracker_edge_publish_seconds',
    help: 'JetStream publish round-trip (publish to PubAck) per message.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers,
  }),
  batchWaitSeconds: new Histogram({
    name: 'tracker_edge_batch_wait_seconds',
    help:
      'From the first event of a JetStream message reaching the edge to its publish (batching and waiting ' +
      "for the character's previous message).",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  }),
  publishFailures: new Counter({
    name: 'tracker_edge_publish_failures_total',
    help: 'JetStream publishes that failed and will be retried.',
    registers,
  }),
  storeFull: new Counter({
    name: 'tracker_edge_publish_store_full_total',
    help:
      'JetStream publishes refused for want of room, retried: `log_full` the stream reached STREAM_MAX_BYTES, ' +
      '`disk_full` the NATS store is full (docs/operations.md "Limits").',
    labelNames: ['reason'] as const,
    registers,
  }),
  messages: new Counter({
    name: 'tracker_edge_messages_published_total',
    help: 'JetStream messages stored (each carries one or more events).',
    registers,
  }),
  inflightEvents: new Gauge({
    name: 'tracker_edge_inflight_events',
    help: 'Events accepted but not yet stored in JetStream.',
    registers,
  }),
});

/** WebSocket connections and the live feed. */
const socketMetrics = (registers: Registers) => ({
  connections: new Gauge({
    name: 'tracker_edge_connections',
    help: 'Open WebSocket connections, by route.',
    labelNames: ['route'] as const,
    registers,
  }),
  liveMessages: new Counter({
    name: 'tracker_edge_live_messages_total',
    help: 'Events forwarded to /ws/live topics.',
    labelNames: ['type'] as const,
    registers,
  }),
});
