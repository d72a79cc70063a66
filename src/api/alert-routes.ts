// The alerts routes (docs/api.md "Alerts"): GET /alerts and GET /alerts/mutes join the
// route table (so /openapi.json documents them like every read); PUT /alerts/mutes
// replaces the mute set the alerts role applies (docs/alerts.md "Mutes").
import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type pg from 'pg';
import type { Queryable } from './db.js';
import type { Route } from './routes.js';
import { compileQuery } from './query-params.js';
import type { QueryLimitOptions } from './schemas/queries.js';
import { AlertsResponse, MutesBody, alertsQuery, type MutesBodyT } from './schemas/alerts.js';
import { readAlerts, readMutes } from './reads/alerts.js';
import { putJson } from '../shared/http/put-json.js';
import type { TemplatedApp } from '../shared/http/uws.js';
import type { Logger } from '../shared/logger.js';
import { TrackerError, ErrorCodes } from '../shared/errors.js';

/** Largest PUT /alerts/mutes body: 1,000 mutes of a long name and every kind fit. */
const MUTES_MAX_BODY_BYTES = 256 * 1024;

export function alertRoutes(limits: QueryLimitOptions, db: Queryable): Route[] {
  const query = alertsQuery(limits);
  const parse = compileQuery(query);
  const none = Type.Object({}, { additionalProperties: false });
  const parseNone = compileQuery(none);
  return [
    {
      path: '/alerts',
      summary: 'Alerts raised by the alerts role: open ones first, then newest `started_at` first.',
      query,
      response: AlertsResponse,
      handle: async (qs) => {
        const q = parse(qs);
        const limit = Math.min(q.limit ?? limits.defaultLimit, limits.maxRows);
        const from = q.from === undefined ? undefined : new Date(q.from);
        const to = q.to === undefined ? undefined : new Date(q.to);
        const r = await readAlerts(db, { state: q.state, character: q.character, kind: q.kind, from, to }, limit);
        return { alerts: r.rows, truncated: r.truncated };
      },
    },
    {
      path: '/alerts/mutes',
      summary: 'The mute set PUT /alerts/mutes last stored (docs/alerts.md "Mutes").',
      query: none,
      response: MutesBody,
      handle: async (qs) => {
        parseNone(qs);
        return { mutes: await readMutes(db) };
      },
    },
  ];
}

const validateMutes = new Ajv({ strict: true, allErrors: false }).compile<MutesBodyT>(MutesBody);

function parseMutes(body: unknown): MutesBodyT {
  if (validateMutes(body)) return body;
  const [err] = validateMutes.errors ?? [];
  throw new TrackerError(
    ErrorCodes.badRequest,
    `the body must be {"mutes":[{"character":"<name or * pattern>","kinds":[…]}]}: ${err?.instancePath || '/'} ` +
      `${err?.message ?? 'is invalid'}`,
  );
}

/** PUT /alerts/mutes: the whole set replaced in one transaction, on the primary. */
export function addMutesRoute(app: TemplatedApp, primary: pg.Pool, log: Logger, onDone: PutOnDone): void {
  putJson(
    app,
    '/alerts/mutes',
    log,
    async (body) => {
      const { mutes } = parseMutes(body);
      const client = await primary.connect();
      try {
        await client.query('begin');
        await client.query('delete from alert_mutes');
        await client.query(
          `insert into alert_mutes (position, character_pattern, kinds)
           select ord, m->>'character', array(select jsonb_array_elements_text(coalesce(m->'kinds', '[]')))
           from jsonb_array_elements($1::jsonb) with ordinality as t(m, ord)`,
          [JSON.stringify(mutes)],
        );
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
      return { status: 200, body: { mutes: mutes.map((m) => ({ character: m.character, kinds: m.kinds ?? [] })) } };
    },
    { maxBodyBytes: MUTES_MAX_BODY_BYTES, onDone },
  );
}

type PutOnDone = (route: string, status: number, seconds: number) => void;

const errorRef = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** The PUT operation of /alerts/mutes for /openapi.json (the route table documents only GETs). */
export function mutesPutOperation() {
  const bodySchema = JSON.parse(JSON.stringify(MutesBody)) as Record<string, unknown>;
  return {
    put: {
      operationId: 'putAlertsMutes',
      summary: 'Replaces the mute set: muted characters raise no new alert of the muted kinds (docs/alerts.md).',
      security: [{}, { readToken: [] }],
      requestBody: { required: true, content: { 'application/json': { schema: bodySchema } } },
      responses: {
        200: { description: 'The stored set.', content: { 'application/json': { schema: bodySchema } } },
        400: errorRef('The body is not JSON or not a mute set; the message says where.'),
        401: errorRef('API_TOKEN is set and the request carries no valid `Authorization: Bearer` token.'),
        413: errorRef(`The body is larger than ${MUTES_MAX_BODY_BYTES} bytes.`),
      },
    },
  };
}
