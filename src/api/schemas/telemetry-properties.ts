// Response properties of the telemetry fields, derived from the one field list
// (schemas/telemetry-fields.ts) as the reads return them (src/api/reads/telemetry-columns.ts):
// text as strings, every other kind as a number, null where the field is optional.
import { Type, type TSchema, type TNull, type TNumber, type TString, type TUnion } from '@sinclair/typebox';
import {
  TELEMETRY_FIELDS,
  fieldsIn,
  type ReadGroup,
  type TelemetryField,
  type TelemetryFieldName,
  type TelemetryFields,
} from '../../../schemas/telemetry-fields.js';

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

type ValueSchema<F extends TelemetryField> = F['column'] extends 'text' ? TString : TNumber;
type PropertySchema<F extends TelemetryField> = F['required'] extends true
  ? ValueSchema<F>
  : TUnion<[ValueSchema<F>, TNull]>;
type GroupFields<G extends ReadGroup> = {
  [K in TelemetryFieldName as TelemetryFields[K]['read'] extends G ? K : never]: PropertySchema<TelemetryFields[K]>;
};
type MetricFields = {
  [K in TelemetryFieldName as TelemetryFields[K]['read'] extends 'metric'
    ? `${K}_avg` | `${K}_max`
    : never]: PropertySchema<TelemetryFields[K]>;
};

function propertySchema(field: TelemetryField): TSchema {
  const value = field.column === 'text' ? Type.String() : Type.Number();
  return field.required ? value : Nullable(value);
}

/** The fields of these read groups, group by group (docs/api.md). */
export function fieldsOf<G extends ReadGroup>(...groups: G[]): GroupFields<G> {
  const names = groups.flatMap(fieldsIn);
  return Object.fromEntries(names.map((name) => [name, propertySchema(TELEMETRY_FIELDS[name])])) as GroupFields<G>;
}

/** Average and maximum of each metric over a bucket. */
export function metricSummaries(): MetricFields {
  const entries = fieldsIn('metric').flatMap((name) => {
    const field = TELEMETRY_FIELDS[name];
    return [
      [`${name}_avg`, propertySchema(field)],
      [`${name}_max`, propertySchema(field)],
    ];
  });
  return Object.fromEntries(entries) as MetricFields;
}
