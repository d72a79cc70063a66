// Dashboard 4: pipeline health from Prometheus, over the metrics the roles register
// (src/edge/metrics.ts, src/ingest/metrics.ts, src/api/index.ts, src/shared/metrics.ts).
// `tracker_process_info{roles}` (value 1) names the roles of each scraped process; the
// CPU and RSS panels join it on (job, instance) to label each process by its roles.
// The "days left" stats read the capacity projection every process exports
// (src/capacity/metrics.ts, docs/operations.md "Capacity").
import { dashboard, prom, targets, timeSeriesField, type Dashboard } from './model.js';

const ROLE_JOIN = '* on (job, instance) group_left (roles) tracker_process_info';
const quantiles = (metric: string, by = '') =>
  [0.5, 0.99].map((q) =>
    prom(
      `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket[$__rate_interval])))`,
      `p${q * 100}${by ? ` {{${by}}}` : ''}`,
    ),
  );

const panel = (
  title: string,
  unit: string,
  description: string,
  t: ReturnType<typeof prom>[],
  extra: Record<string, unknown> = {},
) => ({
  type: 'timeseries',
  title,
  description,
  w: 12,
  h: 8,
  targets: targets(...t),
  fieldConfig: timeSeriesField(unit),
  ...extra,
});

/** Days until a store fills at the last hour's growth; red below CAPACITY_WARN_DAYS' default. */
const daysLeft = (title: string, store: 'stream' | 'database', description: string) => ({
  type: 'stat',
  title,
  description,
  w: 6,
  h: 5,
  targets: targets(prom(`min(tracker_capacity_seconds_left{store="${store}"}) / 86400`, 'days left')),
  fieldConfig: {
    defaults: {
      unit: 'd',
      decimals: 1,
      noValue: 'unknown',
      thresholds: {
        mode: 'absolute',
        steps: [
          { color: 'red', value: null },
          { color: 'orange', value: 7 },
          { color: 'green', value: 30 },
        ],
      },
    },
    overrides: [],
  },
  options: {
    reduceOptions: { values: false, calcs: ['lastNotNull'], fields: '' },
    colorMode: 'background',
    graphMode: 'none',
    textMode: 'value',
  },
});

export function pipelineDashboard(): Dashboard {
  return dashboard(
    {
      uid: 'tracker-pipeline',
      title: 'Pipeline',
      description:
        "Edge → JetStream → ingest → TimescaleDB → API health from Prometheus (grafana/prometheus/prometheus.yml scrapes each process's /metrics).",
      tags: ['telemetry-tracker', 'prometheus'],
      refresh: '30s',
      time: { from: 'now-1h', to: 'now' },
      templating: { list: [] },
    },
    [
      panel(
        'Events accepted by type',
        'ops',
        'Valid events accepted by the edge per second (tracker_edge_events_accepted_total).',
        [prom('sum by (type) (rate(tracker_edge_events_accepted_total[$__rate_interval]))', '{{type}}')],
      ),
      panel(
        'Events and frames refused by code',
        'ops',
        'Refusals per second by error code (docs/protocol.md lists the codes).',
        [prom('sum by (code) (rate(tracker_edge_events_rejected_total[$__rate_interval]))', '{{code}}')],
      ),
      panel(
        'JetStream publish latency',
        's',
        'Publish → PubAck round trip per JetStream message (p50, p99), and how long events wait in a micro-batch.',
        [
          ...quantiles('tracker_edge_publish_seconds'),
          prom(
            'histogram_quantile(0.99, sum by (le) (rate(tracker_edge_batch_wait_seconds_bucket[$__rate_interval])))',
            'batch wait p99',
          ),
        ],
      ),
      panel(
        'Edge buffer',
        'short',
        'Events accepted but not yet stored in JetStream (EDGE_MAX_BUFFERED_EVENTS is the cap), and publish failures being retried.',
        [
          prom('sum by (instance) (tracker_edge_inflight_events)', 'buffered {{instance}}'),
          prom('sum(rate(tracker_edge_publish_failures_total[$__rate_interval]))', 'publish failures/s'),
        ],
      ),
      panel(
        'Consumer lag and pending',
        'short',
        'num_pending (in the stream, not yet delivered) and num_ack_pending (delivered, not yet acknowledged) of the durable consumer.',
        [
          prom('max by (instance) (tracker_ingest_consumer_pending)', 'pending {{instance}}'),
          prom('max by (instance) (tracker_ingest_consumer_ack_pending)', 'ack pending {{instance}}'),
        ],
      ),
      panel('COPY batch size', 'short', 'Events per written batch (p50, p99) and events written per second by table.', [
        ...quantiles('tracker_ingest_batch_events'),
        prom('sum by (table) (rate(tracker_ingest_events_total[$__rate_interval]))', 'rows/s {{table}}'),
      ]),
      panel(
        'COPY batch duration',
        's',
        'BEGIN … COPY … COMMIT per batch, bisecting included (p50, p99).',
        quantiles('tracker_ingest_copy_seconds'),
      ),
      panel(
        'Dead letters and ingest errors',
        'short',
        'Messages moved to dead_letters per interval, and ingest errors by kind.',
        [
          prom('sum(increase(tracker_ingest_dead_letters_total[$__rate_interval]))', 'dead letters'),
          prom('sum by (kind) (increase(tracker_ingest_errors_total[$__rate_interval]))', 'errors {{kind}}'),
        ],
        { fieldConfig: timeSeriesField('short', { drawStyle: 'bars', fillOpacity: 80 }) },
      ),
      panel(
        'API latency by route',
        's',
        'Read API request duration by route (p50, p99).',
        quantiles('tracker_http_request_seconds', 'route'),
      ),
      panel(
        'Process CPU by role',
        'percentunit',
        'CPU seconds per second of each process, labelled with the roles it runs.',
        [prom(`rate(process_cpu_seconds_total[$__rate_interval]) ${ROLE_JOIN}`, '{{roles}} {{instance}}')],
      ),
      panel(
        'Process RSS by role',
        'bytes',
        'Resident memory of each process, labelled with the roles it runs, and its V8 heap.',
        [
          prom(`process_resident_memory_bytes ${ROLE_JOIN}`, 'rss {{roles}} {{instance}}'),
          prom(`nodejs_heap_size_used_bytes ${ROLE_JOIN}`, 'heap used {{roles}} {{instance}}'),
        ],
      ),
      daysLeft(
        'NATS log: days left',
        'stream',
        "Days until the stream is full at the last hour's growth: its max_bytes, else the JetStream account's limit, " +
          "else the NATS data directory's disk (embedded default). Red below 7 (CAPACITY_WARN_DAYS' default, when " +
          '/health warns); empty when no limit is known; +Inf when not growing.',
      ),
      daysLeft(
        'PostgreSQL: days left',
        'database',
        "Days until PostgreSQL's data directory's disk is full at the last hour's growth; known only on the embedded " +
          'default (an external database shows "unknown"; watch its disk where it runs).',
      ),
      panel(
        'Store sizes',
        'bytes',
        "The stream's bytes, what each store may still grow by before it is full, the JetStream account's storage, the database size, and free space of the embedded data directories.",
        [
          prom('max by (stream) (tracker_stream_bytes)', 'stream {{stream}}'),
          prom('max(tracker_jetstream_storage_used_bytes)', 'JetStream account'),
          prom('max(tracker_database_size_bytes)', 'database'),
          prom('max by (store) (tracker_data_dir_free_bytes)', 'free: {{store}} dir'),
          prom('min by (store) (tracker_capacity_left_bytes)', 'left before full: {{store}}'),
        ],
      ),
    ],
  );
}
