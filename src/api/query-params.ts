// Query-string parsing: URLSearchParams -> typed values -> ajv. Each schema is compiled
// once at startup (docs/dependencies.md "ajv + TypeBox", ajv#1879). Conversion is ours and strict (a number must
// look like one); ajv never coerces or fills defaults on untrusted input (docs/dependencies.md "ajv + TypeBox").
// A bad parameter answers 400 `bad_request` with a message naming it.
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { TObject, TSchema, Static } from '@sinclair/typebox';
import { TrackerError, ErrorCodes } from '../shared/errors.js';

// ajv-formats is CommonJS: under NodeNext its default export is the module object.
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as (
  ajv: Ajv,
  formats: string[],
) => Ajv;

export class BadRequestError extends TrackerError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(ErrorCodes.badRequest, message);
  }
}

const ajv = addFormats(new Ajv({ strict: true, allErrors: false }), ['date-time']);

const INTEGER = /^[+-]?\d{1,16}$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function convert(schema: TSchema, raw: string): unknown {
  if (schema.type === 'integer') return INTEGER.test(raw) ? Number(raw) : raw;
  if (schema.type === 'number') return NUMBER.test(raw) ? Number(raw) : raw;
  return raw;
}

function describe(err: ErrorObject): string {
  if (err.keyword === 'enum')
    return `${err.message}: ${(err.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  if (err.keyword === 'type')
    return `must be ${err.params.type === 'integer' ? 'an integer' : `a ${String(err.params.type)}`}`;
  if (err.keyword === 'format') return 'must be an ISO 8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z';
  if (err.keyword === 'pattern') return 'must not contain NUL characters';
  return err.message ?? 'is invalid';
}

export type QueryParser<S extends TObject> = (query: URLSearchParams) => Static<S>;

/** Compiles `schema` (an object of optional/required string-valued parameters) once. */
export function compileQuery<S extends TObject>(schema: S): QueryParser<S> {
  const validate = ajv.compile(schema);
  const props = schema.properties as Record<string, TSchema>;
  return (query) => {
    const out: Record<string, unknown> = {};
    for (const key of new Set(query.keys())) {
      const prop = props[key];
      if (!prop)
        throw new BadRequestError(
          key,
          `unknown query parameter "${key}"; accepted: ${Object.keys(props).join(', ') || 'none'}`,
        );
      const all = query.getAll(key);
      if (all.length > 1)
        throw new BadRequestError(key, `query parameter "${key}" is given ${all.length} times; give it once`);
      out[key] = convert(prop, all[0]);
    }
    if (!validate(out)) {
      const err = validate.errors![0];
      const name =
        err.instancePath.replace(/^\//, '') ||
        String((err.params as { missingProperty?: string }).missingProperty ?? '?');
      if (err.keyword === 'required') throw new BadRequestError(name, `query parameter "${name}" is required`);
      throw new BadRequestError(
        name,
        `query parameter "${name}" ${describe(err)}, got ${JSON.stringify(String(query.get(name)).slice(0, 80))}`,
      );
    }
    return out as Static<S>;
  };
}
