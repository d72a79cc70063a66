// The telemetry columns the reads select, derived from the one field list
// (schemas/telemetry-fields.ts) in the order of the response schemas
// (src/api/schemas/responses.ts): a row's JSON keys follow its SELECT list.
import { READ_GROUPS, TELEMETRY_FIELDS, fieldsIn, type TelemetryFieldName } from '../../../schemas/telemetry-fields.js';

/** `column`, cast to double precision when the field is a bigint (pg returns int8 as a string). */
const asNumber = (column: string, field: TelemetryFieldName) =>
  TELEMETRY_FIELDS[field].column === 'int' ? `${column}::float8 as ${column}` : column;

/** A character's position (telemetry, player_latest). */
export const POSITION_COLUMNS = fieldsIn('position').join(', ');

/** A raw sample (telemetry, player_latest): its time, then every field, group by group. */
export const SAMPLE_COLUMNS = ['ts as timestamp', ...READ_GROUPS.flatMap(fieldsIn).map((f) => asNumber(f, f))].join(
  ', ',
);

/**
 * A time bucket's fields (telemetry_1m/1h/1d): positions and counters as of its newest
 * sample, the average (sum / count rolls up exactly) and maximum of each metric.
 */
export const BUCKET_FIELD_COLUMNS = [
  ...[...fieldsIn('position'), ...fieldsIn('counter')].map((f) => asNumber(f, f)),
  ...fieldsIn('metric').flatMap((f) => [`${f}_sum / nullif(${f}_count, 0) as ${f}_avg`, asNumber(`${f}_max`, f)]),
].join(', ');
