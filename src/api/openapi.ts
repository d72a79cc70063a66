// /openapi.json, generated from the same TypeBox schemas the routes validate with.
// OpenAPI 3.1 takes JSON Schema as is; JSON.stringify drops TypeBox's symbol keys.
import type { TSchema } from '@sinclair/typebox';
import type { Route } from './routes.js';
import { ErrorResponse } from './schemas/responses.js';

const strip = (s: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;

export function openApiDocument(routes: readonly Route[], extra: { path: string; summary: string }[] = []) {
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  const paths: Record<string, unknown> = {};
  for (const r of routes) {
    const props = r.query.properties as Record<string, TSchema>;
    const required = new Set(r.query.required ?? []);
    paths[r.path] = {
      get: {
        summary: r.summary,
        parameters: Object.entries(props).map(([name, schema]) => {
          const { description, ...rest } = strip(schema);
          return { name, in: 'query', required: required.has(name), description, schema: rest };
        }),
        responses: {
          200: { description: 'OK', content: { 'application/json': { schema: strip(r.response) } } },
          400: error('A query parameter is missing, unknown, repeated or invalid; the message names it.'),
          503: error('The database is unreachable or the query exceeded API_STATEMENT_TIMEOUT_MS.'),
        },
      },
    };
  }
  for (const e of extra) paths[e.path] = { get: { summary: e.summary, responses: { 200: { description: 'OK' } } } };
  return {
    openapi: '3.1.0',
    info: { title: 'telemetry-tracker read API', version: '1', description: 'Timestamps are ISO 8601 UTC with millisecond precision; ranges are [from, to). See docs/api.md.' },
    paths,
    components: { schemas: { Error: strip(ErrorResponse) } },
  };
}
