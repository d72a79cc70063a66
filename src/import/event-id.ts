// event_id of an imported event: "sqlite:<table>:<hash>" where <hash> is SHA-256
// (base64url) over the table name and the mapped event's canonical JSON, i.e. the row's
// content after normalization and without its `id` column. Why content and not `id`:
// the old writer sometimes stored one event twice under two ids; both rows give the
// same event_id, hence the same event key (src/shared/envelope.ts eventKeyOf), and every
// projection row is unique on (event_key, ts), so the event is stored once. The same
// file imported again, or resumed after a kill, yields the same ids, so nothing is
// stored twice even past the JetStream duplicate window (docs/import.md "Idempotence").
import * as crypto from 'node:crypto';
import { canonicalEventJson } from '../shared/canonical-json.js';

export const EVENT_ID_PREFIX = 'sqlite';

type OneShot = (algorithm: string, data: string, encoding: 'base64url') => string;
// One-shot crypto.hash (Node >= 20.12) is several times cheaper than createHash (see
// src/shared/envelope.ts); older Node 20 falls back. Same bytes hashed either way.
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;
const sha256 =
  typeof oneShot === 'function'
    ? (s: string) => oneShot('sha256', s, 'base64url')
    : (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('base64url');

export function importEventId(table: string, event: Record<string, unknown>): string {
  return `${EVENT_ID_PREFIX}:${table}:${sha256(`${table}\0${canonicalEventJson(event)}`)}`;
}
