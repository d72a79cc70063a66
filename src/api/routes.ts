// The read API's HTTP routes (docs/api.md "Endpoints"). Each route: parse + validate the query
// (compiled once), run one parameterized read, shape the JSON. The table of routes
// also feeds /openapi.json, so what is documented is what is served.
import type { TObject, TSchema } from '@sinclair/typebox';
import type { Config } from '../shared/config.js';
import type { Queryable } from './db.js';
import { compileQuery } from './query-params.js';
import { timeRange } from './time-range.js';
import { querySchemas } from './schemas/queries.js';
import * as R from './schemas/responses.js';
import { readLive, readTrails, readHistory, autoBucket } from './reads/telemetry.js';
import { readEvents, readHeatmap, SPAWNS, RARES, type EventKind } from './reads/events.js';
import { readCharacters } from './reads/characters.js';

export interface Route {
  readonly path: string;
  readonly summary: string;
  readonly query: TObject;
  readonly response: TSchema;
  readonly handle: (query: URLSearchParams) => Promise<unknown>;
}

function route<S extends TObject>(
  path: string,
  summary: string,
  query: S,
  response: TSchema,
  handle: (q: ReturnType<ReturnType<typeof compileQuery<S>>>) => Promise<unknown>,
): Route {
  const parse = compileQuery(query);
  return { path, summary, query, response, handle: (qs) => handle(parse(qs)) };
}

export function apiRoutes(cfg: Config, db: Queryable): Route[] {
  const Q = querySchemas(cfg);
  const max = cfg.API_MAX_ROWS;
  const range = (q: { from?: string; to?: string }) => timeRange(q, cfg.API_DEFAULT_RANGE_SECONDS);

  const eventRoutes = (
    kind: EventKind,
    base: '/spawns' | '/rares',
    listQ: typeof Q.spawns | typeof Q.rares,
    heatQ: typeof Q.spawnsHeatmap | typeof Q.raresHeatmap,
  ) => {
    const key = kind === SPAWNS ? 'spawns' : 'rares';
    const nameOf = (q: Record<string, unknown>) => q[kind.nameColumn] as string | undefined;
    return [
      route(
        base,
        `Newest ${key} in [from, to), newest first.`,
        listQ,
        key === 'spawns' ? R.SpawnsResponse : R.RaresResponse,
        async (q) => {
          const limit = Math.min(q.limit ?? cfg.API_DEFAULT_LIMIT, max);
          const r = await readEvents(db, kind, { ...range(q), name: nameOf(q), character: q.character }, limit);
          return { [key]: r.rows, truncated: r.truncated };
        },
      ),
      route(
        `${base}/heatmap`,
        `${key} per grid cell in [from, to), hottest first.`,
        heatQ,
        R.HeatmapResponse,
        async (q) => {
          const { from, to } = range(q);
          const cell = q.cell ?? cfg.API_HEATMAP_DEFAULT_CELL;
          const r = await readHeatmap(db, kind, { from, to, name: nameOf(q) }, cell, max);
          return { cell, from: from.toISOString(), to: to.toISOString(), cells: r.rows, truncated: r.truncated };
        },
      ),
    ];
  };

  return [
    route(
      '/live',
      'Latest telemetry of every character seen in the last `seconds`.',
      Q.live,
      R.LiveResponse,
      async (q) => {
        const r = await readLive(db, q.seconds ?? cfg.API_LIVE_DEFAULT_SECONDS, max);
        return { players: r.rows, truncated: r.truncated };
      },
    ),
    route(
      '/history',
      "One character's telemetry over [from, to): raw samples or time buckets.",
      Q.history,
      R.HistoryResponse,
      async (q) => {
        const { from, to } = range(q);
        const bucket = q.bucket ?? autoBucket(to.getTime() - from.getTime(), cfg.API_HISTORY_TARGET_POINTS);
        const r = await readHistory(db, q.character, from, to, bucket, max);
        return {
          character: q.character,
          bucket,
          from: from.toISOString(),
          to: to.toISOString(),
          points: r.rows,
          truncated: r.truncated,
        };
      },
    ),
    route(
      '/trails',
      'Positions of the last `seconds`, ordered by character then time.',
      Q.trails,
      R.TrailsResponse,
      async (q) => {
        const r = await readTrails(db, q.seconds ?? cfg.API_TRAILS_DEFAULT_SECONDS, q.character, max);
        return { trails: r.rows, truncated: r.truncated };
      },
    ),
    route(
      '/characters',
      'Every character with stored telemetry (live or not), by name, with the time of its newest sample.',
      Q.characters,
      R.CharactersResponse,
      async (q) => {
        const r = await readCharacters(db, q.q, Math.min(q.limit ?? cfg.API_DEFAULT_LIMIT, max));
        return { characters: r.rows, truncated: r.truncated };
      },
    ),
    ...eventRoutes(SPAWNS, '/spawns', Q.spawns, Q.spawnsHeatmap),
    ...eventRoutes(RARES, '/rares', Q.rares, Q.raresHeatmap),
  ];
}
