// Who raises nothing (docs/alerts.md "Mutes"): ALERT_IGNORE_CHARACTERS (never tracked at
// all) and the mute set of PUT /alerts/mutes (tracked, but a muted kind raises nothing).
// Patterns are names where `*` stands for any text, matched case-insensitively.
import type { AlertKind } from '../shared/alerts.js';

export interface Mute {
  readonly character: string;
  /** Empty: every kind. */
  readonly kinds: readonly AlertKind[];
}

export function patternMatcher(pattern: string): (name: string) => boolean {
  if (!pattern.includes('*')) {
    const lower = pattern.toLowerCase();
    return (name) => name.toLowerCase() === lower;
  }
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${source}$`, 'is');
  return (name) => re.test(name);
}

/** True for a name any of `patterns` matches. */
export function anyPattern(patterns: readonly string[]): (name: string) => boolean {
  const matchers = patterns.map(patternMatcher);
  return (name) => matchers.some((m) => m(name));
}

/** Whether (character, kind) is muted by the set. */
export function muteTest(mutes: readonly Mute[]): (character: string, kind: AlertKind) => boolean {
  const compiled = mutes.map((m) => ({ match: patternMatcher(m.character), kinds: m.kinds }));
  return (character, kind) =>
    compiled.some((m) => (m.kinds.length === 0 || m.kinds.includes(kind)) && m.match(character));
}
