// The read API's HTTP routes (docs/api.md "Endpoints"). Each route: parse + validate the query
// (compiled once), run one parameterized read, shape the JSON. The table of routes
// also feeds /openapi.json, so what is documented is what is served.
import type { TObject, TSchema } from '@sinclair/typebox';
import type { Queryable } from './db.js';
import { compileQuery } from './query-params.js';
import { timeRange } from './time-range.js';
import { querySchemas, type QueryLimitOptions } from './schemas/queries.js';
import * as R from './schemas/responses.js';
import { readLive, readTrails, readHistory, autoBucket } from './reads/telemetry.js';
import { readHistoryJson } from './reads/history-json.js';
import { readEvents, readHeatmap, SPAWNS, RARES, type EventKind } from './reads/events.js';
import { readCharacters } from './reads/characters.js';
import type { QuarantineSource } from './reads/quarantine.js';
import { alertRoutes } from './alert-routes.js';
import { sessionRoutes } from './session-routes.js';

export interface Route {
  readonly path: string;
  readonly summary: string;
  readonly query: TObject;
  readonly response: TSchema;
  /** Parameters in the path (`/characters/{name}/stats`): their schemas, for /openapi.json. */
  readonly pathParams?: TObject;
  /**
   * The answer: a value to serialize, or a string that is its JSON text already.
   * `url`: the request path as received (percent-encoded), for the path parameters.
   */
  readonly handle: (query: URLSearchParams, url: string) => Promise<unknown>;
}

export function route<S extends TObject>(
  path: string,
  summary: string,
  query: S,
  response: TSchema,
  handle: (q: ReturnType<ReturnType<typeof compileQuery<S>>>) => Promise<unknown>,
): Route {
  const parse = compileQuery(query);
  return { path, summary, query, response, handle: (qs) => handle(parse(qs)) };
}

/** What every route handler works with: the database, the limits and the compiled query schemas. */
export interface RouteOptions {
  readonly db: Queryable;
  readonly limits: QueryLimitOptions;
  readonly Q: ReturnType<typeof querySchemas>;
  readonly range: (q: { from?: string; to?: string }) => { from: Date; to: Date };
  readonly quarantine: QuarantineSource;
}

export function apiRoutes(limits: QueryLimitOptions, db: Queryable, quarantine: QuarantineSource): Route[] {
  const ctx: RouteOptions = {
    db,
    quarantine,
    limits,
    Q: querySchemas(limits),
    range: (q) => timeRange(q, limits.defaultRangeSeconds),
  };
  return [
    liveRoute(ctx),
    historyRoute(ctx),
    trailsRoute(ctx),
    charactersRoute(ctx),
    eventListRoute(ctx, SPAWNS, '/spawns', ctx.Q.spawns),
    eventHeatmapRoute(ctx, SPAWNS, '/spawns', ctx.Q.spawnsHeatmap),
    eventListRoute(ctx, RARES, '/rares', ctx.Q.rares),
    eventHeatmapRoute(ctx, RARES, '/rares', ctx.Q.raresHeatmap),
    quarantineRoute(ctx),
    ...alertRoutes(limits, db),
    ...sessionRoutes(ctx),
  ];
}

const liveRoute = ({ db, limits, Q }: RouteOptions) =>
  route(
    '/live',
    'Latest telemetry of every character seen in the last `seconds`.',
    Q.live,
    R.LiveResponse,
    async (q) => {
      const r = await readLive(db, q.seconds ?? limits.liveDefaultSeconds, limits.maxRows);
      return { players: r.rows, truncated: r.truncated };
    },
  );

const historyRoute = ({ db, limits, Q, range }: RouteOptions) =>
  route(
    '/history',
    "One character's telemetry over [from, to): raw samples or time buckets.",
    Q.history,
    R.HistoryResponse,
    async (q) => {
      const { from, to } = range(q);
      const bucket = q.bucket ?? autoBucket(to.getTime() - from.getTime(), limits.historyTargetPoints);
      const head = { character: q.character, bucket, from: from.toISOString(), to: to.toISOString() };
      if (bucket !== 'raw') {
        const p = await readHistoryJson(db, q.character, from, to, bucket, limits.maxRows);
        // The same bytes as JSON.stringify of the object below (key order included).
        if (p) return `${JSON.stringify(head).slice(0, -1)},"points":[${p.json}],"truncated":${p.truncated}}`;
      }
      const r = await readHistory(db, q.character, from, to, bucket, limits.maxRows);
      return { ...head, points: r.rows, truncated: r.truncated };
    },
  );

const trailsRoute = ({ db, limits, Q }: RouteOptions) =>
  route(
    '/trails',
    'Positions of the last `seconds`, ordered by character then time.',
    Q.trails,
    R.TrailsResponse,
    async (q) => {
      const seconds = q.seconds ?? limits.trailsDefaultSeconds;
      const r = await readTrails(db, seconds, q.character, limits.maxRows);
      return { trails: r.rows, truncated: r.truncated };
    },
  );

const charactersRoute = ({ db, limits, Q }: RouteOptions) =>
  route(
    '/characters',
    'Every character with stored telemetry (live or not), by name, with the time of its newest sample.',
    Q.characters,
    R.CharactersResponse,
    async (q) => {
      const r = await readCharacters(db, q.q, Math.min(q.limit ?? limits.defaultLimit, limits.maxRows));
      return { characters: r.rows, truncated: r.truncated };
    },
  );

const keyOf = (kind: EventKind) => (kind === SPAWNS ? 'spawns' : 'rares');

function eventListRoute(
  { db, limits, range }: RouteOptions,
  kind: EventKind,
  base: '/spawns' | '/rares',
  query: RouteOptions['Q']['spawns' | 'rares'],
) {
  const key = keyOf(kind);
  return route(
    base,
    `Newest ${key} in [from, to), newest first.`,
    query,
    key === 'spawns' ? R.SpawnsResponse : R.RaresResponse,
    async (q) => {
      const limit = Math.min(q.limit ?? limits.defaultLimit, limits.maxRows);
      const name = (q as Record<string, unknown>)[kind.nameColumn] as string | undefined;
      const r = await readEvents(db, kind, { ...range(q), name, character: q.character }, limit);
      return { [key]: r.rows, truncated: r.truncated };
    },
  );
}

function eventHeatmapRoute(
  { db, limits, range }: RouteOptions,
  kind: EventKind,
  base: '/spawns' | '/rares',
  query: RouteOptions['Q']['spawnsHeatmap' | 'raresHeatmap'],
) {
  return route(
    `${base}/heatmap`,
    `${keyOf(kind)} per grid cell in [from, to), hottest first.`,
    query,
    R.HeatmapResponse,
    async (q) => {
      const { from, to } = range(q);
      const cell = q.cell ?? limits.heatmapDefaultCell;
      const name = (q as Record<string, unknown>)[kind.nameColumn] as string | undefined;
      const r = await readHeatmap(db, kind, { from, to, name }, cell, limits.maxRows);
      return { cell, from: from.toISOString(), to: to.toISOString(), cells: r.rows, truncated: r.truncated };
    },
  );
}

const quarantineRoute = ({ quarantine, limits, Q, range }: RouteOptions) =>
  route(
    '/quarantine',
    'Events the edge refused for their content in [from, to), newest first, from the quarantine stream.',
    Q.quarantine,
    R.QuarantineResponse,
    async (q) => {
      const limit = Math.min(q.limit ?? limits.defaultLimit, limits.maxRows);
      const r = await quarantine.read({ ...range(q), reason: q.reason, character: q.character }, limit);
      return { quarantine: r.rows, truncated: r.truncated };
    },
  );
