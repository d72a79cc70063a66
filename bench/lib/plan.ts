// The load scenarios of one invocation and how each is run, repeated or paired
// (bench/run.ts, bench/lib/compare.ts). Every run starts from a quiet server: a CHECKPOINT
// and a pause, its own database, stream and consumer (dropped afterwards).
import pg from 'pg';
import type { BenchOptions, BenchTransport } from './args.js';
import type { BenchStack } from './stack.js';
import type { AppBuild } from './children.js';
import type { MeasureResult } from './measure.js';
import { runNaive, type ScenarioRun } from '../scenarios/naive.js';
import { runPipeline } from '../scenarios/pipeline.js';

export type ScenarioResult = MeasureResult & { streamMessages?: number; stages?: Record<string, number | undefined> };

/** What one run of a scenario gets: the app under test and where profiles go. */
export interface RunContext {
  app?: AppBuild;
  cpuProfDir?: string;
}

export interface PlannedScenario {
  /** The `--only` name (naive, per-event, batched, latency). */
  kind: string;
  /** The report's name (batched-ws for batched on the ws transport). */
  name: string;
  /** Pipeline scenarios run the app; naive runs this checkout's baseline server in any case. */
  runsApp: boolean;
  run(ctx: RunContext): Promise<ScenarioResult>;
}

export function planScenarios(stack: BenchStack, o: BenchOptions, logDir: string): PlannedScenario[] {
  const base: ScenarioRun = {
    clients: o.clients,
    procs: o.loadgenProcs,
    durationMs: o.durationS * 1000,
    rate: o.rate,
    ackWindow: o.ackWindow,
    probeRate: o.probeRate,
    logDir,
    drainTimeoutMs: o.quick ? 5000 : 45000,
  };
  // Native uWS is the benchmarked path (`batched`, `latency`); the ws transport runs the
  // same two scenarios right after, as `batched-ws` and `latency-ws`, in this run.
  const onTransport = (t: BenchTransport) => ({ ...o.appEnv, UWS_USE_FALLBACK: t === 'ws' ? 'true' : 'false' });
  const suffix = (t: BenchTransport) => (t === 'ws' ? '-ws' : '');
  const plan: PlannedScenario[] = [
    { kind: 'naive', name: 'naive', runsApp: false, run: (ctx) => runNaive(stack, { ...base, ...ctx }) },
    {
      kind: 'per-event',
      name: 'per-event',
      runsApp: true,
      run: (ctx) =>
        runPipeline(stack, {
          ...base,
          ...ctx,
          label: 'per-event',
          mode: 'per-event',
          env: onTransport(o.transports[0]),
        }),
    },
  ];
  for (const tr of o.transports)
    plan.push({
      kind: 'batched',
      name: `batched${suffix(tr)}`,
      runsApp: true,
      run: (ctx) =>
        runPipeline(stack, { ...base, ...ctx, label: `batched${suffix(tr)}`, mode: 'batched', env: onTransport(tr) }),
    });
  for (const tr of o.transports)
    plan.push({
      kind: 'latency',
      name: `latency${suffix(tr)}`,
      runsApp: true,
      run: (ctx) =>
        runPipeline(stack, {
          ...base,
          ...ctx,
          label: `latency${suffix(tr)}`,
          mode: 'batched',
          clients: o.latencyClients,
          rate: o.latencyRate,
          durationMs: o.latencyDurationS * 1000,
          env: onTransport(tr),
        }),
    });
  return plan.filter((s) => o.only.has(s.kind));
}

/** CHECKPOINT, then a pause, between runs (the machine also runs their leftovers). */
export async function settle(adminUrl: string, pauseMs: number): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl, application_name: 'bench-settle' });
  try {
    await c.connect();
    await c.query('checkpoint');
  } catch {
    /* a server we may not checkpoint (given DATABASE_URL): the pause still helps */
  } finally {
    await c.end().catch(() => {});
  }
  await new Promise((r) => setTimeout(r, pauseMs));
}

/** One run, settled first; a failure is recorded as `{ error }`, not thrown. */
export async function runOnce(
  stack: BenchStack,
  o: BenchOptions,
  s: PlannedScenario,
  ctx: RunContext,
): Promise<ScenarioResult | { error: string }> {
  await settle(stack.adminUrl, o.quick ? 500 : 3000);
  try {
    return await s.run(ctx);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export const succeeded = (r: unknown): r is ScenarioResult => !!r && typeof r === 'object' && 'e2ePerS' in r;
