// Named errors with stable codes. The same codes appear in WebSocket error frames
// (`{"type":"error","code":…}`) and HTTP error bodies (`{"error":{"code":…}}`).
export const ErrorCodes = {
  invalidEvent: 'invalid_event',
  malformedJson: 'malformed_json',
  tooLarge: 'too_large',
  tooManyEvents: 'too_many_events',
  binaryFrame: 'binary_frame',
  unavailable: 'unavailable',
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

export const httpStatusOf = (code: ErrorCode): number =>
  ({ bad_request: 400, invalid_event: 400, malformed_json: 400, too_large: 413, too_many_events: 413,
     binary_frame: 400, unauthorized: 401, not_found: 404, unavailable: 503, internal: 500, config: 500 } as const)[code];
