// Errors of the ingest role and how a database error is classified. The class decides
// what the loop does (docs/ingest.md "Failures"):
//   poison     -> this message can never be applied: dead-letter it (now, or after
//                 INGEST_MAX_DELIVER deliveries when the database refused it)
//   data       -> the database refused the batch's CONTENT: bisect to find the message
//   transient  -> the database is unreachable or busy: keep the batch, back off, retry
//                 (never dead-letter on these: that would drop good data during an outage)

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

/** A message that cannot be applied whatever the database does (bad JSON, wrong field type, …). */
export class PoisonError extends Error {
  /** `<code>: <detail>`, as stored in dead_letters.reason. */
  readonly reason: string;
  constructor(readonly code: PoisonCode, detail: string) {
    super(`${code}: ${detail}`);
    this.reason = this.message;
    this.name = 'PoisonError';
  }
}

export type FailureClass = 'data' | 'transient';

// SQLSTATE classes that mean "this row's content is wrong" (PostgreSQL Appendix A):
// 22 data exception (out of range, invalid text, bad encoding), 23 integrity constraint;
// 54 program limit exceeded (an index row too big, …) is also about the content: the
// same row fails the same way on every retry.
const DATA_CLASSES = new Set(['22', '23', '54']);

/**
 * Anything that is not clearly about the data is treated as transient: connection
 * refused/reset, admin shutdown (57P01), cannot connect now (57P03), too many
 * connections (53300), serialization failures, and also unknown errors. Retrying a
 * transient failure costs time; wrongly calling it data would dead-letter good events.
 */
export function classify(err: unknown): FailureClass {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.length === 5 && DATA_CLASSES.has(code.slice(0, 2))) return 'data';
  return 'transient';
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
