// Checks ajv cannot express for unknown fields (kept as sent, docs/protocol.md "Events"): nesting depth
// (canonicalJson/JSON.stringify recurse; a 100k-deep array must not blow the stack) and,
// when the frame has `\u` escapes, strings that PostgreSQL jsonb/COPY refuse: NUL and
// lone UTF-16 surrogates (docs/dependencies.md "pg-copy-streams"). Raw NUL or invalid UTF-8 cannot
// reach here: JSON.parse rejects raw control characters and uWS rejects bad UTF-8.
import type { FieldError } from '../../schemas/validators.js';

interface Found {
  path: string[];
  message: string;
}

const isBadString = (s: string): boolean =>
  s.indexOf('\u0000') !== -1 || !(s as unknown as { isWellFormed(): boolean }).isWellFormed();

const BAD_STRING = 'must not contain NUL (\\u0000) or unpaired surrogate characters';

function walk(v: unknown, depth: number, maxDepth: number, strings: boolean): Found | undefined {
  if (typeof v === 'string') return strings && isBadString(v) ? { path: [], message: BAD_STRING } : undefined;
  if (v === null || typeof v !== 'object') return undefined;
  if (depth > maxDepth) return { path: [], message: `nests deeper than ${maxDepth} levels` };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const f = walk(v[i], depth + 1, maxDepth, strings);
      if (f) {
        f.path.unshift(String(i));
        return f;
      }
    }
    return undefined;
  }
  const obj = v as Record<string, unknown>;
  for (const k in obj) {
    if (strings && isBadString(k)) return { path: [k], message: `key ${BAD_STRING}` };
    const f = walk(obj[k], depth + 1, maxDepth, strings);
    if (f) {
      f.path.unshift(k);
      return f;
    }
  }
  return undefined;
}

const pointer = (parts: string[]) =>
  parts.length ? `/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}` : '/';

/**
 * First problem in `event` (an object at depth 1), or undefined. `checkStrings` is
 * false when the frame text has no `\u` escape, which makes NUL/surrogates impossible.
 */
export function deepCheck(event: object, maxDepth: number, checkStrings: boolean): FieldError | undefined {
  const f = walk(event, 1, maxDepth, checkStrings);
  if (!f) return undefined;
  // Strings are looked at in full, but a path into hostile input stays short.
  const path = pointer(f.path);
  return { path: path.length > 200 ? `${path.slice(0, 200)}…` : path, message: f.message };
}
