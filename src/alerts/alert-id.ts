// Deterministic alert ids (docs/alerts.md "Rebuild"): the character, the kind and the
// start name an alert, so a rebuild from the log writes the same ids and a second
// process raising the same alert hits the primary key instead of a duplicate.
import { createHash } from 'node:crypto';
import type { AlertKind } from '../shared/alerts.js';

export function alertId(character: string, kind: AlertKind, startedAtMs: number): string {
  return createHash('sha256')
    .update(`${character}\n${kind}\n${new Date(startedAtMs).toISOString()}`)
    .digest('hex')
    .slice(0, 32);
}
