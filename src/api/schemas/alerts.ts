// The alerts contract (docs/alerts.md, docs/api.md "Alerts"): the Alert object GET /alerts
// lists and /ws/live?types=alert pushes (plus `"type":"alert"`), the GET /alerts query,
// and the mute set of GET/PUT /alerts/mutes. Written by the alerts role (src/alerts),
// read here from the `alerts` table (sql/190_alerts.sql).
import { Type, type Static } from '@sinclair/typebox';
import { ALL_ALERT_KINDS, type AlertKind } from '../../shared/alerts.js';

const ALERT_STATES = ['open', 'resolved'] as const;

const kindSchema = (description: string) =>
  Type.Unsafe<AlertKind>({ type: 'string', enum: [...ALL_ALERT_KINDS], description });

export const Alert = Type.Object(
  {
    id: Type.String({
      description: 'Derived from the character, the kind and `started_at`: a rebuild from the log gives the same id.',
    }),
    character_name: Type.String(),
    kind: kindSchema('`death`, `offline`, `idle` or `client` (docs/alerts.md "Kinds").'),
    state: Type.Unsafe<'open' | 'resolved'>({
      type: 'string',
      enum: [...ALERT_STATES],
      description: '`open` until `resolved_at` is set.',
    }),
    started_at: Type.String({
      format: 'date-time',
      description:
        'When the condition began: the first death, the last telemetry before the absence, the last move or kill, ' +
        'the first sample over a threshold.',
    }),
    resolved_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When it resolved; null while open. A death is resolved when it is raised.',
    }),
    detail: Type.Object({}, { additionalProperties: true, description: 'Per kind (docs/alerts.md "Kinds").' }),
  },
  { additionalProperties: false, description: 'One alert (docs/alerts.md).' },
);
export type AlertT = Static<typeof Alert>;

export const AlertsResponse = Type.Object(
  {
    alerts: Type.Array(Alert, { description: 'Open alerts first, then the rest; newest `started_at` first in each.' }),
    truncated: Type.Boolean({ description: 'True when the result was cut at its row limit.' }),
  },
  { additionalProperties: false },
);

/**
 * The query limits alertsQuery needs (a structural part of QueryLimitOptions in
 * ./queries.ts, written out so the page's DOM-only project can load this file's types).
 */
interface AlertQueryLimits {
  readonly nameMaxLength: number;
  readonly maxRows: number;
  readonly defaultLimit: number;
}

/** GET /alerts: every parameter optional. */
export function alertsQuery(limits: AlertQueryLimits) {
  const time = (description: string) => Type.String({ format: 'date-time', description });
  return Type.Object(
    {
      state: Type.Optional(
        Type.Unsafe<'open' | 'resolved' | 'all'>({
          type: 'string',
          enum: ['open', 'resolved', 'all'],
          default: 'all',
          description: 'Only open, only resolved, or all alerts (default).',
        }),
      ),
      character: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: limits.nameMaxLength,
          pattern: '^[^\\u0000]*$',
          description: 'Only this character (exact match).',
        }),
      ),
      kind: Type.Optional(kindSchema('Only this kind.')),
      from: Type.Optional(time('Only alerts still open at or resolved after this time (ISO 8601 with a time zone).')),
      to: Type.Optional(time('Only alerts started before this time (ISO 8601 with a time zone).')),
      limit: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: limits.maxRows,
          default: Math.min(limits.defaultLimit, limits.maxRows),
          description: 'Most alerts returned.',
        }),
      ),
    },
    { additionalProperties: false },
  );
}

/** Most mutes one PUT may set. */
export const MAX_MUTES = 1000;

export const Mute = Type.Object(
  {
    character: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[^\\u0000]*$',
      description: 'A character name or a pattern where `*` stands for any text (case-insensitive).',
    }),
    kinds: Type.Optional(
      Type.Array(kindSchema('A kind to mute.'), {
        uniqueItems: true,
        maxItems: ALL_ALERT_KINDS.length,
        description: 'Kinds muted for those characters; empty or absent: every kind.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MuteT = Static<typeof Mute>;

export const MutesBody = Type.Object(
  {
    mutes: Type.Array(Mute, {
      maxItems: MAX_MUTES,
      description: 'The whole mute set: replaces the previous one (an empty list unmutes all).',
    }),
  },
  { additionalProperties: false, description: 'PUT /alerts/mutes body and GET /alerts/mutes reply.' },
);
export type MutesBodyT = Static<typeof MutesBody>;
