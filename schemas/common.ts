// Building blocks shared by every event schema (wire protocol v1, docs/protocol.md).
// Only JSON types (docs/dependencies.md "ajv + TypeBox"): ajv strict mode compiles all of these.
import { Type } from '@sinclair/typebox';

/**
 * No NUL character: PostgreSQL jsonb and COPY text reject `\u0000` (docs/dependencies.md "pg-copy-streams").
 * The edge also refuses NUL and lone surrogates in unknown fields (src/edge/deep-check.ts).
 */
export const NO_NUL = '^[^\\u0000]*$';

/** A string of `min`..`max` characters (code points) without NUL. */
export const Text = (min: number, max: number, description?: string) =>
  Type.String({ minLength: min, maxLength: max, pattern: NO_NUL, ...(description ? { description } : {}) });

/** Any finite JSON number (ajv's strictNumbers rejects NaN/Infinity, e.g. from `1e400`). */
export const Coordinate = (description: string) => Type.Number({ description });

/** Largest integer stored exactly (JSON doubles) and fitting PostgreSQL bigint. */
export const MAX_INTEGER = Number.MAX_SAFE_INTEGER;

export const Count = (description: string) => Type.Integer({ minimum: 0, maximum: MAX_INTEGER, description });
export const Amount = (description: string) => Type.Number({ minimum: 0, description });

/**
 * RFC 3339 date-time with a timezone (ajv-formats v3 `date-time`). Year 0000 is
 * refused because PostgreSQL timestamptz has no year zero.
 */
export const Timestamp = Type.String({
  format: 'date-time',
  maxLength: 64,
  pattern: '^(?!0000)',
  description: 'RFC 3339 date-time with timezone, e.g. 2026-11-25T12:00:00.000Z',
});

/** Where a spawn or a rare was seen: ew and ns required, z optional. */
export const spotFields = {
  ew: Coordinate('East-west coordinate.'),
  ns: Coordinate('North-south coordinate.'),
  z: Type.Optional(Coordinate('Height.')),
};

/** Fields every event carries. */
export const commonFields = {
  character_name: Text(1, 64, 'The in-game character; 1 to 64 characters.'),
  timestamp: Timestamp,
  event_id: Type.Optional(
    Text(1, 128, "The client's idempotency key; resending the same event_id stores the event once."),
  ),
};
