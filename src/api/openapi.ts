// /openapi.json, generated from the same TypeBox schemas the routes validate with.
// OpenAPI 3.1 takes JSON Schema as is; JSON.stringify drops TypeBox's symbol keys.
import type { TSchema } from '@sinclair/typebox';
import type { Route } from './routes.js';
import { ErrorResponse } from './schemas/responses.js';

const strip = (s: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;

/** A route served outside the read API's table (/health, /metrics, /openapi.json). */
export interface ExtraPath {
  path: string;
  summary: string;
  /** `text/plain` etc.; JSON by default. */
  contentType?: string;
  /** Open even when API_TOKEN is set. */
  public?: boolean;
}

/** `/spawns/heatmap` -> `getSpawnsHeatmap`: stable names for client generators. */
export const operationIdOf = (path: string): string =>
  'get' +
  path
    .split(/[/_.{}-]/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');

// Reads need the bearer token only when the server sets API_TOKEN (docs/security.md):
// `{}` = no credentials, so both alternatives are valid.
const OPTIONAL_TOKEN = [{}, { readToken: [] }];

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const UNAUTHORIZED = error('API_TOKEN is set and the request carries no valid `Authorization: Bearer` token.');
const BAD_REQUEST = error('A query parameter is missing, unknown, repeated or invalid; the message names it.');

/** One route of the table: its query parameters from the schema it validates with. */
function routeOperation(r: Route) {
  const props = r.query.properties as Record<string, TSchema>;
  const required = new Set(r.query.required ?? []);
  const inPath = Object.entries((r.pathParams?.properties ?? {}) as Record<string, TSchema>).map(([name, schema]) => {
    const { description, ...rest } = strip(schema);
    return { name, in: 'path', required: true, description, schema: rest };
  });
  return {
    get: {
      operationId: operationIdOf(r.path),
      summary: r.summary,
      security: OPTIONAL_TOKEN,
      parameters: [
        ...inPath,
        ...Object.entries(props).map(([name, schema]) => {
          const { description, ...rest } = strip(schema);
          return { name, in: 'query', required: required.has(name), description, schema: rest };
        }),
      ],
      responses: {
        200: { description: 'OK', content: { 'application/json': { schema: strip(r.response) } } },
        400: BAD_REQUEST,
        401: UNAUTHORIZED,
        ...(r.pathParams ? { 404: error('Nothing is stored under that path parameter (an unknown character).') } : {}),
        503: error('The database is unreachable or the query exceeded API_STATEMENT_TIMEOUT_MS.'),
      },
    },
  };
}

/** A path served outside the route table (/health, /metrics, /openapi.json). */
function extraOperation(e: ExtraPath) {
  return {
    get: {
      operationId: operationIdOf(e.path),
      summary: e.summary,
      security: e.public ? [{}] : OPTIONAL_TOKEN,
      responses: {
        200: {
          description: 'OK',
          content: {
            [e.contentType ?? 'application/json']: {
              schema: e.contentType?.startsWith('text/') ? { type: 'string' } : { type: 'object' },
            },
          },
        },
        400: error('This path takes no query parameters.'),
        ...(e.public ? {} : { 401: UNAUTHORIZED }),
      },
    },
  };
}

export function openApiDocument(routes: readonly Route[], extra: ExtraPath[] = []) {
  const paths: Record<string, unknown> = {};
  for (const r of routes) paths[r.path] = routeOperation(r);
  for (const e of extra) paths[e.path] = extraOperation(e);
  return {
    openapi: '3.1.0',
    info: {
      title: 'telemetry-tracker read API',
      version: '1',
      description: 'Timestamps are ISO 8601 UTC with millisecond precision; ranges are [from, to). See docs/api.md.',
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    servers: [{ url: 'http://127.0.0.1:8765', description: '`npm start` with the default HOST and PORT' }],
    security: OPTIONAL_TOKEN,
    paths,
    components: {
      schemas: { Error: strip(ErrorResponse) },
      securitySchemes: {
        readToken: {
          type: 'http',
          scheme: 'bearer',
          description: "The server's API_TOKEN, required only when it is set (docs/security.md).",
        },
      },
    },
  };
}
