// Environment variables of the capacity check (src/capacity/, docs/operations.md
// "Capacity"), and the options the composition root builds from them.
import { int, num, type ParsedVars, type VarSpecs } from '../shared/env-vars.js';
import type { SharedConfig } from '../shared/config-vars.js';
import type { CapacityOptions, StoreDirs } from '../capacity/index.js';

export const capacityVars = {
  CAPACITY_WARN_DAYS: num(
    '/health `capacity` warns (still ok) when the NATS log or PostgreSQL is projected to fill within this many days ' +
      'at the last hour\'s growth (docs/operations.md "Capacity").',
    7,
    0,
    3650,
  ),
  CAPACITY_MIN_FREE_PERCENT: int(
    "/health `capacity` fails (503) when what is left of a store is below this percent of its limit: the stream's " +
      "max_bytes, the JetStream account's max_storage, or the size of the data directory's filesystem (embedded " +
      'default). 0 = never fail on capacity.',
    2,
    0,
    50,
  ),
} satisfies VarSpecs;

type CapacityConfig = Readonly<ParsedVars<typeof capacityVars>> & Pick<SharedConfig, 'STREAM_NAME'>;

/** `dirs`: the private services' data directories when this process started them (src/localstack). */
export function capacityOptions(cfg: CapacityConfig, dirs: StoreDirs): CapacityOptions {
  return {
    streamName: cfg.STREAM_NAME,
    warnDays: cfg.CAPACITY_WARN_DAYS,
    minFreePercent: cfg.CAPACITY_MIN_FREE_PERCENT,
    dirs,
  };
}
