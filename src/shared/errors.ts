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

export class TrackerError extends Error {
  constructor(readonly code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad or missing configuration value: the message is one line naming the variable. */
export class ConfigError extends TrackerError {
  constructor(readonly variable: string, message: string) {
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

/** PostgreSQL SQLSTATEs this code names (PostgreSQL manual, Appendix A). */
export const SqlStates = {
  uniqueViolation: '23505',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  cannotConnectNow: '57P03',
  tooManyConnections: '53300',
} as const;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH',
  SqlStates.adminShutdown, SqlStates.crashShutdown, SqlStates.cannotConnectNow, SqlStates.tooManyConnections]);

/**
 * True when PostgreSQL could not be reached or is going away, as opposed to a query
 * it answered with an error: connection refused/reset, shutdown, 08xxx connection
 * exceptions, and node-postgres's own connect timeout and lost-connection errors.
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true;
  const message = err instanceof Error ? err.message : '';
  return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(message);
}

export const httpStatusOf = (code: ErrorCode): number =>
  ({ bad_request: 400, invalid_event: 400, malformed_json: 400, too_large: 413, too_many_events: 413,
     binary_frame: 400, unauthorized: 401, rate_limited: 429, not_found: 404, unavailable: 503, internal: 500, config: 500 } as const)[code];
