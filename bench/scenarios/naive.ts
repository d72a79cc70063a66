// Baseline (a): the naive one-INSERT-per-event `ws` server (bench/naive/server.ts).
import { join } from 'node:path';
import { freePort } from '../../src/localstack/process.js';
import { benchModule, cpuProfFlags, spawnNode, waitHttp, type AppBuild } from '../lib/children.js';
import { benchDatabase, type BenchStack } from '../lib/stack.js';
import { measure, type MeasureResult } from '../lib/measure.js';

export interface ScenarioRun {
  clients: number;
  procs: number;
  durationMs: number;
  rate: number;
  /** Flat out: unacked frames per client (ack mode); 0 = fire and forget. */
  ackWindow: number;
  probeRate: number;
  logDir: string;
  drainTimeoutMs: number;
  /** `--cpu-prof`: where every Node child of the run writes its profile. */
  cpuProfDir?: string;
  /** The app under test (pipeline scenarios; default this checkout's build). */
  app?: AppBuild;
}

export async function runNaive(stack: BenchStack, r: ScenarioRun): Promise<MeasureResult> {
  const db = await benchDatabase(stack, 'naive');
  const port = await freePort();
  const server = spawnNode('naive', benchModule('naive/server'), {
    env: { NAIVE_PORT: String(port), DATABASE_URL: db.url },
    nodeFlags: cpuProfFlags(r.cpuProfDir, 'naive-server'),
    logFile: join(r.logDir, 'naive.log'),
  });
  try {
    await waitHttp(server, port, '/health');
    return await measure({
      label: 'naive',
      url: `ws://127.0.0.1:${port}/ws/position`,
      databaseUrl: db.url,
      clients: r.clients,
      procs: r.procs,
      durationMs: r.durationMs,
      rate: r.rate,
      ackWindow: r.ackWindow,
      probeRate: r.probeRate,
      logDir: r.logDir,
      // The naive server has no backlog of its own (it stops reading while it inserts).
      drainTimeoutMs: r.drainTimeoutMs,
      loadgenNodeFlags: (w) => cpuProfFlags(r.cpuProfDir, `naive-loadgen${w}`),
      metricsPort: port,
      processes: {
        server: { pid: server.pid },
        ...(stack.pgPid ? { postgres: { pid: stack.pgPid, withChildren: true, untilDrained: true } } : {}),
      },
    });
  } finally {
    await server.stop();
    await db.drop().catch(() => {});
  }
}
