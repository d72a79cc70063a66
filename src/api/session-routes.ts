// The session routes (issue 24; docs/api.md "Sessions"): GET /sessions,
// GET /characters/{name}/stats and GET /stats/rares, in the route table of ./routes.ts.
import { TrackerError, ErrorCodes } from '../shared/errors.js';
import { compileQuery, BadRequestError } from './query-params.js';
import { route, type Route, type RouteOptions } from './routes.js';
import { readSessions, readCharacterStats, readRareLeaders } from './reads/sessions.js';
import * as S from './schemas/sessions.js';

export function sessionRoutes(ctx: RouteOptions): Route[] {
  return [sessionsRoute(ctx), characterStatsRoute(ctx), rareLeadersRoute(ctx)];
}

const sessionsRoute = ({ db, limits, Q, range }: RouteOptions) =>
  route(
    '/sessions',
    'Play sessions overlapping [from, to), of one character or all, newest first.',
    Q.sessions,
    S.SessionsResponse,
    async (q) => {
      const limit = Math.min(q.limit ?? limits.defaultLimit, limits.maxRows);
      const r = await readSessions(db, { ...range(q), character: q.character }, limit);
      return { sessions: r.rows, truncated: r.truncated };
    },
  );

const rareLeadersRoute = ({ db, limits, Q, range }: RouteOptions) =>
  route(
    '/stats/rares',
    'Rares per character in [from, to), most first, with the newest find.',
    Q.rareLeaders,
    S.RareLeaderboardResponse,
    async (q) => {
      const { from, to } = range(q);
      const limit = Math.min(q.limit ?? limits.defaultLimit, limits.maxRows);
      const r = await readRareLeaders(db, from, to, limit);
      return { characters: r.rows, truncated: r.truncated };
    },
  );

const STATS_PATH = /^\/characters\/([^/]+)\/stats\/?$/;

/** `{name}` of /characters/{name}/stats, decoded and checked like a query parameter. */
function characterOf(url: string, parse: ReturnType<typeof compileQuery<RouteOptions['Q']['characterPath']>>): string {
  const raw = STATS_PATH.exec(url)?.[1] ?? '';
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw new BadRequestError('name', 'path parameter "name" is not valid percent-encoding');
  }
  return parse(new URLSearchParams({ name })).name;
}

function characterStatsRoute({ db, Q }: RouteOptions): Route {
  const parseName = compileQuery(Q.characterPath);
  const parseQuery = compileQuery(Q.none);
  return {
    path: '/characters/{name}/stats',
    summary:
      'Lifetime totals of one character: first and last sample, sessions, online time, kills, deaths, rares, ' +
      'its best session.',
    query: Q.none,
    pathParams: Q.characterPath,
    response: S.CharacterStatsResponse,
    handle: async (qs, url) => {
      parseQuery(qs);
      const name = characterOf(url, parseName);
      const stats = await readCharacterStats(db, name);
      if (!stats) throw new TrackerError(ErrorCodes.notFound, `no telemetry stored for character "${name}"`);
      return stats;
    },
  };
}
