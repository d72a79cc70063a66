// Telemetry reads: /live (player_latest), /trails and /history (raw rows or the
// telemetry_1m/1h/1d aggregates; whether those are continuous aggregates or plain
// views is the migration's business, not this file's: sql/100_aggregate_mode.sql).
import type { Queryable } from '../db.js';
import type { Bucket } from '../schemas/queries.js';
import type { RawPointT, BucketPointT } from '../schemas/responses.js';
import { limited, isoDates, type Limited } from './rows.js';
import { POSITION_COLUMNS, SAMPLE_COLUMNS, BUCKET_FIELD_COLUMNS } from './telemetry-columns.js';

export async function readLive(db: Queryable, seconds: number, maxRows: number) {
  const { rows } = await db.query(
    `select character_name, received_at, ${SAMPLE_COLUMNS}
       from player_latest where ts >= now() - make_interval(secs => $1)
      order by character_name limit $2`,
    [seconds, maxRows + 1],
  );
  return limited(rows.map(isoDates), maxRows);
}

export async function readTrails(db: Queryable, seconds: number, character: string | undefined, maxRows: number) {
  const { rows } = await db.query(
    `select character_name, ts as timestamp, ${POSITION_COLUMNS}
       from telemetry
      where ts >= now() - make_interval(secs => $1) and ($2::text is null or character_name = $2)
      order by character_name, ts limit $3`,
    [seconds, character ?? null, maxRows + 1],
  );
  return limited(rows.map(isoDates), maxRows);
}

// Timestamps leave PostgreSQL as the ISO text the answer carries (toISOString's format):
// parsing them into Date objects and back was most of the client-side cost of a long
// bucket list (docs/benchmarks.md "Read benchmark").
const iso = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const BUCKET_SECONDS: Record<Exclude<Bucket, 'raw'>, number> = { '1m': 60, '1h': 3600, '1d': 86400 };
// Identifiers cannot be parameters: the view name comes from this fixed map only.
const BUCKET_VIEW: Record<Exclude<Bucket, 'raw'>, string> = {
  '1m': 'telemetry_1m',
  '1h': 'telemetry_1h',
  '1d': 'telemetry_1d',
};

/**
 * The bucket /history uses when the request names none: the finest of raw, 1m, 1h, 1d
 * whose number of points over the range stays within `targetPoints` (raw assumes at
 * most one sample per second). Documented in docs/api.md.
 */
export function autoBucket(rangeMs: number, targetPoints: number): Bucket {
  const seconds = rangeMs / 1000;
  if (seconds <= targetPoints) return 'raw';
  for (const b of ['1m', '1h'] as const) if (seconds / BUCKET_SECONDS[b] <= targetPoints) return b;
  return '1d';
}

export async function readHistory(
  db: Queryable,
  character: string,
  from: Date,
  to: Date,
  bucket: Bucket,
  maxRows: number,
): Promise<Limited<RawPointT> | Limited<BucketPointT>> {
  // An empty range overlaps no bucket (the bucket query below would return the one holding `from`).
  if (from.getTime() >= to.getTime()) return { rows: [], truncated: false };
  if (bucket === 'raw') {
    const { rows } = await db.query<RawPointT>(
      `select ${SAMPLE_COLUMNS} from telemetry
        where character_name = $1 and ts >= $2 and ts < $3
        order by ts limit $4`,
      [character, from.toISOString(), to.toISOString(), maxRows + 1],
    );
    return limited(rows.map(isoDates), maxRows);
  }
  const { rows } = await db.query<BucketPointT>(`${bucketSelect(bucket)} order by bucket limit $5`, [
    ...bucketParams(character, from, to, bucket),
    maxRows + 1,
  ]);
  // No Date values here: the timestamps already left PostgreSQL as ISO text (iso above).
  return limited(rows, maxRows);
}

/**
 * The points of one bucket level over [from, to) as /history answers them, in the
 * order of BucketPoint (src/api/schemas/responses.ts); parameters $1-$4 from
 * bucketParams. Buckets overlapping [from, to): the first one may start before `from`.
 */
export const bucketSelect = (bucket: Exclude<Bucket, 'raw'>) =>
  `select ${iso('bucket')} as timestamp, samples::float8 as samples, ${iso('last_ts')} as last_timestamp,
          ${BUCKET_FIELD_COLUMNS}
     from ${BUCKET_VIEW[bucket]}
    where character_name = $1 and bucket >= time_bucket($2::interval, $3::timestamptz) and bucket < $4`;

export const bucketParams = (character: string, from: Date, to: Date, bucket: Exclude<Bucket, 'raw'>) => [
  character,
  `${BUCKET_SECONDS[bucket]} seconds`,
  from.toISOString(),
  to.toISOString(),
];
