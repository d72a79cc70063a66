// decode.ts checks each event once, with the edge's compiled schema, and then trusts the
// schema for what it checks (types, finite numbers, integer ranges, required fields).
// This holds every column kind to its event schema, so an accepted event always fits
// its columns, and shows what the schema lets through that decode still refuses.
import t from 'tap';
import type { TSchema } from '@sinclair/typebox';
import { TABLES, type FieldKind } from '../../src/ingest/tables.js';
import { decodeMessage } from '../../src/ingest/decode.js';
import { eventSchemas } from '../../schemas/index.js';
import { ajv, validators } from '../../schemas/validators.js';
import { PoisonError, PoisonCodes } from '../../src/shared/errors.js';
import { encodeEnvelope } from '../../src/shared/envelope.js';
import { subjectFor } from '../../src/shared/subjects.js';
import { envelope, telemetry } from './fixtures.js';

/** JSON types the schema may accept for a column of each kind. */
const SCHEMA_TYPES: Record<FieldKind, string[]> = {
  text: ['string'],
  float: ['number'],
  'float-ish': ['number', 'string'],
  int: ['integer'],
  time: ['string'],
};

t.test('every column kind agrees with its event schema', async (t) => {
  t.equal(ajv.opts.strictNumbers, true, 'numbers the schema accepts are finite');
  for (const [type, spec] of Object.entries(TABLES)) {
    const schema: TSchema = eventSchemas[type as keyof typeof TABLES];
    const properties = schema.properties as Record<string, TSchema>;
    const required: string[] = schema.required ?? [];
    for (const fs of spec.fields) {
      const property = properties[fs.field];
      const alternatives: TSchema[] = property.anyOf ?? [property];
      const at = `${type}.${fs.field} (${fs.kind})`;
      t.same(
        alternatives.map((s) => s.type),
        SCHEMA_TYPES[fs.kind],
        `${at}: schema types`,
      );
      t.equal(required.includes(fs.field), fs.required, `${at}: required alike`);
      for (const s of alternatives) {
        if (s.type === 'integer') t.ok(s.minimum >= 0 && s.maximum <= Number.MAX_SAFE_INTEGER, `${at}: safe integer`);
        if (fs.kind === 'float-ish' && s.type === 'string') t.ok(s.pattern, `${at}: only numeric strings`);
      }
    }
  }
});

const P = 'pfx';
const decodeOne = (event: Record<string, unknown>) =>
  decodeMessage(
    { prefix: P, maxMessageBytes: 1 << 20 },
    subjectFor(P, 'telemetry', 'Bob'),
    encodeEnvelope(envelope('telemetry', [telemetry('Bob', 1, event)])),
    7,
  );

t.test('what the schema accepts and the columns do not is still refused', async (t) => {
  const validate = validators.get('telemetry')!;
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['offset without colon', { timestamp: '2026-11-25T12:00:00+0100' }, /timestamp must be an RFC 3339 date-time/],
    ['ten fraction digits', { timestamp: '2026-11-25T12:00:00.1234567890Z' }, /timestamp must be an RFC 3339/],
    ['leap second', { timestamp: '2016-12-31T23:59:60Z' }, /timestamp must be an RFC 3339 date-time/],
    ['lone surrogate', { char_tag: 'tag \udc00' }, /char_tag holds a NUL character or a lone UTF-16 surrogate/],
  ];
  for (const [name, extra, reason] of cases) {
    t.ok(validate(telemetry('Bob', 1, extra)), `${name}: the edge's schema accepts it`);
    try {
      decodeOne(extra);
      t.fail(`${name}: accepted`);
    } catch (err) {
      t.ok(err instanceof PoisonError && err.code === PoisonCodes.invalidEvent, `${name}: invalid_event`);
      t.match((err as Error).message, reason, `${name}: ${(err as Error).message}`);
    }
  }
});
