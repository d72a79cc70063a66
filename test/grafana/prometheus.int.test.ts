// The Pipeline dashboard against the app's real /metrics, after events went through the
// pipeline: `promtool check metrics` passes on the exposition, every metric name a
// Prometheus panel uses is exported, the scrape config is valid, and every panel's
// PromQL returns series from a real Prometheus (Debian's `prometheus` package, the one
// that ships promtool) scraping the app. scripts/provision-promtool.sh installs it.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipelineDashboard } from '../../grafana/src/pipeline.js';
import type { PromTarget } from '../../grafana/src/model.js';
import { freePort } from '../../src/localstack/process.js';
import { whenCaughtUp } from '../helpers/stack.js';
import { openClient, SECRET } from '../edge/helpers.js';
import { sendThroughPipeline } from './pipeline-data.js';

const provision = spawnSync('bash', [fileURLToPath(new URL('../../scripts/provision-promtool.sh', import.meta.url))], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (provision.status !== 0) throw new Error('scripts/provision-promtool.sh failed: promtool is needed for this test');

const data = await sendThroughPipeline();
t.teardown(() => data.stop());
const base = `http://127.0.0.1:${data.app.port}`;
// Traffic for the labelled series: a refused frame, and read API requests.
const client = await openClient(`ws://127.0.0.1:${data.app.port}/ws/position?ack=1`, { 'X-Plugin-Secret': SECRET });
client.send([{ type: 'telemetry', character_name: 'x', timestamp: 'yesterday', ew: 0, ns: 0, z: 0 }]);
await client.next((m) => m.type === 'ack');
client.close();
for (const path of ['/live', '/spawns', '/rares', '/nope']) await (await fetch(base + path)).text();

// The capacity projection needs two samples (one a second here) before it has a time left.
const exposition = await whenCaughtUp(async () => {
  const text = await (await fetch(`${base}/metrics`)).text();
  return /^tracker_capacity_seconds_left\{store="database"\}/m.test(text) &&
    /^tracker_capacity_seconds_left\{store="stream"\}/m.test(text)
    ? text
    : undefined;
});
const targets = pipelineDashboard().panels.flatMap((p) =>
  p.targets.map((q) => ({ panel: p.title, expr: (q as PromTarget).expr })),
);

t.test('promtool check metrics passes on /metrics', async (t) => {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  t.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  t.equal((r.stdout + r.stderr).trim(), '', 'no lint findings');
});

t.test('promtool check config passes on grafana/prometheus/prometheus.yml', async (t) => {
  const r = spawnSync(
    'promtool',
    ['check', 'config', fileURLToPath(new URL('../../grafana/prometheus/prometheus.yml', import.meta.url))],
    { encoding: 'utf8' },
  );
  t.equal(r.status, 0, r.stdout + r.stderr);
});

t.test('every metric a Prometheus panel uses appears in /metrics', async (t) => {
  const exported = new Set(
    exposition
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)![0]),
  );
  t.ok(exported.has('tracker_process_info'), 'the roles info metric');
  for (const { panel, expr } of targets) {
    const names = [...expr.matchAll(/\b(?:tracker|process|nodejs)_[a-zA-Z0-9_]+/g)].map((m) => m[0]);
    t.ok(names.length > 0, `${panel}: names a metric`);
    for (const n of names) t.ok(exported.has(n), `${panel}: ${n} is exported`);
  }
  t.match(exposition, /tracker_process_info\{roles="alerts,api,edge,ingest"\} 1/, 'the roles label lists the roles');
});

t.test('every Pipeline panel query returns series from a real Prometheus scraping the app', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-prom-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s }',
      'scrape_configs:',
      '  - job_name: tracker',
      '    metrics_path: /metrics',
      `    static_configs: [{ targets: ["127.0.0.1:${data.app.port}"] }]`,
    ].join('\n'),
  );
  const prom = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  t.teardown(() => {
    prom.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  const query = async (q: string) => {
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
    return (await r.json()) as {
      status: string;
      error?: string;
      data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
  };
  // rate() needs two samples inside its window: wait for a few scrapes.
  await whenCaughtUp(
    async () => Number((await query('count_over_time(up{job="tracker"}[1m])')).data?.result[0]?.value[1] ?? 0) >= 4,
    { timeoutMs: 60_000, what: 'four scrapes of the app' },
  );
  for (const { panel, expr } of targets) {
    // Grafana sets $__rate_interval to at least four scrape intervals.
    const r = await query(expr.replaceAll('$__rate_interval', '10s'));
    t.equal(r.status, 'success', `${panel}: ${expr} ${r.error ?? ''}`);
    t.ok(r.data.result.length > 0, `${panel}: ${expr} returns ${r.data.result.length} series`);
  }
  const rss = await query(
    targets.find((x) => x.panel === 'Process RSS by role')!.expr.replaceAll('$__rate_interval', '10s'),
  );
  t.equal(rss.data.result[0].metric.roles, 'alerts,api,edge,ingest', 'RSS is labelled with the roles');
});
