// /history's bucketed points as JSON written by PostgreSQL, one text per point, so the
// API neither parses 20 numbers per point into JavaScript nor serializes them back. At
// 1,441 points (bucket 1m over a day) that round trip, not the SQL, was most of the
// API's time (docs/benchmarks.md "/history bucket 1m"). The text is byte for byte what
// JSON.stringify makes of readHistory's rows (test/api/history-json.int.test.ts); where
// it could differ, the caller takes that path.
import type { Queryable } from '../db.js';
import type { Bucket } from '../schemas/queries.js';
import { BucketPoint } from '../schemas/responses.js';
import { bucketSelect, bucketParams } from './telemetry.js';

interface PointsJson {
  /** The points as JSON array elements, comma-separated, without the brackets. */
  json: string;
  truncated: boolean;
}

/**
 * One point as JSON text, keys in BucketPoint's order (the order JSON.stringify keeps):
 * strings through to_json (quoted, escaped), numbers as their float8 text. Every column
 * of bucketSelect is a float8 or a string, so `::text` is float8's output.
 */
const POINT_JSON = `${Object.entries(BucketPoint.properties)
  .map(([key, schema], i) => {
    const value = schema.type === 'string' ? `to_json(p.${key})::text` : `p.${key}::text`;
    return `'${i ? ',' : '{'}"${key}":' || coalesce(${value}, 'null')`;
  })
  .join(' || ')} || '}'`;

/**
 * Where PostgreSQL's float8 text is not JavaScript's: exponents (PostgreSQL from 1e15 and
 * below 1e-4, JavaScript from 1e21 and below 1e-6), NaN and infinities (JSON.stringify
 * writes null) and negative zero (JSON.stringify writes 0). Elsewhere both write the
 * shortest digits that read back as the same double (extra_float_digits = 1, which
 * src/api/db.ts pins). The rest of a point is its keys and two ISO timestamps.
 */
const NOT_AS_JAVASCRIPT_WRITES = /\de[+-]|NaN|Infinity|:-0[,}]/;

/**
 * The points of a bucketed /history read as JSON, or undefined when a value's text may
 * differ from JSON.stringify's (the caller then serializes readHistory's rows).
 */
export async function readHistoryJson(
  db: Queryable,
  character: string,
  from: Date,
  to: Date,
  bucket: Exclude<Bucket, 'raw'>,
  maxRows: number,
): Promise<PointsJson | undefined> {
  if (from.getTime() >= to.getTime()) return { json: '', truncated: false };
  const { rows } = await db.query<{ point: string }>(
    `select ${POINT_JSON} as point from (${bucketSelect(bucket)} order by bucket limit $5) p order by p.timestamp`,
    [...bucketParams(character, from, to, bucket), maxRows + 1],
  );
  const n = Math.min(rows.length, maxRows);
  const points: string[] = new Array(n);
  for (let i = 0; i < n; i++) points[i] = rows[i].point;
  const json = points.join(',');
  if (NOT_AS_JAVASCRIPT_WRITES.test(json)) return undefined;
  return { json, truncated: rows.length > maxRows };
}
