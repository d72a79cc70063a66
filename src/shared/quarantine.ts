// The quarantine: every event the edge refuses for its content, kept for repair and
// replay (docs/protocol.md "Refused events", docs/operations.md "Quarantine").
// Its own stream, `<STREAM_NAME>_QUARANTINE`, on subjects that never overlap the log's:
//   <prefix>.quarantine.<reason code>.<character token, or '_' when none>
// encodeToken never yields a bare '_' ('_' itself is '_5F'), so '_' means "no name".
// One message per refused event (or per frame that is not JSON), a QuarantineRecord as JSON.
import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import type { SharedConfig } from './config-vars.js';
import { ErrorCodes } from './errors.js';
import { encodeToken } from './subjects.js';

/** Refusal codes that are quarantined; oversized, rate-limited and unavailable frames are only counted. */
export const QUARANTINE_REASONS = [ErrorCodes.invalidEvent, ErrorCodes.malformedJson] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

export const isQuarantined = (code: string): code is QuarantineReason =>
  (QUARANTINE_REASONS as readonly string[]).includes(code);

/** The subject token of a record without a usable character name. */
export const NO_CHARACTER = '_';
/** A longer name is not put in the subject (it could not be a valid character name; schemas/common.ts). */
const MAX_SUBJECT_NAME = 64;

export interface QuarantineRecord {
  /** Format version of this record. */
  v: 1;
  reason: string;
  /** The `message` of the error reply the client got. */
  message: string;
  /** The reply's field errors, when it had some. */
  errors?: Array<{ path: string; message: string }>;
  /** `event`: raw is one event as JSON; `frame`: raw is a whole frame as received (not JSON). */
  raw_kind: 'event' | 'frame';
  raw: string;
  /** True when raw was cut at the per-event size limit (it no longer parses). */
  raw_truncated?: true;
  character_name?: string;
  /** When the edge received the frame (ISO 8601, UTC). */
  received_at: string;
}

export const quarantineStreamName = (streamName: string): string => `${streamName}_QUARANTINE`;

export const quarantineSubjects = (prefix: string): string[] => [`${prefix}.quarantine.>`];

/** The token of `name` in a quarantine subject: '_' for none, an empty or an overlong name. */
export function quarantineToken(name: unknown): string {
  return typeof name === 'string' && name.length > 0 && name.length <= MAX_SUBJECT_NAME
    ? encodeToken(name)
    : NO_CHARACTER;
}

export const quarantineSubject = (prefix: string, reason: string, characterName: unknown): string =>
  `${prefix}.quarantine.${reason}.${quarantineToken(characterName)}`;

/** A subject filter: one reason or all, one character or all. */
export const quarantineFilter = (prefix: string, reason?: string, characterName?: string): string =>
  `${prefix}.quarantine.${reason ?? '*'}.${characterName === undefined ? '*' : quarantineToken(characterName)}`;

/** The variables that define the quarantine stream (README "Configuration"). */
export type QuarantineSettings = Pick<
  SharedConfig,
  'STREAM_NAME' | 'SUBJECT_PREFIX' | 'STREAM_REPLICAS' | 'QUARANTINE_MAX_AGE_SECONDS' | 'QUARANTINE_MAX_BYTES'
>;

const NS_PER_S = 1_000_000_000;

/** Bounded by age and bytes; `discard: old`, so a full quarantine drops its oldest records, never a new one. */
export function quarantineStreamConfig(cfg: QuarantineSettings): Partial<StreamConfig> & { name: string } {
  return {
    name: quarantineStreamName(cfg.STREAM_NAME),
    subjects: quarantineSubjects(cfg.SUBJECT_PREFIX),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: cfg.QUARANTINE_MAX_AGE_SECONDS * NS_PER_S,
    max_bytes: cfg.QUARANTINE_MAX_BYTES,
    num_replicas: cfg.STREAM_REPLICAS,
  };
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, never inside a character. */
export function cutUtf8(text: string, maxBytes: number): { text: string; cut: boolean } {
  // Every UTF-16 unit is at most 3 bytes: most texts need no encoding at all.
  if (text.length * 3 <= maxBytes) return { text, cut: false };
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, cut: false };
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // back off a continuation byte
  return { text: bytes.subarray(0, end).toString('utf8'), cut: true };
}
