// The projection tables ingest writes (sql/001_core.sql) and, per column, which event
// field fills it and what type that field must have. Columns are listed in table
// order so a row can be COPYed or INSERTed positionally. Telemetry's come from the one
// field list (schemas/telemetry-fields.ts).
import type { StoredType } from '../shared/subjects.js';
import { TELEMETRY_FIELDS, TELEMETRY_FIELD_NAMES, type ColumnKind } from '../../schemas/telemetry-fields.js';

/**
 * How a field is checked and converted (the edge validated it; ingest still defends):
 * a column kind of schemas/telemetry-fields.ts, or `time`, an RFC 3339 date-time string.
 */
export type FieldKind = ColumnKind | 'time';

export interface FieldSpec {
  readonly column: string;
  readonly field: string;
  readonly kind: FieldKind;
  readonly required: boolean;
}

/** Columns every projection row starts with, filled from the envelope and the message. */
export const ENVELOPE_COLUMNS = ['ts', 'character_name', 'event_key', 'received_at', 'stream_seq'] as const;

const f = (field: string, kind: FieldKind, required = false, column = field): FieldSpec => ({
  column,
  field,
  kind,
  required,
});

export interface TableSpec {
  readonly table: string;
  readonly staging: string;
  /** Event fields after ENVELOPE_COLUMNS, in table order. */
  readonly fields: readonly FieldSpec[];
  readonly columns: readonly string[];
  /** PostgreSQL type of each column, for typed parameters (unnest arrays). */
  readonly types: readonly string[];
}

const SQL_TYPE: Record<FieldKind, string> = {
  text: 'text',
  float: 'float8',
  'float-ish': 'float8',
  int: 'int8',
  time: 'timestamptz',
};
const ENVELOPE_TYPES = ['timestamptz', 'text', 'uuid', 'timestamptz', 'int8'];

function table(name: string, fields: FieldSpec[]): TableSpec {
  return {
    table: name,
    staging: `ingest_stage_${name}`,
    fields,
    columns: [...ENVELOPE_COLUMNS, ...fields.map((x) => x.column)],
    types: [...ENVELOPE_TYPES, ...fields.map((x) => SQL_TYPE[x.kind])],
  };
}

export const TABLES: Record<StoredType, TableSpec> = {
  telemetry: table(
    'telemetry',
    TELEMETRY_FIELD_NAMES.map((name) => f(name, TELEMETRY_FIELDS[name].column, TELEMETRY_FIELDS[name].required)),
  ),
  spawn: table('spawn_events', [
    f('mob', 'text', true),
    f('ew', 'float', true),
    f('ns', 'float', true),
    f('z', 'float'),
  ]),
  rare: table('rare_events', [
    f('name', 'text', true),
    f('ew', 'float', true),
    f('ns', 'float', true),
    f('z', 'float'),
  ]),
};

/** Columns of player_latest: the telemetry columns without stream_seq. */
export const PLAYER_LATEST_COLUMNS = TABLES.telemetry.columns.filter((c) => c !== 'stream_seq');
