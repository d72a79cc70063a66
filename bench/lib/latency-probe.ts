// Send-to-visible latency, sampled. Projections ignore extra fields such as
// `bench_sent_ms`, so the time cannot be read back from the rows. Instead a probe
// client (one more WebSocket connection beside the load) sends `probeRate` telemetry
// events per second, each with a unique `event_id`; we derive its row key with the
// pipeline's own eventKey() and poll PostgreSQL every POLL_MS for keys not yet seen.
// visible_at = start of the first poll whose snapshot contains the row, so each
// sample over-states the true latency by at most POLL_MS + the poll's own duration.
// `received_at` (stamped by the edge) also splits client->edge from edge->visible.
import WebSocket from 'ws';
import pg from 'pg';
import { eventKey } from '../../src/shared/envelope.js';
import { probeEvent } from '../loadgen/events.js';
import { sleep } from '../../src/localstack/process.js';

const POLL_MS = 20;

export interface LatencyStats {
  /** Probe events sent (they count in the server's accepted counter, not in `landed`). */
  sent: number;
  samples: number;
  lost: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  /** Median of edge receipt (received_at) to visible. */
  p50EdgeToVisibleMs?: number;
  p99EdgeToVisibleMs?: number;
  /** Pipeline runs only: edge receipt -> stored in JetStream, and stored -> visible (see splitAtStream). */
  p50EdgeToStreamMs?: number;
  p99EdgeToStreamMs?: number;
  p50StreamToVisibleMs?: number;
  p99StreamToVisibleMs?: number;
  pollMs: number;
}

/** One probe sample: the stream sequence of its message, edge receipt and visible time (ms). */
export interface ProbeSample {
  seq: number;
  receivedMs: number;
  visibleMs: number;
}

export interface LatencyProbe {
  start(): void;
  /** Probe events sent so far. */
  sent(): number;
  /** Stops sending; waits up to waitMs for outstanding probes; returns the statistics. */
  finish(waitMs: number): Promise<LatencyStats>;
  /** The samples behind the statistics (for splitAtStream). */
  samples(): readonly ProbeSample[];
}

export async function startProbe(o: {
  url: string;
  headers?: Record<string, string>;
  databaseUrl: string;
  ratePerS: number;
  runId: string;
}): Promise<LatencyProbe> {
  const ws = new WebSocket(o.url, { headers: o.headers, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  const db = new pg.Client({ connectionString: o.databaseUrl, application_name: 'bench-probe' });
  await db.connect();
  const character = `bench probe ${o.runId}`;
  const startedAt = Date.now();
  const pending = new Map<string, number>(); // event key -> sent ms
  const latencies: number[] = [];
  const edgeToVisible: number[] = [];
  const detail: ProbeSample[] = [];
  let sending = false;
  let polling = true;
  let seq = 0;
  let sender: NodeJS.Timeout | undefined;

  const poller = (async () => {
    while (polling) {
      const t0 = Date.now();
      if (pending.size) {
        // Bounded by the probe character's index (character_name, ts): a lookup by
        // event_key alone went to a sequential scan on the fresh, un-analyzed hypertable
        // and cost PostgreSQL half a core every 20 ms, stealing CPU from the pipeline.
        const { rows } = await db.query<{ k: string; r: Date; s: string }>(
          'select event_key::text as k, received_at as r, stream_seq as s from telemetry where character_name = $1 and ts >= $2 and event_key = any($3::uuid[])',
          [character, new Date(startedAt - 60_000), [...pending.keys()]],
        );
        for (const row of rows) {
          const sent = pending.get(row.k);
          if (sent === undefined) continue;
          pending.delete(row.k);
          latencies.push(t0 - sent);
          edgeToVisible.push(t0 - row.r.getTime());
          detail.push({ seq: Number(row.s), receivedMs: row.r.getTime(), visibleMs: t0 });
        }
      }
      await sleep(Math.max(1, POLL_MS - (Date.now() - t0)));
    }
  })();

  return {
    sent: () => seq,
    samples: () => detail,
    start() {
      sending = true;
      sender = setInterval(() => {
        if (!sending || ws.readyState !== ws.OPEN) return;
        const now = Date.now();
        const ev = probeEvent(character, `${o.runId}-${++seq}`, now);
        pending.set(eventKey(ev), now);
        ws.send(JSON.stringify(ev));
      }, 1000 / o.ratePerS);
    },
    async finish(waitMs) {
      sending = false;
      if (sender) clearInterval(sender);
      const deadline = Date.now() + waitMs;
      while (pending.size && Date.now() < deadline) await sleep(POLL_MS);
      polling = false;
      await poller.catch(() => {});
      ws.close();
      await db.end().catch(() => {});
      return {
        sent: seq,
        samples: latencies.length,
        lost: pending.size,
        pollMs: POLL_MS,
        ...percentiles(latencies, edgeToVisible),
      };
    },
  };
}

/**
 * Splits edge -> visible at the JetStream store: `storedMs(seq)` gives the stream's own
 * timestamp of the probe's message (same machine clock as the edge's received_at).
 */
export async function splitAtStream(
  stats: LatencyStats,
  samples: readonly ProbeSample[],
  storedMs: (seq: number) => Promise<number | undefined>,
): Promise<void> {
  const toStream: number[] = [];
  const fromStream: number[] = [];
  for (const d of samples) {
    const at = await storedMs(d.seq).catch(() => undefined);
    if (at === undefined) continue;
    toStream.push(at - d.receivedMs);
    fromStream.push(d.visibleMs - at);
  }
  const a = toStream.sort((x, y) => x - y);
  const b = fromStream.sort((x, y) => x - y);
  Object.assign(stats, {
    p50EdgeToStreamMs: pct(a, 50),
    p99EdgeToStreamMs: pct(a, 99),
    p50StreamToVisibleMs: pct(b, 50),
    p99StreamToVisibleMs: pct(b, 99),
  });
}

function pct(sorted: number[], p: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function percentiles(lat: number[], e2v: number[]) {
  const a = [...lat].sort((x, y) => x - y);
  const b = [...e2v].sort((x, y) => x - y);
  return {
    p50Ms: pct(a, 50),
    p95Ms: pct(a, 95),
    p99Ms: pct(a, 99),
    maxMs: a[a.length - 1],
    p50EdgeToVisibleMs: pct(b, 50),
    p99EdgeToVisibleMs: pct(b, 99),
  };
}
