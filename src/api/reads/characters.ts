// Known characters: every character with a stored telemetry sample (player_latest holds
// one row per character), for pickers that must reach characters no longer live.
import type { Queryable } from '../db.js';
import { limited, isoDates } from './rows.js';

export async function readCharacters(db: Queryable, contains: string | undefined, limit: number) {
  // position() instead of LIKE: the filter is a plain substring, no wildcard escaping.
  const { rows } = await db.query(
    `select character_name, ts as last_timestamp, received_at as last_received_at
       from player_latest
      where $1::text is null or position(lower($1) in lower(character_name)) > 0
      order by character_name limit $2`,
    [contains ?? null, limit + 1],
  );
  return limited(rows.map(isoDates), limit);
}
