// Capacity gauges on /metrics, read lazily at scrape time through the cached probe
// (src/capacity/probe.ts): a scrape asks NATS and PostgreSQL at most once per probe TTL.
// Names and units: docs/operations.md "Capacity".
import { Gauge, type Registry } from 'prom-client';
import type { CapacityReading } from './probe.js';
import type { Projection } from './projection.js';

export interface CapacityView {
  reading(): Promise<CapacityReading>;
  projections(r: CapacityReading): { stream: Projection; database: Projection };
}

/** Registers the gauges; every one is set from the same reading in one collect(). */
export function registerCapacityMetrics(registry: Registry, view: CapacityView): void {
  // prom-client collects every metric concurrently: each gauge awaits the same cached
  // reading and sets all of them from it, so one scrape shows one consistent reading.
  // A failed reading keeps the last values: /metrics stays up while NATS or PostgreSQL is
  // down, and the stream and database checks of /health say why.
  const collect = async () => {
    await view.reading().then(
      (r) => setAll(g, view, r),
      () => {},
    );
  };
  const g = capacityGauges(registry, collect);
}

type Gauges = ReturnType<typeof capacityGauges>;

function capacityGauges(registry: Registry, collect: () => Promise<void>) {
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect });
  return {
    streamBytes: gauge('tracker_stream_bytes', 'Bytes the stream holds (JetStream stream state).', ['stream']),
    streamMessages: gauge('tracker_stream_messages', 'Messages the stream holds.', ['stream']),
    streamMaxBytes: gauge('tracker_stream_max_bytes', 'Byte cap of the stream (STREAM_MAX_BYTES); -1 = unlimited.', [
      'stream',
    ]),
    streamMaxMessages: gauge('tracker_stream_max_messages', 'Message cap of the stream; -1 = unlimited.', ['stream']),
    jsUsed: gauge('tracker_jetstream_storage_used_bytes', 'File storage the JetStream account uses (all its streams).'),
    jsReserved: gauge(
      'tracker_jetstream_storage_reserved_bytes',
      'File storage the JetStream account has reserved for streams with a byte cap.',
    ),
    jsMax: gauge('tracker_jetstream_storage_max_bytes', "The account's file storage limit; -1 = unlimited."),
    dbBytes: gauge('tracker_database_size_bytes', 'pg_database_size(current_database()).'),
    dirFree: gauge(
      'tracker_data_dir_free_bytes',
      'Free space (for an unprivileged user) of the embedded data directory of each store; absent when external.',
      ['store', 'path'],
    ),
    dirSize: gauge('tracker_data_dir_size_bytes', 'Size of the filesystem holding each embedded data directory.', [
      'store',
      'path',
    ]),
    left: gauge(
      'tracker_capacity_left_bytes',
      'Bytes each store may still grow by before it is full (see /health capacity for which limit); absent when unknown.',
      ['store'],
    ),
    // Seconds, Prometheus's base unit (promtool refuses days); Grafana shows them in days.
    timeLeft: gauge(
      'tracker_capacity_seconds_left',
      "Time until each store is full at the last hour's growth (+Inf when not growing); absent when unknown.",
      ['store'],
    ),
  };
}

function setAll(g: Gauges, view: CapacityView, r: CapacityReading): void {
  const stream = { stream: r.stream.name };
  g.streamBytes.set(stream, r.stream.bytes);
  g.streamMessages.set(stream, r.stream.messages);
  g.streamMaxBytes.set(stream, r.stream.maxBytes);
  g.streamMaxMessages.set(stream, r.stream.maxMessages);
  g.jsUsed.set(r.account.storageBytes);
  g.jsReserved.set(r.account.reservedStorageBytes);
  g.jsMax.set(r.account.maxStorageBytes);
  g.dbBytes.set(r.databaseBytes);
  for (const [store, dir] of Object.entries(r.dirs)) {
    if (!dir) continue;
    g.dirFree.set({ store, path: dir.path }, dir.freeBytes);
    g.dirSize.set({ store, path: dir.path }, dir.sizeBytes);
  }
  g.left.reset();
  g.timeLeft.reset();
  for (const [store, p] of Object.entries(view.projections(r))) {
    if (p.leftBytes !== null) g.left.set({ store }, p.leftBytes);
    if (p.daysLeft !== null) g.timeLeft.set({ store }, p.daysLeft * 86_400);
  }
}
