// Result file (JSON) and the markdown table shown in the README. Ratios are taken
// against the naive baseline of the SAME invocation: the machine is shared and noisy,
// so only same-run comparisons mean anything.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MeasureResult } from './measure.js';
import type { ValidateResult } from '../components/validate.js';
import type { CopyInsertResult } from '../components/copy-vs-insert.js';
import type { JetStreamPublishResult } from '../components/jetstream-publish.js';
import type { JetStreamSyncResult } from '../components/jetstream-sync.js';
import type { TransportResult } from '../components/transport.js';
import type { CommitInfo } from './commit.js';
import type { Summary } from './stats.js';
import { commitLabel } from './commit.js';
import { cpuTableLines, loadgenLines, scenarioRow, SCENARIO_HEADER, type Runs } from './report-runs.js';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  os: string;
  node: string;
  postgres?: string;
  timescaledb?: string;
  nats?: string;
  durablePostgres: boolean;
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchResults {
  version: 1;
  startedAt: string;
  wallS: number;
  command: string;
  /** The checkout measured (git rev-parse HEAD, and whether it had uncommitted changes). */
  commit?: CommitInfo;
  /** Runs per scenario (`--repeat`). */
  repeat?: number;
  machine: Machine;
  components: {
    validation?: ValidateResult;
    copyInsert?: CopyInsertResult;
    jetstreamPublish?: JetStreamPublishResult;
    jetstreamSync?: JetStreamSyncResult;
    transport?: TransportResult;
  };
  scenarios: Partial<
    Record<
      'naive' | 'per-event' | 'batched' | 'latency' | 'batched-ws' | 'latency-ws',
      | (MeasureResult & {
          streamMessages?: number;
          /** Every successful run (--repeat); the fields above are the median-e2e run's. */
          repeats?: MeasureResult[];
          /** Median, min, max and spread of the key figures over those runs. */
          spread?: Record<string, Summary | undefined>;
          failedRuns?: number;
        })
      | { error: string }
    >
  >;
  targets: Target[];
  notes: string[];
  profiles?: { file: string; summary: string }[];
}

const ok = (s: unknown): s is MeasureResult => !!s && typeof s === 'object' && 'e2ePerS' in s;
const n = (x: number | undefined) => (x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(1)}×` : '–');

export function computeTargets(r: BenchResults): Target[] {
  const s = r.scenarios;
  const naive = ok(s.naive) ? s.naive : undefined;
  const batched = ok(s.batched) ? s.batched : undefined;
  const perEvent = ok(s['per-event']) ? s['per-event'] : undefined;
  const lat = ok(s.latency) ? s.latency : undefined;
  const t: Target[] = [];
  t.push(
    batched
      ? {
          name: 'batched end-to-end',
          target: '≥ 100,000 ev/s',
          measured: `${n(batched.e2ePerS)} ev/s (steady ${n(batched.steadyLandedPerS)})`,
          met: batched.e2ePerS >= 100000,
        }
      : { name: 'batched end-to-end', target: '≥ 100,000 ev/s', measured: 'not run', met: null },
  );
  t.push(
    perEvent
      ? {
          name: 'per-event end-to-end',
          target: '≥ 15,000 ev/s',
          measured: `${n(perEvent.e2ePerS)} ev/s`,
          met: perEvent.e2ePerS >= 15000,
        }
      : { name: 'per-event end-to-end', target: '≥ 15,000 ev/s', measured: 'not run', met: null },
  );
  if (lat) {
    const achieved = lat.accepted / lat.durationS;
    t.push({
      name: `p99 send-to-visible at ${n(lat.rate)} ev/s offered`,
      target: '≤ 1,000 ms',
      measured: `${n(lat.latency.p99Ms)} ms (p50 ${n(lat.latency.p50Ms)}, ${lat.latency.samples} samples, ${n(achieved)} ev/s achieved)`,
      met: lat.latency.p99Ms !== undefined && lat.latency.p99Ms <= 1000 && lat.latency.lost === 0,
    });
    const rss = lat.processes.edge?.peakRssMb;
    const idle = lat.processes.edge?.connectedRssMb;
    t.push({
      name: `edge RSS with ${n(lat.connected)} clients`,
      target: '< 200 MB',
      measured:
        rss === undefined ? '–' : `${rss} MB peak under ${n(achieved)} ev/s; ${idle ?? '–'} MB connected, before load`,
      met: rss === undefined ? null : rss < 200,
    });
  } else {
    t.push({ name: 'p99 send-to-visible at 20,000 ev/s', target: '≤ 1,000 ms', measured: 'not run', met: null });
  }
  t.push(
    batched && naive
      ? {
          name: 'batched vs naive port',
          target: '≥ 30×',
          measured: ratio(batched.e2ePerS, naive.e2ePerS),
          met: batched.e2ePerS >= 30 * naive.e2ePerS,
        }
      : { name: 'batched vs naive port', target: '≥ 30×', measured: 'not run', met: null },
  );
  return t;
}

export function markdown(r: BenchResults): string {
  const s = r.scenarios;
  const naive = ok(s.naive) ? s.naive : undefined;
  const m = r.machine;
  const lines: string[] = [];
  lines.push(
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB RAM, ${m.os}; Node ${m.node}; ${m.postgres ?? 'PostgreSQL ?'}, TimescaleDB ${m.timescaledb ?? '?'}${m.durablePostgres ? ' (fsync on)' : ' (fsync OFF)'}; nats-server ${m.nats ?? '?'}. NATS, PostgreSQL, app and load generator share the machine.`,
  );
  lines.push(`Run: \`${r.command}\`, ${r.startedAt}, ${Math.round(r.wallS)} s.`);
  lines.push(
    `Commit: ${commitLabel(r.commit)}. Each scenario ran ${r.repeat ?? 1} time(s): figures are the median (min–max); a spread (max − min) / median over 25% is flagged ⚠.`,
    '',
  );
  lines.push(...SCENARIO_HEADER);
  const runsOf: [string, Runs][] = [];
  for (const [name, v] of Object.entries(s)) {
    if (!ok(v)) {
      lines.push(`| ${name} | failed: ${(v as { error: string }).error.split('\n')[0].slice(0, 120)} |||||||||||||`);
      continue;
    }
    const runs = v.repeats?.length ? v.repeats : [v];
    runsOf.push([name, runs]);
    lines.push(scenarioRow(name, runs, naive?.e2ePerS));
  }
  lines.push(...cpuTableLines(runsOf), ...loadgenLines(runsOf));
  lines.push(...transportTable(r));
  lines.push('', '| target | wanted | measured | met |', '|---|---|---|---|');
  for (const t of r.targets)
    lines.push(`| ${t.name} | ${t.target} | ${t.measured} | ${t.met === null ? '–' : t.met ? 'yes' : 'NO'} |`);
  const c = r.components;
  if (c.validation || c.copyInsert || c.jetstreamPublish || c.jetstreamSync || c.transport) {
    lines.push('', '| component | figure |', '|---|---|');
    if (c.validation) {
      const v = c.validation;
      lines.push(
        `| ajv validation (${v.validator}) | ${v.validateNsPerEvent} ns/event (${n(1e9 / v.validateNsPerEvent)} ev/s/core) |`,
      );
      lines.push(`| JSON.parse of one event | ${v.jsonParseNsPerEvent} ns/event |`);
      lines.push(
        `| canonical JSON + event key (sha256), the edge's one serialization per event | ${v.eventKeyNsPerEvent} ns/event |`,
      );
      lines.push(
        `| older-plugin normaliser, canonical telemetry (the fast test it pays) | ${v.normalizeCanonicalNsPerEvent} ns/event |`,
        `| older-plugin normaliser, legacy telemetry (N/A, numbers as text, zoneless timestamp) | ${v.normalizeLegacyNsPerEvent} ns/event |`,
        `| edge check per event (validate, normalise if needed, canonical JSON, key): canonical / legacy telemetry | ${v.checkCanonicalNsPerEvent} / ${v.checkLegacyNsPerEvent} ns/event |`,
      );
    }
    if (c.copyInsert) {
      const x = c.copyInsert.rowsPerS;
      lines.push(
        `| COPY, ${c.copyInsert.batchRows}-row batches (ingest's default path) | ${n(x.copy)} rows/s (${c.copyInsert.copyVsInsertMulti}× multi-row INSERT) |`,
      );
      lines.push(
        `| COPY to staging + INSERT … ON CONFLICT (ingest's fallback when a batch repeats stored events) | ${n(x.copyStaging)} rows/s |`,
      );
      lines.push(`| multi-row INSERT, ${c.copyInsert.batchRows} rows | ${n(x.insertMulti)} rows/s |`);
      lines.push(`| single-row INSERT, autocommit | ${n(x.insertSingle)} rows/s |`);
    }
    if (c.jetstreamPublish) {
      const j = c.jetstreamPublish;
      lines.push(
        `| JetStream publish + PubAck, 512 in flight, 1.8 KB: nats.js \`js.publish\` | ${n(j.natsJs.msgsPerS)} msgs/s, ${j.natsJs.cpuUsPerMsg} µs client CPU per message |`,
      );
      lines.push(
        `| the same through the edge's publisher (src/edge/jetstream-publish.ts) | ${n(j.edge.msgsPerS)} msgs/s (${ratio(j.edge.msgsPerS, j.natsJs.msgsPerS)}), ${j.edge.cpuUsPerMsg} µs client CPU per message |`,
      );
    }
    if (c.jetstreamSync) lines.push(...syncRows(c.jetstreamSync));
    if (c.transport) {
      const x = c.transport;
      const u = x.byTransport.uws;
      for (const [name, v] of Object.entries(x.byTransport)) {
        lines.push(
          `| WebSocket frames in + replies out, ${x.clients} clients, ${x.eventsPerFrame} events (${n(x.frameBytes)} B) per frame: ${name === 'uws' ? 'native uWS' : 'ws + node:http'} | ${n(v.framesPerS)} frames/s, ${v.serverCpuUsPerFrame} µs server CPU per frame${name !== 'uws' && u ? ` (${ratio(v.serverCpuUsPerFrame, u.serverCpuUsPerFrame)} native)` : ''} |`,
        );
      }
    }
  }
  if (r.notes.length) lines.push('', ...r.notes.map((x) => `- ${x}`));
  if (r.profiles?.length) {
    lines.push('', 'CPU profiles (top self time):', '');
    for (const p of r.profiles)
      lines.push(`\`${p.file}\``, '', ...(p.summary ? ['```', p.summary.trimEnd(), '```', ''] : []));
  }
  return `${lines.join('\n')}\n`;
}

/** NATS_SYNC_INTERVAL default against always, two servers measured A B A B in this run. */
function syncRows(x: JetStreamSyncResult): string[] {
  const cell = (f: JetStreamSyncResult['default']) =>
    `${n(f.msgsPerS)} msgs/s (rounds ${f.roundsMsgsPerS.map(n).join(', ')}), PubAck p50 / p99 ${f.p50Ms} / ${f.p99Ms} ms; one at a time p50 ${f.serialP50Ms} ms`;
  const share = (a: number, b: number) =>
    b && a ? `${((a / b) * 100).toFixed(1)}% of the default's msgs/s (${(b / a).toFixed(1)}× slower)` : '–';
  const what = `JetStream publish + PubAck through the edge's publisher, 512 in flight, 1.8 KB, median of ${x.rounds} rounds A B A B on ${x.filesystem}`;
  return [
    `| ${what}: \`NATS_SYNC_INTERVAL=default\` (fsync every 2 min) | ${cell(x.default)} |`,
    `| the same with \`NATS_SYNC_INTERVAL=always\` (fsync before each PubAck) | ${cell(x.always)}; ${share(x.always.msgsPerS, x.default.msgsPerS)} |`,
  ];
}

/** Native uWS (`batched`, `latency`) against the ws transport (`-ws`), same run. */
function transportTable(r: BenchResults): string[] {
  const rows: string[] = [];
  for (const name of ['batched', 'latency'] as const) {
    const u = r.scenarios[name];
    const w = r.scenarios[`${name}-ws`];
    if (!ok(w)) continue;
    const un = ok(u) ? u : undefined;
    const edge = (v: MeasureResult | undefined) => v?.processes.edge;
    const cell = (f: (v: MeasureResult) => number | undefined, v: MeasureResult | undefined) => (v ? n(f(v)) : '–');
    const pct = (a: number | undefined, b: number | undefined) =>
      a !== undefined && b ? `${Math.round((a / b) * 100)}%` : '–';
    rows.push(
      `| ${name} | end-to-end ev/s | ${cell((v) => v.e2ePerS, un)} | ${n(w.e2ePerS)} | ${pct(w.e2ePerS, un?.e2ePerS)} |`,
    );
    rows.push(
      `| ${name} | accepted ev/s | ${cell((v) => v.acceptedPerS, un)} | ${n(w.acceptedPerS)} | ${pct(w.acceptedPerS, un?.acceptedPerS)} |`,
    );
    rows.push(
      `| ${name} | latency p50 / p99 ms | ${un ? `${n(un.latency.p50Ms)} / ${n(un.latency.p99Ms)}` : '–'} | ${n(w.latency.p50Ms)} / ${n(w.latency.p99Ms)} | – |`,
    );
    rows.push(
      `| ${name} | edge CPU % | ${cell((v) => edge(v)?.cpuPct, un)} | ${n(edge(w)?.cpuPct)} | ${pct(edge(w)?.cpuPct, edge(un)?.cpuPct)} |`,
    );
    rows.push(
      `| ${name} | edge peak RSS MB | ${cell((v) => edge(v)?.peakRssMb, un)} | ${n(edge(w)?.peakRssMb)} | ${pct(edge(w)?.peakRssMb, edge(un)?.peakRssMb)} |`,
    );
  }
  return rows.length
    ? ['', '| scenario | figure | uws (native) | ws + node:http | ws / uws |', '|---|---|---|---|---|', ...rows]
    : [];
}

export function writeResults(dir: string, r: BenchResults): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'latest.json');
  const md = join(dir, 'latest.md');
  writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(md, markdown(r));
  return { json, md };
}
