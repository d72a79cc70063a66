// The telemetry fields, written once (docs/adding-event-types.md): per field its wire
// schema, its column and how the read API returns it. Derived from this list: the wire
// schema (./telemetry.ts), ingest's columns (src/ingest/tables.ts), the read API's
// columns (src/api/reads/telemetry-columns.ts) and response schemas
// (src/api/schemas/responses.ts). The SQL in sql/ cannot be derived (applied migrations
// never change), so test/foundation/telemetry-columns.int.test.ts holds it to this list.
import { Type, type TSchema, type TOptional } from '@sinclair/typebox';
import { Coordinate, Count, Amount, Text } from './common.js';

/** How ingest checks and stores a value (src/ingest/decode.ts). */
export type ColumnKind =
  | 'text' // string, no NUL, well-formed UTF-16
  | 'float' // finite number
  | 'float-ish' // finite number, or a numeric string (older plugins send kills_per_hour so)
  | 'int'; // safe integer

/** Column type of each kind, as information_schema.columns spells it. */
export const COLUMN_TYPE: Record<ColumnKind, string> = {
  text: 'text',
  float: 'double precision',
  'float-ish': 'double precision',
  int: 'bigint',
};

/**
 * Where the read API puts a field (docs/api.md). A raw sample carries every field, in
 * this order of groups; a time bucket carries positions and counters as of its newest
 * sample and the average and maximum of each metric (the aggregates of sql/110 and
 * sql/150 keep `<metric>_sum`, `_count` and `_max`); labels are not in buckets.
 */
export const READ_GROUPS = ['position', 'counter', 'label', 'metric'] as const;
export type ReadGroup = (typeof READ_GROUPS)[number];

export interface TelemetryField<
  S extends TSchema = TSchema,
  R extends boolean = boolean,
  C extends ColumnKind = ColumnKind,
  G extends ReadGroup = ReadGroup,
> {
  /** The wire schema (limits as docs/protocol.md documents them). */
  readonly schema: S;
  /** Required on the wire, and `not null` in the table. */
  readonly required: R;
  readonly column: C;
  readonly read: G;
}

const required = <S extends TSchema, C extends ColumnKind, G extends ReadGroup>(
  schema: S,
  column: C,
  read: G,
): TelemetryField<S, true, C, G> => ({ schema, required: true, column, read });
const optional = <S extends TSchema, C extends ColumnKind, G extends ReadGroup>(
  schema: S,
  column: C,
  read: G,
): TelemetryField<S, false, C, G> => ({ schema, required: false, column, read });

/** Older plugins send kills_per_hour as a numeric string ("12.5"); both forms are accepted and kept as sent. */
const KillsPerHour = Type.Union([
  Amount('Kills per hour.'),
  Type.String({
    pattern: '^[0-9]{1,15}(\\.[0-9]{1,15})?$',
    description: 'Kills per hour as a decimal string (older plugins).',
  }),
]);

/** In wire and table order (the `telemetry` columns after the envelope columns). */
export const TELEMETRY_FIELDS = {
  ew: required(Coordinate('East-west coordinate.'), 'float', 'position'),
  ns: required(Coordinate('North-south coordinate.'), 'float', 'position'),
  z: required(Coordinate('Height.'), 'float', 'position'),
  char_tag: optional(Text(0, 32), 'text', 'label'),
  session_id: optional(Text(0, 64), 'text', 'label'),
  kills: optional(Count('Kills this session.'), 'int', 'counter'),
  deaths: optional(Count('Deaths this session.'), 'int', 'counter'),
  rares_found: optional(Count('Rares found this session.'), 'int', 'counter'),
  prismatic_taper_count: optional(Count('Prismatic tapers carried.'), 'int', 'counter'),
  kills_per_hour: optional(KillsPerHour, 'float-ish', 'counter'),
  onlinetime: optional(Text(0, 32), 'text', 'label'),
  vt_state: optional(Text(0, 32), 'text', 'label'),
  latency_ms: optional(Amount('Plugin-measured latency in milliseconds.'), 'float', 'metric'),
  mem_mb: optional(Amount('Game client memory in MiB.'), 'float', 'metric'),
  cpu_pct: optional(Amount('Game client CPU percent.'), 'float', 'metric'),
  mem_handles: optional(Count('Game client handle count.'), 'int', 'metric'),
};

export type TelemetryFields = typeof TELEMETRY_FIELDS;
export type TelemetryFieldName = keyof TelemetryFields;

export const TELEMETRY_FIELD_NAMES = Object.keys(TELEMETRY_FIELDS) as TelemetryFieldName[];

/** The fields of one read group, in list order. */
export const fieldsIn = (group: ReadGroup): TelemetryFieldName[] =>
  TELEMETRY_FIELD_NAMES.filter((name) => TELEMETRY_FIELDS[name].read === group);

/** Wire properties: optional fields wrapped in Type.Optional, in list order. */
export type WireProperties = {
  [K in TelemetryFieldName]: TelemetryFields[K]['required'] extends true
    ? TelemetryFields[K]['schema']
    : TOptional<TelemetryFields[K]['schema']>;
};

export function wireProperties(): WireProperties {
  const entries = TELEMETRY_FIELD_NAMES.map((name) => {
    const f: TelemetryField = TELEMETRY_FIELDS[name];
    return [name, f.required ? f.schema : Type.Optional(f.schema)];
  });
  return Object.fromEntries(entries) as WireProperties;
}
