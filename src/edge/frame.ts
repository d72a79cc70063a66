// One text frame of /ws/position -> validated events + error replies (docs/protocol.md).
// Pure and synchronous: no I/O, never throws on any input.
import type { SizeBudget } from './size-budget.js';
import { validators, validateExtension, fieldErrors } from '../../schemas/validators.js';
import {
  normalizeEvent,
  mayNeedNormalizing,
  DEFAULT_NORMALIZE_OPTIONS,
  type NormalizeOptions,
  type NormalizeRule,
} from '../../schemas/normalize.js';
import { subjectFor, extensionSubjectFor, EVENT_TYPES, EXTENSION_TYPE, type EventType } from '../shared/subjects.js';
import { eventKeyOf } from '../shared/envelope.js';
import { canonicalEventJson } from '../shared/canonical-json.js';
import { ErrorCodes } from '../shared/errors.js';
import { deepCheck } from './deep-check.js';
import { errorReply, type ErrorReply } from './replies.js';

export interface AcceptedEvent {
  /** A built-in type, or an extension type (`extension` is then true). */
  type: EventType | (string & {});
  /** An extension type: kept in the log under `<prefix>.ext.<type>.<token>`, never projected. */
  extension?: true;
  /** The older-plugin rules that made it canonical (docs/protocol.md "Older plugins"); absent when none did. */
  normalized?: readonly NormalizeRule[];
  subject: string;
  /** Idempotency key (envelope `ids[i]`). */
  key: string;
  /** The event serialized once, as canonical JSON (what the envelope carries). */
  json: string;
  bytes: number;
  eventId?: string;
}

export interface FrameOptions {
  subjectPrefix: string;
  maxEventDepth: number;
  /** What fits one NATS message: the largest serialized event, by type. */
  budget: SizeBudget;
  /** How events of older plugins are made canonical (docs/protocol.md "Older plugins"); default: both lenient. */
  normalize?: NormalizeOptions;
  /** Whether an extension type is accepted into the log (docs/protocol.md "Extension types"); default: none is. */
  acceptsExtension?: (type: string) => boolean;
}

/** Extension types the edge keeps in the log: every well-formed one (`'*'`), or those listed (none when empty). */
export type ExtensionTypes = '*' | readonly string[];

/** How events are checked, from the edge's options; the edge and quarantine replay both use it. */
export function frameOptionsOf(
  opts: { subjectPrefix: string; maxEventDepth: number; normalize: NormalizeOptions; extensionTypes: ExtensionTypes },
  budget: SizeBudget,
): FrameOptions {
  const allowed = opts.extensionTypes === '*' ? undefined : new Set(opts.extensionTypes);
  return {
    subjectPrefix: opts.subjectPrefix,
    maxEventDepth: opts.maxEventDepth,
    budget,
    normalize: opts.normalize,
    acceptsExtension: allowed ? (type) => allowed.has(type) : () => true,
  };
}

export type ParsedFrame =
  | { ok: false; error: ErrorReply }
  | { ok: true; events: unknown[]; isArray: boolean; checkStrings: boolean };

const MAX_MESSAGE_CHARS = 200;
const clip = (s: string) => (s.length > MAX_MESSAGE_CHARS ? `${s.slice(0, MAX_MESSAGE_CHARS)}…` : s);

/** JSON-parses the frame text; frame-level errors (malformed_json, too_many_events). */
export function parseFrame(text: string, frame: number, maxEvents: number): ParsedFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      error: errorReply(ErrorCodes.malformedJson, frame, `frame is not valid JSON: ${clip((err as Error).message)}`),
    };
  }
  const isArray = Array.isArray(parsed);
  const events = isArray ? (parsed as unknown[]) : [parsed];
  if (events.length > maxEvents) {
    return {
      ok: false,
      error: errorReply(
        ErrorCodes.tooManyEvents,
        frame,
        `frame holds ${events.length} events; at most ${maxEvents} are allowed (EDGE_MAX_EVENTS_PER_FRAME)`,
      ),
    };
  }
  // NUL and lone surrogates can only arrive as \u escapes: skip the string scan without one.
  return { ok: true, events, isArray, checkStrings: text.includes('\\u') };
}

const TYPE_LIST = EVENT_TYPES.join(', ');

// Characters send again and again: remember their subjects (encodeToken walks every
// character), keyed by prefix, then name, then type, so a hit builds no string (a
// joined key per event showed up in the profile). Cleared when full, so it stays
// bounded under hostile names.
const SUBJECT_CACHE_MAX = 50_000;
const subjects = new Map<string, Map<string, Record<string, string>>>();
let cachedNames = 0;
function cachedSubject(prefix: string, type: string, name: string, extension: boolean): string {
  let byName = subjects.get(prefix);
  if (byName === undefined) subjects.set(prefix, (byName = new Map()));
  let byType = byName.get(name);
  if (byType === undefined) {
    if (cachedNames >= SUBJECT_CACHE_MAX) {
      subjects.clear();
      cachedNames = 0;
      subjects.set(prefix, (byName = new Map()));
    }
    byName.set(name, (byType = {}));
    cachedNames++;
  }
  return (byType[extension ? `ext.${type}` : type] ??= extension
    ? extensionSubjectFor(prefix, type, name)
    : subjectFor(prefix, type as EventType, name));
}

/** Where an error reply points: built only on error paths (checkEvent runs per event). */
function extra(ev: unknown, index: number | undefined): Partial<ErrorReply> {
  const e: Partial<ErrorReply> = index === undefined ? {} : { index };
  const id = (ev as { event_id?: unknown } | null)?.event_id;
  if (typeof id === 'string') e.event_id = id.slice(0, 128);
  return e;
}

/**
 * Validates one event; returns the accepted form or the error reply. An event the schema
 * refuses, or one that may be in an older plugin's form, goes through the normaliser
 * (schemas/normalize.ts) and is checked again: a canonical event pays one property test
 * and one regex, an older one a second validation (test/edge/measure/normalize-cost.ts).
 */
export function checkEvent(
  ev: unknown,
  index: number | undefined,
  frame: number,
  checkStrings: boolean,
  limits: FrameOptions,
): AcceptedEvent | ErrorReply {
  let invalid = schemaError(ev, index, frame, checkStrings, limits);
  const obj = ev as Record<string, unknown>;
  if (invalid === undefined ? !mayNeedNormalizing(obj) : !isObject(ev))
    return invalid ?? accepted(obj, limits, index, frame);
  const n = normalizeEvent(obj, limits.normalize ?? DEFAULT_NORMALIZE_OPTIONS, receiveTime);
  if (n.rules.length === 0) return invalid ?? accepted(obj, limits, index, frame);
  invalid = schemaError(n.event, index, frame, checkStrings, limits);
  return invalid ?? accepted(n.event, limits, index, frame, n.rules);
}

// The edge's receive time for an event without one: read only when the rule applies.
const receiveTime = () => new Date().toISOString();

const isObject = (ev: unknown): ev is Record<string, unknown> =>
  ev !== null && typeof ev === 'object' && !Array.isArray(ev);

/** The accepted form of a valid event: serialized once, sized, keyed, with its subject. */
function accepted(
  obj: Record<string, unknown>,
  limits: FrameOptions,
  index: number | undefined,
  frame: number,
  normalized?: readonly NormalizeRule[],
): AcceptedEvent | ErrorReply {
  const t = obj.type as string;
  const extension = !validators.has(t);
  // One serialization serves both the envelope and the event key (keys sorted).
  const json = canonicalEventJson(obj);
  const bytes = Buffer.byteLength(json);
  const maxBytes = limits.budget.maxEventBytes(t);
  if (bytes > maxBytes) {
    return errorReply(
      ErrorCodes.tooLarge,
      frame,
      `event is ${bytes} bytes; one ${t} event may be at most ${maxBytes} bytes (the NATS server's max_payload ` +
        `minus the envelope and headers)`,
      extra(obj, index),
    );
  }
  const name = obj.character_name as string;
  const eventId = obj.event_id as string | undefined;
  const out: AcceptedEvent = {
    type: t,
    subject: cachedSubject(limits.subjectPrefix, t, name, extension),
    key: eventKeyOf(t, name, eventId, json),
    json,
    bytes,
    eventId,
  };
  if (extension) out.extension = true;
  if (normalized) out.normalized = normalized;
  return out;
}

/** Shape, type, the type's schema, then depth and string checks; undefined = valid. */
function schemaError(
  ev: unknown,
  index: number | undefined,
  frame: number,
  checkStrings: boolean,
  limits: FrameOptions,
): ErrorReply | undefined {
  if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) {
    return errorReply(ErrorCodes.invalidEvent, frame, 'an event must be a JSON object', {
      ...extra(ev, index),
      errors: [{ path: '/', message: 'must be object' }],
    });
  }
  const obj = ev as Record<string, unknown>;
  const type = obj.type;
  const validate =
    typeof type !== 'string'
      ? undefined
      : (validators.get(type) ??
        (EXTENSION_TYPE.test(type) && limits.acceptsExtension?.(type) ? validateExtension : undefined));
  if (!validate) {
    return errorReply(ErrorCodes.invalidEvent, frame, `unknown or missing event type; expected one of ${TYPE_LIST}`, {
      ...extra(ev, index),
      errors: [{ path: '/type', message: `must be one of ${TYPE_LIST}` }],
    });
  }
  if (!validate(obj)) {
    const errors = fieldErrors(validate.errors);
    const summary = errors.map((e) => `${e.path} ${e.message}`).join('; ');
    return errorReply(ErrorCodes.invalidEvent, frame, `invalid ${type} event: ${summary}`, {
      ...extra(ev, index),
      errors,
    });
  }
  const deep = deepCheck(obj, limits.maxEventDepth, checkStrings);
  if (!deep) return undefined;
  return errorReply(ErrorCodes.invalidEvent, frame, `invalid ${type} event: ${deep.path} ${deep.message}`, {
    ...extra(ev, index),
    errors: [deep],
  });
}

export const isErrorReply = (x: AcceptedEvent | ErrorReply): x is ErrorReply => (x as ErrorReply).code !== undefined;
