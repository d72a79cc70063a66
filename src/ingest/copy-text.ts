// PostgreSQL COPY text format (https://www.postgresql.org/docs/current/sql-copy.html,
// "Text Format"): columns separated by TAB, rows ended by LF, NULL written as \N.
// Inside a value, backslash, LF, CR and TAB must be backslash-escaped; everything
// else, including any Unicode, goes through as UTF-8. A value that is literally the
// two characters \N becomes \\N and so stays text (docs/dependencies.md "pg-copy-streams").
// Text rather than binary: binary needs every value in the column's exact wire type
// (no casts: timestamptz as microseconds since 2000, float8 bits, …) for no gain here.
import type { Row, Value } from './decode.js';

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES = /[\\\n\r\t]/g;
const REPLACEMENT: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function escapeCopyText(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPES, (c) => REPLACEMENT[c]) : s;
}

export function encodeValue(v: Value): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v); // finite (checked by decode); "1e+21" and "-0" parse as float8/bigint text
  return escapeCopyText(v);
}

/** One COPY text line per row, each ending in LF. */
export function encodeRows(rows: readonly Row[]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i > 0) out += '\t';
      out += encodeValue(row[i]);
    }
    out += '\n';
  }
  return out;
}
