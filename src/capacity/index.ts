// Capacity: how full the NATS log and PostgreSQL are and when they fill
// (docs/operations.md "Capacity"). Started by the composition root for every process:
// gauges on /metrics, a `capacity` check on /health, and a timer that keeps one sample
// per interval for the growth rate. Nothing here runs per event.
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Pool } from '../shared/db.js';
import type { Health } from '../shared/health.js';
import type { Logger } from '../shared/logger.js';
import type { Registry } from '../shared/metrics.js';
import { capacityCheck, type CapacityCheckOptions } from './check.js';
import { registerCapacityMetrics } from './metrics.js';
import { cachedProbe, databaseSample, streamSample, type CapacityReading, type StoreDirs } from './probe.js';
import { SampleRing } from './projection.js';

export type { StoreDirs } from './probe.js';

export interface CapacityOptions extends CapacityCheckOptions {
  readonly streamName: string;
  readonly dirs: StoreDirs;
}

/** Test seams: how often a sample is kept, over which window, and how long a probe is reused. */
export interface CapacitySeamOptions {
  readonly sampleIntervalMs?: number;
  readonly windowMs?: number;
  readonly probeTtlMs?: number;
}

export const CAPACITY_SAMPLE_INTERVAL_MS = 60_000;
export const CAPACITY_WINDOW_MS = 3_600_000;
export const CAPACITY_PROBE_TTL_MS = 15_000;
/** Below Health.run's 2 s per check, so a slow probe is reported by this check itself. */
const PROBE_HEALTH_TIMEOUT_MS = 1500;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export function startCapacity(
  services: { jsm: JetStreamManager; pool: Pool; health: Health; metrics: Registry; log: Logger },
  opts: CapacityOptions,
  seams: CapacitySeamOptions = {},
): { stop(): void } {
  const intervalMs = seams.sampleIntervalMs ?? CAPACITY_SAMPLE_INTERVAL_MS;
  const windowMs = seams.windowMs ?? CAPACITY_WINDOW_MS;
  const probe = cachedProbe(
    { jsm: services.jsm, pool: services.pool, streamName: opts.streamName, dirs: opts.dirs },
    Math.min(seams.probeTtlMs ?? CAPACITY_PROBE_TTL_MS, intervalMs),
  );
  const rings = { stream: new SampleRing(windowMs, intervalMs), database: new SampleRing(windowMs, intervalMs) };
  const projections = (r: CapacityReading) => {
    const now = { stream: streamSample(r), database: databaseSample(r) };
    rings.stream.add(now.stream);
    rings.database.add(now.database);
    return { stream: rings.stream.project(now.stream), database: rings.database.project(now.database) };
  };
  registerCapacityMetrics(services.metrics, { reading: probe, projections });
  services.health.register('capacity', async () => {
    let reading: CapacityReading;
    try {
      reading = await withTimeout(probe(), PROBE_HEALTH_TIMEOUT_MS);
    } catch (err) {
      // NATS or PostgreSQL unreachable: their own checks fail and say why; this one
      // only says it could not measure, so an outage is not reported twice.
      return {
        ok: true,
        warning: `capacity not measured: ${(err as Error).message} (see the stream and database checks)`,
      };
    }
    return capacityCheck(projections(reading), opts);
  });
  let warned = false;
  const timer = setInterval(() => {
    probe()
      .then((r) => {
        projections(r);
        warned = false;
      })
      .catch((err: Error) => {
        // The stream and database checks say why; log once per outage, not every minute.
        if (!warned) services.log.warn({ err: err.message }, 'capacity sample failed');
        warned = true;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
