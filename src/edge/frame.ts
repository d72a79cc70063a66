// One text frame of /ws/position -> validated events + error replies (docs/protocol.md).
// Pure and synchronous: no I/O, never throws on any input.
import type { SizeBudget } from './size-budget.js';
import { validators, fieldErrors } from '../../schemas/validators.js';
import { subjectFor, EVENT_TYPES, type EventType } from '../shared/subjects.js';
import { eventKeyOf } from '../shared/envelope.js';
import { canonicalEventJson } from '../shared/canonical-json.js';
import { ErrorCodes } from '../shared/errors.js';
import { deepCheck } from './deep-check.js';
import { errorReply, type ErrorReply } from './replies.js';

export interface AcceptedEvent {
  type: EventType;
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
const subjects = new Map<string, Map<string, Partial<Record<EventType, string>>>>();
let cachedNames = 0;
function cachedSubject(prefix: string, type: EventType, name: string): string {
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
  return (byType[type] ??= subjectFor(prefix, type, name));
}

/** Where an error reply points: built only on error paths (checkEvent runs per event). */
function extra(ev: unknown, index: number | undefined): Partial<ErrorReply> {
  const e: Partial<ErrorReply> = index === undefined ? {} : { index };
  const id = (ev as { event_id?: unknown } | null)?.event_id;
  if (typeof id === 'string') e.event_id = id.slice(0, 128);
  return e;
}

/** Validates one event; returns the accepted form or the error reply. */
export function checkEvent(
  ev: unknown,
  index: number | undefined,
  frame: number,
  checkStrings: boolean,
  limits: FrameOptions,
): AcceptedEvent | ErrorReply {
  const invalid = schemaError(ev, index, frame, checkStrings, limits.maxEventDepth);
  if (invalid) return invalid;
  const obj = ev as Record<string, unknown>;
  const t = obj.type as EventType;
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
      extra(ev, index),
    );
  }
  const name = obj.character_name as string;
  const eventId = obj.event_id as string | undefined;
  return {
    type: t,
    subject: cachedSubject(limits.subjectPrefix, t, name),
    key: eventKeyOf(t, name, eventId, json),
    json,
    bytes,
    eventId,
  };
}

/** Shape, type, the type's schema, then depth and string checks; undefined = valid. */
function schemaError(
  ev: unknown,
  index: number | undefined,
  frame: number,
  checkStrings: boolean,
  maxEventDepth: number,
): ErrorReply | undefined {
  if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) {
    return errorReply(ErrorCodes.invalidEvent, frame, 'an event must be a JSON object', {
      ...extra(ev, index),
      errors: [{ path: '/', message: 'must be object' }],
    });
  }
  const obj = ev as Record<string, unknown>;
  const type = obj.type;
  const validate = typeof type === 'string' ? validators.get(type) : undefined;
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
  const deep = deepCheck(obj, maxEventDepth, checkStrings);
  if (!deep) return undefined;
  return errorReply(ErrorCodes.invalidEvent, frame, `invalid ${type} event: ${deep.path} ${deep.message}`, {
    ...extra(ev, index),
    errors: [deep],
  });
}

export const isErrorReply = (x: AcceptedEvent | ErrorReply): x is ErrorReply => (x as ErrorReply).code !== undefined;
