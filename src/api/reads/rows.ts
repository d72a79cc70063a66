// Shared helpers of the read queries: row limits and JSON-ready values.
// bigint columns are cast to double precision in SQL (pg returns int8 as a string);
// timestamps leave as ISO 8601 UTC strings with milliseconds.

export interface Limited<T> {
  rows: T[];
  truncated: boolean;
}

/** Queries ask for limit + 1 rows; the extra one only tells that there were more. */
export function limited<T>(rows: T[], limit: number): Limited<T> {
  return rows.length > limit ? { rows: rows.slice(0, limit), truncated: true } : { rows, truncated: false };
}

/** Replaces Date values (timestamptz columns) with ISO strings. */
export function isoDates<T extends Record<string, unknown>>(row: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out as T;
}
