// Spawn and rare reads: the newest events, and heatmaps per grid cell.
// Heatmaps read the hourly cell aggregates (spawn_cells_1h / rare_cells_1h, stored at a
// base cell of 0.1 map units, sql/120_event_cell_aggregates.sql) for the whole hours of
// the range and the raw events for the partial hours at its ends, so any [from, to)
// is exact. A `cell` that is not a whole multiple of the base is binned from raw rows.
import type { Queryable } from '../db.js';
import { limited } from './rows.js';

export interface EventKind {
  /** Hypertable, its name column (the API parameter has the same name) and its cell aggregate. */
  readonly table: 'spawn_events' | 'rare_events';
  readonly nameColumn: 'mob' | 'name';
  readonly cellsView: 'spawn_cells_1h' | 'rare_cells_1h';
}
export const SPAWNS: EventKind = { table: 'spawn_events', nameColumn: 'mob', cellsView: 'spawn_cells_1h' };
export const RARES: EventKind = { table: 'rare_events', nameColumn: 'name', cellsView: 'rare_cells_1h' };

/** Base cell of the aggregates, in map units: cell index = floor(coordinate * BASE_CELLS_PER_UNIT). */
export const BASE_CELLS_PER_UNIT = 10;
const HOUR_MS = 3_600_000;

export interface EventFilter { from: Date; to: Date; name?: string; character?: string }

export async function readEvents(db: Queryable, kind: EventKind, f: EventFilter, limit: number) {
  const { rows } = await db.query(
    `select character_name, ts as timestamp, ${kind.nameColumn}, ew, ns, z
       from ${kind.table}
      where ts >= $1 and ts < $2 and ($3::text is null or ${kind.nameColumn} = $3) and ($4::text is null or character_name = $4)
      order by ts desc, character_name limit $5`,
    [f.from.toISOString(), f.to.toISOString(), f.name ?? null, f.character ?? null, limit + 1]);
  return limited(rows.map((r) => ({ ...r, timestamp: (r.timestamp as Date).toISOString() })), limit);
}

/** k when `cell` = k base cells for a whole k >= 1, else undefined. */
export function baseMultiple(cell: number): number | undefined {
  const k = Math.round(cell * BASE_CELLS_PER_UNIT);
  return k >= 1 && Math.abs(k - cell * BASE_CELLS_PER_UNIT) < 1e-9 ? k : undefined;
}

export interface HeatCell { ew: number; ns: number; count: number }

export async function readHeatmap(db: Queryable, kind: EventKind, f: EventFilter, cell: number, maxCells: number) {
  const k = baseMultiple(cell);
  const name = f.name ?? null;
  let rows: { i: number; j: number; n: number }[];
  if (k === undefined) {
    ({ rows } = await db.query(
      `select floor(ew / $3) as i, floor(ns / $3) as j, count(*)::float8 as n
         from ${kind.table}
        where ts >= $1 and ts < $2 and ($4::text is null or ${kind.nameColumn} = $4)
        group by 1, 2 order by n desc, i, j limit $5`,
      [f.from.toISOString(), f.to.toISOString(), cell, name, maxCells + 1]));
  } else {
    // Whole hours [hFrom, hTo) from the aggregate; the rest of [from, to) from raw rows.
    const hFrom = Math.ceil(f.from.getTime() / HOUR_MS) * HOUR_MS;
    const hTo = Math.floor(f.to.getTime() / HOUR_MS) * HOUR_MS;
    const iso = (ms: number) => new Date(ms).toISOString();
    const [aggFrom, aggTo, raw1From, raw1To, raw2From, raw2To] = hFrom < hTo
      ? [hFrom, hTo, f.from.getTime(), hFrom, hTo, f.to.getTime()]
      : [0, 0, f.from.getTime(), f.to.getTime(), 0, 0];
    ({ rows } = await db.query(
      `with picked as (
         select cell_ew, cell_ns, events from ${kind.cellsView}
          where bucket >= $1 and bucket < $2 and ($7::text is null or ${kind.nameColumn} = $7)
         union all
         select floor(ew * ${BASE_CELLS_PER_UNIT}), floor(ns * ${BASE_CELLS_PER_UNIT}), 1 from ${kind.table}
          where ((ts >= $3 and ts < $4) or (ts >= $5 and ts < $6)) and ($7::text is null or ${kind.nameColumn} = $7))
       select floor(cell_ew / $8) as i, floor(cell_ns / $8) as j, sum(events)::float8 as n
         from picked group by 1, 2 order by n desc, i, j limit $9`,
      [iso(aggFrom), iso(aggTo), iso(raw1From), iso(raw1To), iso(raw2From), iso(raw2To), name, k, maxCells + 1]));
  }
  // Cell corners as the decimal the client expects (3 * 0.1 is 0.30000000000000004).
  const corner = (idx: number) => Number((idx * cell).toPrecision(12));
  return limited(rows.map((r): HeatCell => ({ ew: corner(r.i), ns: corner(r.j), count: r.n })), maxCells);
}
