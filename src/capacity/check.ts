// The `capacity` health check (docs/operations.md "Capacity"): ok with a `warning` when a
// store is projected to fill within warnDays at the last hour's growth, not ok when
// what is left is below the floor (minFreePercent of the store's limit).
import type { CheckResult } from '../shared/health.js';
import type { Projection } from './projection.js';

export interface CapacityCheckOptions {
  readonly warnDays: number;
  readonly minFreePercent: number;
}

const STORE_NAMES = { stream: 'the NATS log (stream)', database: 'PostgreSQL' } as const;
type Store = keyof typeof STORE_NAMES;

function describe(p: Projection) {
  return {
    used_bytes: p.usedBytes,
    left_bytes: p.leftBytes,
    limit: p.limit,
    limit_bytes: p.limitBytes,
    growth_bytes_per_day: p.growthBytesPerDay,
    // JSON has no Infinity: null with `growing: false` says "not growing".
    days_left: p.daysLeft === null || !Number.isFinite(p.daysLeft) ? null : Math.round(p.daysLeft * 100) / 100,
    growing: p.daysLeft === null ? null : Number.isFinite(p.daysLeft),
    window_seconds: p.windowSeconds,
  };
}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;

export function capacityCheck(projections: Record<Store, Projection>, opts: CapacityCheckOptions): CheckResult {
  const failures: string[] = [];
  const warnings: string[] = [];
  for (const [store, p] of Object.entries(projections) as Array<[Store, Projection]>) {
    const name = STORE_NAMES[store];
    if (p.leftBytes === null) continue;
    if (p.limitBytes && p.leftBytes < (p.limitBytes * opts.minFreePercent) / 100) {
      failures.push(
        `${name}: ${gib(Math.max(0, p.leftBytes))} left of ${p.limit} (${gib(p.limitBytes)}), below ` +
          `CAPACITY_MIN_FREE_PERCENT (${opts.minFreePercent}%)`,
      );
    } else if (p.daysLeft !== null && p.daysLeft < opts.warnDays) {
      warnings.push(
        `${name}: full in ${p.daysLeft.toFixed(1)} days at ${gib(p.growthBytesPerDay ?? 0)}/day ` +
          `(${gib(p.leftBytes)} left of ${p.limit}; CAPACITY_WARN_DAYS=${opts.warnDays})`,
      );
    }
  }
  const detail = {
    stream: describe(projections.stream),
    database: describe(projections.database),
    warn_days: opts.warnDays,
    min_free_percent: opts.minFreePercent,
  };
  if (failures.length) return { ok: false, reason: [...failures, ...warnings].join('; '), detail };
  return warnings.length ? { ok: true, warning: warnings.join('; '), detail } : { ok: true, detail };
}
