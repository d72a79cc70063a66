// player_latest: the newest telemetry row per character, upserted in the same
// transaction as the telemetry rows. Order-independent, so redeliveries, competing
// consumers and replays all converge: a row replaces the stored one only when
// (ts, event_key) is greater.
import type pg from 'pg';
import type { Row } from './decode.js';
import { PLAYER_LATEST_COLUMNS, TABLES } from './tables.js';

const spec = TABLES.telemetry;
const keep = PLAYER_LATEST_COLUMNS.map((c) => spec.columns.indexOf(c));
const types = keep.map((i) => spec.types[i]);
const TS = spec.columns.indexOf('ts');
const NAME = spec.columns.indexOf('character_name');
const KEY = spec.columns.indexOf('event_key');

const cols = PLAYER_LATEST_COLUMNS.join(', ');
const upsertFrom = (source: string) => `insert into player_latest (${cols})
  select distinct on (character_name) ${cols}
  from ${source}
  order by character_name, ts desc, event_key desc
  on conflict (character_name) do update set ${PLAYER_LATEST_COLUMNS.filter((c) => c !== 'character_name')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}
  where (player_latest.ts, player_latest.event_key) < (excluded.ts, excluded.event_key)`;
const SQL = upsertFrom(`unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) as t(${cols})`);
// copy-staging mode: the batch's telemetry rows are already in the session's staging
// table (until COMMIT), so PostgreSQL picks the newest per character there and no
// array parameters are encoded (pg's array encoding was ~15% of ingest's busy time in
// the batched profile, docs/benchmarks.md).
const FROM_STAGING = upsertFrom(spec.staging);

/**
 * Candidates per character: the rows at its newest millisecond (Date.parse resolution;
 * PostgreSQL then picks exactly among them), so only a handful of rows travel. When
 * those rows carry the very same timestamp text (a client batching events under one
 * timestamp), the greatest event key wins here already, as it would in PostgreSQL:
 * lowercase UUID text orders like the uuid type's bytes. Encoding the array parameters
 * was ~15% of ingest's busy time before (docs/benchmarks.md).
 */
export function latestCandidates(rows: readonly Row[]): Row[] {
  const best = new Map<string, { ms: number; rows: Row[] }>();
  for (const row of rows) {
    const name = row[NAME] as string;
    const b = best.get(name);
    // Same timestamp text as the best so far (events batched under one timestamp):
    // a tie without parsing it again.
    if (b && row[TS] === b.rows[0][TS]) {
      b.rows.push(row);
      continue;
    }
    const ms = Date.parse(row[TS] as string);
    if (!b || ms > b.ms) best.set(name, { ms, rows: [row] });
    else if (ms === b.ms) b.rows.push(row);
  }
  const out: Row[] = [];
  for (const b of best.values()) {
    if (b.rows.length === 1) {
      out.push(b.rows[0]);
      continue;
    }
    const ts = b.rows[0][TS];
    if (!b.rows.every((r) => r[TS] === ts)) {
      out.push(...b.rows);
      continue;
    }
    // Lowercased: the stream may hold uppercase UUIDs from another publisher.
    let top = b.rows[0];
    let topKey = (top[KEY] as string).toLowerCase();
    for (const r of b.rows) {
      const k = (r[KEY] as string).toLowerCase();
      if (k > topKey) {
        top = r;
        topKey = k;
      }
    }
    out.push(top);
  }
  return out;
}

export async function upsertPlayerLatestFromStaging(client: pg.ClientBase): Promise<void> {
  await client.query(FROM_STAGING);
}

export async function upsertPlayerLatest(client: pg.ClientBase, telemetryRows: readonly Row[]): Promise<void> {
  if (telemetryRows.length === 0) return;
  const cands = latestCandidates(telemetryRows);
  const arrays = keep.map((i) => cands.map((r) => r[i]));
  await client.query(SQL, arrays);
}
