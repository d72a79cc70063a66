// ajv validators of every event type, compiled ONCE at import (docs/dependencies.md "ajv + TypeBox":
// compiling per call leaks). Options are chosen for untrusted input: first error only
// (allErrors off: bounded error lists), no coercion, no defaults, nothing removed, so
// a validated event is exactly what the client sent.
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { eventSchemas } from './index.js';
import { ExtensionEvent } from './extension.js';
import { NO_NUL } from './common.js';
import type { EventType } from '../src/shared/subjects.js';

// ajv-formats is CommonJS: under NodeNext its default import may be the module object.
type FormatsPlugin = typeof addFormatsModule.default;
const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  (addFormatsModule as unknown as FormatsPlugin);

export const ajv = new Ajv({
  allErrors: false,
  strict: true,
  strictNumbers: true,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
});
addFormats(ajv, { mode: 'full', formats: ['date-time'] });

export const validators: ReadonlyMap<string, ValidateFunction> = new Map(
  (Object.keys(eventSchemas) as EventType[]).map((t) => [t, ajv.compile(eventSchemas[t])]),
);

/** Extension types (./extension.ts): the fields every event carries, nothing more. */
export const validateExtension: ValidateFunction = ajv.compile(ExtensionEvent);

export interface FieldError {
  path: string;
  message: string;
}

const MAX_REPORTED_ERRORS = 5;

/** ajv errors as `{path, message}` pairs; `required` errors point at the missing field. */
export function fieldErrors(errors: readonly ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).slice(0, MAX_REPORTED_ERRORS).map((e) => {
    const missing = e.keyword === 'required' ? (e.params as { missingProperty?: string }).missingProperty : undefined;
    const path = missing !== undefined ? `${e.instancePath}/${missing}` : e.instancePath || '/';
    return { path, message: friendlyMessage(e) };
  });
}

function friendlyMessage(e: ErrorObject): string {
  if (e.keyword === 'pattern') {
    const pattern = (e.params as { pattern?: string }).pattern;
    if (pattern === NO_NUL) return 'must not contain NUL characters (\\u0000)';
    if (pattern === '^(?!0000)') return 'must have a year after 0000';
  }
  if (e.keyword === 'type' && (e.params as { type?: string }).type === 'number') return 'must be a finite number';
  if (e.keyword === 'type' && (e.params as { type?: string }).type === 'integer') return 'must be a finite integer';
  if (e.keyword === 'format') return 'must be an RFC 3339 date-time with a timezone';
  return e.message ?? 'is invalid';
}
