// Spawn and rare reads: the newest events, and heatmaps per grid cell.
// A `cell` that is a whole number of map units reads the maintained heat cells
// (spawn_heat_1d/1h, 1-unit base grid, sql/150_maintained_rollups.sql) for the whole
// days and hours they hold, and the raw events for the rest (heat-plan.ts). Other whole
// multiples of 0.1 are binned from the raw rows on the 0.1-unit grid of spawn_cells_1h
// (sql/120_event_cell_aggregates.sql); any other cell straight from the raw rows. Every
// path is exact for any [from, to).
import type { Queryable } from '../db.js';
import { limited } from './rows.js';
import { planHeatmap } from './heat-plan.js';

export interface EventKind {
  /** Hypertable, its name column (the API parameter has the same name) and its cell aggregate. */
  readonly table: 'spawn_events' | 'rare_events';
  readonly nameColumn: 'mob' | 'name';
  readonly cellsView: 'spawn_cells_1h' | 'rare_cells_1h';
  /** Maintained 1-unit heat cells: per name per hour and per day, and per day over all names. */
  readonly heat: {
    readonly hour: 'spawn_heat_1h' | 'rare_heat_1h';
    readonly day: 'spawn_heat_1d' | 'rare_heat_1d';
    readonly dayAll: 'spawn_heat_all_1d' | 'rare_heat_all_1d';
  };
}
export const SPAWNS: EventKind = {
  table: 'spawn_events',
  nameColumn: 'mob',
  cellsView: 'spawn_cells_1h',
  heat: { hour: 'spawn_heat_1h', day: 'spawn_heat_1d', dayAll: 'spawn_heat_all_1d' },
};
export const RARES: EventKind = {
  table: 'rare_events',
  nameColumn: 'name',
  cellsView: 'rare_cells_1h',
  heat: { hour: 'rare_heat_1h', day: 'rare_heat_1d', dayAll: 'rare_heat_all_1d' },
};

/** Base cell of the aggregates, in map units: cell index = floor(coordinate * BASE_CELLS_PER_UNIT). */
export const BASE_CELLS_PER_UNIT = 10;

export interface EventFilter {
  from: Date;
  to: Date;
  name?: string;
  character?: string;
}

export async function readEvents(db: Queryable, kind: EventKind, f: EventFilter, limit: number) {
  const { rows } = await db.query(
    `select character_name, ts as timestamp, ${kind.nameColumn}, ew, ns, z
       from ${kind.table}
      where ts >= $1 and ts < $2 and ($3::text is null or ${kind.nameColumn} = $3) and ($4::text is null or character_name = $4)
      order by ts desc, character_name limit $5`,
    [f.from.toISOString(), f.to.toISOString(), f.name ?? null, f.character ?? null, limit + 1],
  );
  return limited(
    rows.map((r) => ({ ...r, timestamp: (r.timestamp as Date).toISOString() })),
    limit,
  );
}

/** k when `cell` = k base cells for a whole k >= 1, else undefined. */
export function baseMultiple(cell: number): number | undefined {
  const k = Math.round(cell * BASE_CELLS_PER_UNIT);
  return k >= 1 && Math.abs(k - cell * BASE_CELLS_PER_UNIT) < 1e-9 ? k : undefined;
}

export interface HeatCell {
  ew: number;
  ns: number;
  count: number;
}

/** Cell size in whole map units (the heat cells' base), else undefined. */
export function wholeUnits(cell: number): number | undefined {
  const k = Math.round(cell);
  return k >= 1 && Math.abs(k - cell) < 1e-9 ? k : undefined;
}

type CellCount = { i: number; j: number; n: number };

async function readHeatCells(
  db: Queryable,
  kind: EventKind,
  f: EventFilter,
  units: number,
  maxCells: number,
): Promise<CellCount[]> {
  // Unfiltered: whole days from the all-names cells (one row per cell, not per cell and name).
  const day = f.name === undefined ? kind.heat.dayAll : kind.heat.day;
  const { rows: h } = await db.query<{ level: string; ms: number }>(
    'select level, extract(epoch from horizon)::float8 * 1000 as ms from tracker_rollup_state where level = any($1)',
    [[kind.heat.hour, day]],
  );
  const horizon = (level: string) => h.find((r) => r.level === level)?.ms ?? -Infinity;
  const p = planHeatmap(f.from.getTime(), f.to.getTime(), horizon(day), horizon(kind.heat.hour));
  const iso = (ms: number) => new Date(ms).toISOString();
  // The name filter is spelled out (not `$11 is null or …`) so that one prepared
  // statement per shape has a generic plan that uses the name index.
  const byName = f.name === undefined ? ` and $11::text = ''` : ` and ${kind.nameColumn} = $11`;
  const { rows } = await db.query<CellCount>(
    `with picked as (
       select cell_ew, cell_ns, events from ${day}
        where bucket >= $1 and bucket < $2${byName}
       union all
       select cell_ew, cell_ns, events from ${kind.heat.hour}
        where ((bucket >= $3 and bucket < $4) or (bucket >= $5 and bucket < $6))${byName}
       union all
       select floor(ew), floor(ns), 1 from ${kind.table}
        where ((ts >= $7 and ts < $8) or (ts >= $9 and ts < $10))${byName})
     select floor(cell_ew / $12) as i, floor(cell_ns / $12) as j, sum(events)::float8 as n
       from picked group by 1, 2 order by n desc, i, j limit $13`,
    [
      iso(p.days.from),
      iso(p.days.to),
      iso(p.hours[0].from),
      iso(p.hours[0].to),
      iso(p.hours[1].from),
      iso(p.hours[1].to),
      iso(p.raw[0].from),
      iso(p.raw[0].to),
      iso(p.raw[1].from),
      iso(p.raw[1].to),
      f.name ?? '',
      units,
      maxCells + 1,
    ],
  );
  return rows;
}

export async function readHeatmap(db: Queryable, kind: EventKind, f: EventFilter, cell: number, maxCells: number) {
  const k = baseMultiple(cell);
  const units = wholeUnits(cell);
  const name = f.name ?? null;
  let rows: CellCount[];
  if (units !== undefined) {
    rows = await readHeatCells(db, kind, f, units, maxCells);
  } else if (k === undefined) {
    ({ rows } = await db.query(
      `select floor(ew / $3) as i, floor(ns / $3) as j, count(*)::float8 as n
         from ${kind.table}
        where ts >= $1 and ts < $2${name === null ? ` and $4::text = ''` : ` and ${kind.nameColumn} = $4`}
        group by 1, 2 order by n desc, i, j limit $5`,
      [f.from.toISOString(), f.to.toISOString(), cell, name ?? '', maxCells + 1],
    ));
  } else {
    // Binned on the 0.1-unit grid of spawn_cells_1h (floor(ew * 10)), straight from the raw
    // rows: the same numbers as summing that aggregate, and faster in both modes (measured,
    // docs/benchmarks.md "Read benchmark"); the aggregate stays for dashboards.
    ({ rows } = await db.query(
      `select floor(floor(ew * ${BASE_CELLS_PER_UNIT}) / $3) as i, floor(floor(ns * ${BASE_CELLS_PER_UNIT}) / $3) as j, count(*)::float8 as n
         from ${kind.table}
        where ts >= $1 and ts < $2${name === null ? ` and $4::text = ''` : ` and ${kind.nameColumn} = $4`}
        group by 1, 2 order by n desc, i, j limit $5`,
      [f.from.toISOString(), f.to.toISOString(), k, name ?? '', maxCells + 1],
    ));
  }
  // Cell corners as the decimal the client expects (3 * 0.1 is 0.30000000000000004).
  const corner = (idx: number) => Number((idx * cell).toPrecision(12));
  return limited(
    rows.map((r): HeatCell => ({ ew: corner(r.i), ns: corner(r.j), count: r.n })),
    maxCells,
  );
}
