// The old FastAPI app's SQLite layout (its db.py) and what each table becomes here
// (docs/import.md "What is imported"). Columns are matched by name; only the ones
// marked required must exist, the others may be missing in older files.
import type { StoredType } from '../shared/subjects.js';

export interface ImportedTable {
  table: string;
  /** Event type the rows become; also the name used by --tables. */
  type: StoredType;
  required: readonly string[];
  optional: readonly string[];
}

export const IMPORTED_TABLES: readonly ImportedTable[] = [
  {
    table: 'telemetry_log',
    type: 'telemetry',
    required: ['character_name', 'timestamp', 'ew', 'ns', 'z'],
    optional: [
      'id',
      'char_tag',
      'session_id',
      'kills',
      'kills_per_hour',
      'onlinetime',
      'deaths',
      'rares_found',
      'prismatic_taper_count',
      'vt_state',
      // The plugin's client metrics, in files of the app's later versions.
      'latency_ms',
      'mem_mb',
      'cpu_pct',
      'mem_handles',
    ],
  },
  {
    table: 'spawn_log',
    type: 'spawn',
    required: ['character_name', 'mob', 'ew', 'ns', 'timestamp'],
    optional: ['id', 'z'],
  },
  {
    table: 'rare_log',
    type: 'rare',
    required: ['character_name', 'name', 'ew', 'ns', 'timestamp'],
    optional: ['id', 'z'],
  },
];

/** Tables of the old layout that are only counted, with why they are not imported. */
export const COUNTED_TABLES: Readonly<Record<string, string>> = {
  chat_log: 'chat is live only and never stored',
  live_state: 'derived from telemetry (player_latest is rebuilt by ingest)',
  sessions: 'session_id is on every telemetry row',
};
