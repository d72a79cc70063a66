// Named errors with stable codes. The same codes appear in WebSocket error frames
// (`{"type":"error","code":…}`) and HTTP error bodies (`{"error":{"code":…}}`).
export const ErrorCodes = {
  invalidEvent: 'invalid_event',
  malformedJson: 'malformed_json',
  tooLarge: 'too_large',
  tooManyEvents: 'too_many_events',
  binaryFrame: 'binary_frame',
  unavailable: 'unavailable',
  rateLimited: 'rate_limited',
  unauthorized: 'unauthorized',
  badRequest: 'bad_request',
  notFound: 'not_found',
  internal: 'internal',
  config: 'config',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * Every error the tracker throws. `code` is an ErrorCode, the one clients see, except in
 * ingest's PoisonError, whose PoisonCode never leaves the process (isClientError tells
 * them apart where an error becomes a reply).
 */
export class TrackerError<C extends string = ErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad or missing configuration value: the message is one line naming the variable. */
export class ConfigError extends TrackerError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(ErrorCodes.config, message);
  }
}

/** Failure to start or reach a backing service (NATS, PostgreSQL, provisioning). */
export class ServiceError extends TrackerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.unavailable, message, options);
  }
}

/**
 * A message that no retry can deliver: the NATS client or JetStream refuses its
 * content (too big for max_payload, …). The edge gives up on it and tells its client;
 * everything else is retried (docs/edge.md "Failures").
 */
export class RejectedMessageError extends TrackerError {}

/** A migration was edited after it was applied, or failed to apply (src/shared/migrate.ts). */
export class MigrationError extends TrackerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.internal, message, options);
  }
}

/** `replay` cannot run as asked (no stream, bad range): reported on one line, exit code 1. */
export class ReplayError extends TrackerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.badRequest, message, options);
  }
}

/**
 * Why a message can never be applied, one code per class of bad input (docs/ingest.md
 * "Foreign and malformed messages"). The code starts the dead letter's reason and
 * labels tracker_ingest_isolated_total.
 */
export const PoisonCodes = {
  emptyPayload: 'empty_payload',
  tooLarge: 'too_large',
  badSubject: 'bad_subject',
  notJson: 'not_json',
  notEnvelope: 'not_envelope',
  unknownVersion: 'unknown_version',
  idsEventsMismatch: 'ids_events_mismatch',
  typeMismatch: 'type_mismatch',
  characterMismatch: 'character_mismatch',
  invalidKey: 'invalid_key',
  invalidEvent: 'invalid_event',
  databaseRefused: 'database_refused',
  /** The decoder itself failed on this message (a bug): kept in dead_letters for a re-publish. */
  decodeFailed: 'decode_failed',
} as const;
export type PoisonCode = (typeof PoisonCodes)[keyof typeof PoisonCodes];

/**
 * A message that cannot be applied whatever the database does (bad JSON, wrong field
 * type, …). Its `code` is a PoisonCode, not an ErrorCode: it never reaches a client.
 */
export class PoisonError extends TrackerError<PoisonCode> {
  /** `<code>: <detail>`, as stored in dead_letters.reason. */
  readonly reason: string;
  constructor(code: PoisonCode, detail: string) {
    super(code, `${code}: ${detail}`);
    this.reason = this.message;
  }
}

/**
 * A TrackerError a client may see: its code is an ErrorCode (every one but PoisonError).
 * `instanceof TrackerError` alone types the code as `any` (a generic class).
 */
export const isClientError = (err: unknown): err is TrackerError =>
  err instanceof TrackerError && !(err instanceof PoisonError);

const sqlStateOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.length === 5 ? code : undefined;
};

/** PostgreSQL SQLSTATEs this code names (PostgreSQL manual, Appendix A). */
export const SqlStates = {
  uniqueViolation: '23505',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  cannotConnectNow: '57P03',
  tooManyConnections: '53300',
  insufficientResources: '53000',
  diskFull: '53100',
  outOfMemory: '53200',
  ioError: '58030',
} as const;

/**
 * SQLSTATEs that mean the database server ran out of a resource, not that the batch is
 * wrong: class 53 (insufficient resources: disk full, out of memory, too many
 * connections) and 58030 (I/O error: a failing or full disk under the data directory).
 * They heal once the operator frees the resource, so ingest retries them with backoff and
 * never dead-letters for them (docs/operations.md "A full disk").
 */
const RESOURCE_CAUSES: Record<string, string> = {
  [SqlStates.diskFull]: 'PostgreSQL: no space left on device',
  [SqlStates.insufficientResources]: 'PostgreSQL: insufficient resources',
  [SqlStates.outOfMemory]: 'PostgreSQL: out of memory',
  [SqlStates.ioError]: 'PostgreSQL: I/O error on its data directory',
};

/**
 * A database error as /health and the logs show it: the resource PostgreSQL ran out of
 * first, so the operator knows which disk to look at (PostgreSQL's, not NATS's), then
 * the server's own message. Any other error is its message unchanged.
 */
export function databaseErrorMessage(err: unknown): string {
  const state = sqlStateOf(err);
  const cause = state === undefined ? undefined : RESOURCE_CAUSES[state];
  const message = errorMessage(err);
  if (cause) return `${cause} (SQLSTATE ${state}): ${message}`;
  // PostgreSQL reports a full disk under some paths (WAL, temp files) as a plain I/O
  // error naming ENOSPC rather than 53100.
  if (/No space left on device/i.test(message)) return `PostgreSQL: no space left on device: ${message}`;
  return message;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  SqlStates.adminShutdown,
  SqlStates.crashShutdown,
  SqlStates.cannotConnectNow,
  SqlStates.tooManyConnections,
]);

/**
 * True when PostgreSQL could not be reached or is going away, as opposed to a query
 * it answered with an error: connection refused/reset, shutdown, 08xxx connection
 * exceptions, and node-postgres's own connect timeout and lost-connection errors.
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true;
  const message = err instanceof Error ? err.message : '';
  return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(
    message,
  );
}

// SQLSTATE classes that mean "this row's content is wrong" (PostgreSQL Appendix A):
// 22 data exception (out of range, invalid text, bad encoding), 23 integrity constraint;
// 54 program limit exceeded (an index row too big, …) is also about the content: the
// same row fails the same way on every retry. Class 53 (insufficient resources) and 58
// (system error) are NOT here: a full disk heals (RESOURCE_CAUSES above).
const DATA_CLASSES = new Set(['22', '23', '54']);

/**
 * True when PostgreSQL refused a statement because of the data it carries (SQLSTATE
 * class 22, 23 or 54): the same rows fail the same way on every retry.
 */
export function isDataError(err: unknown): boolean {
  const state = sqlStateOf(err);
  return state !== undefined && DATA_CLASSES.has(state.slice(0, 2));
}

/** True for a unique-constraint violation (SQLSTATE 23505). */
export const isUniqueViolation = (err: unknown): boolean => sqlStateOf(err) === SqlStates.uniqueViolation;

export type FailureClass = 'data' | 'transient';

/**
 * How ingest treats a database error (docs/ingest.md "Failures"): `data` when the
 * database refused the batch's content (bisect to find the message), else `transient`.
 * Anything that is not clearly about the data is transient: connection refused/reset,
 * admin shutdown (57P01), cannot connect now (57P03), too many connections (53300),
 * disk full (53100) and the rest of class 53, I/O error (58030), serialization
 * failures, and also unknown errors. Retrying a transient failure costs
 * time; wrongly calling it data would dead-letter good events.
 */
export const classify = (err: unknown): FailureClass => (isDataError(err) ? 'data' : 'transient');

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const httpStatusOf = (code: ErrorCode): number =>
  (
    ({
      bad_request: 400,
      invalid_event: 400,
      malformed_json: 400,
      too_large: 413,
      too_many_events: 413,
      binary_frame: 400,
      unauthorized: 401,
      rate_limited: 429,
      not_found: 404,
      unavailable: 503,
      internal: 500,
      config: 500,
    }) as const
  )[code];
