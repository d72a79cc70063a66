// Typed environment variables: each variable is declared once with its TypeBox
// schema, default and documentation. `parseEnv` converts the raw strings, validates
// them with ajv and fails with ONE line naming the variable and what is expected.
// The README table is generated from the same declarations (scripts/config-doc.ts).
import { Type, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ConfigError } from './errors.js';

export type VarKind = 'string' | 'integer' | 'number' | 'boolean' | 'url' | 'enum' | 'list';

/** `T` is the parsed value's type (including `undefined` when there is no default). */
export interface VarSpec<T = unknown> {
  readonly kind: VarKind;
  readonly schema: TSchema;
  readonly default?: T;
  readonly doc: string;
  /** Never print the value (passwords, secrets). */
  readonly secret?: boolean;
  /** Human wording of what is accepted, used in the one-line error. */
  readonly expected: string;
}

export function str(
  doc: string,
  opts: { default: string; minLength?: number; maxLength?: number; secret?: boolean },
): VarSpec<string>;
export function str(
  doc: string,
  opts?: { minLength?: number; maxLength?: number; secret?: boolean },
): VarSpec<string | undefined>;
export function str(
  doc: string,
  opts: { default?: string; minLength?: number; maxLength?: number; secret?: boolean } = {},
): VarSpec<string | undefined> {
  return {
    kind: 'string',
    doc,
    default: opts.default,
    secret: opts.secret,
    schema: Type.String({ minLength: opts.minLength ?? 0, maxLength: opts.maxLength ?? 4096 }),
    expected: `a string${opts.minLength ? ` of at least ${opts.minLength} characters` : ''}`,
  };
}

/** A string matching `pattern` (a regular expression source); `expected` words it for the error. */
export const matching = (doc: string, pattern: string, expected: string, def: string): VarSpec<string> => ({
  kind: 'string',
  doc,
  default: def,
  schema: Type.String({ pattern }),
  expected,
});

export const int = (doc: string, def: number, min: number, max: number): VarSpec<number> => ({
  kind: 'integer',
  doc,
  default: def,
  schema: Type.Integer({ minimum: min, maximum: max }),
  expected: `an integer from ${min} to ${max}`,
});

/** An integer with no default: undefined when unset (a deprecated variable, read only when set). */
export const optionalInt = (doc: string, min: number, max: number): VarSpec<number | undefined> => ({
  kind: 'integer',
  doc,
  schema: Type.Integer({ minimum: min, maximum: max }),
  expected: `an integer from ${min} to ${max}`,
});

export const num = (doc: string, def: number, min: number, max: number): VarSpec<number> => ({
  kind: 'number',
  doc,
  default: def,
  schema: Type.Number({ minimum: min, maximum: max }),
  expected: `a number from ${min} to ${max}`,
});

export const bool = (doc: string, def: boolean): VarSpec<boolean> => ({
  kind: 'boolean',
  doc,
  default: def,
  schema: Type.Boolean(),
  expected: 'true or false (also 1/0, yes/no)',
});

export const url = (
  doc: string,
  protocols: string[],
  opts: { secret?: boolean } = {},
): VarSpec<string | undefined> => ({
  kind: 'url',
  doc,
  secret: opts.secret,
  schema: Type.String({ pattern: `^(${protocols.join('|')})://` }),
  expected: `a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
});

export const oneOf = <T extends string>(doc: string, values: readonly T[], def: T): VarSpec<T> => ({
  kind: 'enum',
  doc,
  default: def,
  schema: Type.Union(values.map((v) => Type.Literal(v))),
  expected: `one of ${values.join(', ')}`,
});

export const list = <T extends string>(doc: string, values: readonly T[], def: T[]): VarSpec<T[]> => ({
  kind: 'list',
  doc,
  default: def,
  schema: Type.Array(Type.Union(values.map((v) => Type.Literal(v))), { minItems: 1, uniqueItems: true }),
  expected: `a comma-separated list of ${values.join(', ')}`,
});

// biome-ignore lint/suspicious/noExplicitAny: a table of specs of different value types; ParsedVars recovers each one.
export type VarSpecs = Record<string, VarSpec<any>>;
export type ParsedVars<T extends VarSpecs> = { [K in keyof T]: T[K] extends VarSpec<infer V> ? V : never };

const ajv = new Ajv({ strict: true, allErrors: false });

function convert(kind: VarKind, raw: string): unknown {
  const s = raw.trim();
  switch (kind) {
    case 'integer':
      return /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
    case 'number':
      return s !== '' && Number.isFinite(Number(s)) ? Number(s) : NaN;
    case 'boolean': {
      const l = s.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(l)) return true;
      if (['0', 'false', 'no', 'off'].includes(l)) return false;
      return s;
    }
    case 'list':
      return s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    default:
      return raw;
  }
}

/**
 * Reads every declared variable from `env`. Empty strings count as unset.
 * Throws ConfigError("NAME must be …, got …") on the first bad value.
 */
export function parseEnv<T extends VarSpecs>(specs: T, env: NodeJS.ProcessEnv): ParsedVars<T> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      out[name] = spec.default;
      continue;
    }
    const value = convert(spec.kind, raw);
    const validate = ajv.compile(spec.schema);
    if (!validate(value)) {
      const shown = spec.secret ? '<hidden>' : JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw);
      throw new ConfigError(name, `${name} must be ${spec.expected}, got ${shown}`);
    }
    out[name] = value;
  }
  return out as ParsedVars<T>;
}
