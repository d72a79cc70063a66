// NATS subjects: <prefix>.<type>.<character token>.
// A NATS token may not contain '.', '*', '>' or white space, and non-ASCII is
// fragile in tooling, so a character name is encoded: [A-Za-z0-9-] stay as they are,
// every other UTF-8 byte becomes '_' + two upper-case hex digits ('_' itself is
// '_5F'). The mapping is one-to-one, so the name round-trips:
//   "Bob Smith" -> "Bob_20Smith", "a.b*>" -> "a_2Eb_2A_3E", "Zoë" -> "Zo_C3_AB".
export const EVENT_TYPES = ['telemetry', 'spawn', 'rare', 'chat'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Event types persisted in the JetStream stream (chat is core NATS only). */
export const STORED_TYPES = ['telemetry', 'spawn', 'rare'] as const;
export type StoredType = (typeof STORED_TYPES)[number];

const KEEP = /[A-Za-z0-9-]/;

export function encodeToken(name: string): string {
  let out = '';
  for (const ch of name) {
    if (KEEP.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of Buffer.from(ch, 'utf8')) out += `_${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeToken(token: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '_') {
      const hex = token.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`bad subject token escape at ${i}: ${token}`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export const subjectFor = (prefix: string, type: EventType, characterName: string): string =>
  `${prefix}.${type}.${encodeToken(characterName)}`;

/**
 * Event types this release does not project, sent by newer plugins (`vitals`, `quest`,
 * …): kept in the log, never in the database (docs/protocol.md "Extension types").
 */
export const EXTENSION_TYPE = /^[a-z][a-z0-9_]{0,47}$/;
/** The subject token that sets extension types apart: `<prefix>.ext.<type>.<character token>`. */
export const EXTENSION_TOKEN = 'ext';

export const extensionSubjectFor = (prefix: string, type: string, characterName: string): string =>
  `${prefix}.${EXTENSION_TOKEN}.${type}.${encodeToken(characterName)}`;

/** True for `<prefix>.ext.…`: a subject ingest keeps in the log and does not project. */
export const isExtensionSubject = (prefix: string, subject: string): boolean =>
  subject.startsWith(`${prefix}.${EXTENSION_TOKEN}.`);

/**
 * Splits `<prefix>.ext.<type>.<character token>`; undefined for anything else (the same
 * rules as parseSubject for the token). Never throws.
 */
export function parseExtensionSubject(
  prefix: string,
  subject: string,
): { type: string; characterName: string } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 4 || parts[0] !== prefix || parts[1] !== EXTENSION_TOKEN || !EXTENSION_TYPE.test(parts[2]))
    return undefined;
  let characterName: string;
  try {
    characterName = decodeToken(parts[3]);
  } catch {
    return undefined;
  }
  return encodeToken(characterName) === parts[3] && characterName !== ''
    ? { type: parts[2], characterName }
    : undefined;
}

/** Subjects the stream captures: every stored type and every extension type, every character. */
export const streamSubjects = (prefix: string): string[] => [
  ...STORED_TYPES.map((t) => `${prefix}.${t}.>`),
  `${prefix}.${EXTENSION_TOKEN}.>`,
];

/** The type token of a subject under `prefix`, whatever its character token holds. */
export function subjectType(prefix: string, subject: string): EventType | undefined {
  const parts = subject.split('.');
  if (parts.length !== 3 || parts[0] !== prefix) return undefined;
  const type = parts[1] as EventType;
  return EVENT_TYPES.includes(type) ? type : undefined;
}

/**
 * Splits `<prefix>.<type>.<character token>`; undefined for anything else, including a
 * token that no character name encodes to (a bad escape such as `a_zz`, an escape of a
 * byte that is kept as it is such as `_41`, or bytes that are not UTF-8). Subjects come
 * from anyone with NATS access, so this never throws.
 */
export function parseSubject(prefix: string, subject: string): { type: EventType; characterName: string } | undefined {
  const type = subjectType(prefix, subject);
  if (!type) return undefined;
  const token = subject.slice(subject.lastIndexOf('.') + 1);
  let characterName: string;
  try {
    characterName = decodeToken(token);
  } catch {
    return undefined;
  }
  return encodeToken(characterName) === token ? { type, characterName } : undefined;
}

/**
 * Alerts (docs/alerts.md "Live"): the alerts role publishes each open and resolve on core
 * NATS, `<prefix>.alert.<character token>`. Not a stored type: the stream's subjects
 * (streamSubjects) do not capture it, and `alert` is reserved as an extension type name.
 */
export const ALERT_TOKEN = 'alert';

export const alertSubjectFor = (prefix: string, characterName: string): string =>
  `${prefix}.${ALERT_TOKEN}.${encodeToken(characterName)}`;
