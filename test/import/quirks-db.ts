// A generated old-layout SQLite file holding every quirk import-sqlite must handle
// (docs/import.md "Row quirks"). Each row says what should become of it: `utc` is the
// instant it means (stored), `dup` marks an exact duplicate of an earlier row, `skip`
// the reason it is skipped. The tests derive every expected count from these notes.
import { createOldDb, insertRows, OLD_TABLES_DDL } from '../../bench/import/old-db.js';

export interface FixtureRow {
  row: Record<string, unknown>;
  utc?: string;
  dup?: true;
  skip?: string;
}

const ZOE = 'Zoë "the" Bold.';
const DRAGON = "Ünï cödé 🐉 <x>&'y'";

const tel = (name: string, timestamp: unknown, extra: Record<string, unknown> = {}) => ({
  character_name: name,
  char_tag: 'tag',
  session_id: 's-1',
  timestamp,
  ew: 12.5,
  ns: -40.25,
  z: 3,
  kills: 7,
  kills_per_hour: '12.5',
  onlinetime: '0.01:02:03',
  deaths: 1,
  rares_found: 0,
  prismatic_taper_count: 42,
  vt_state: 'Combat',
  extra_plugin_col: 'x',
  ...extra,
});

export const TELEMETRY: FixtureRow[] = [
  { row: tel(ZOE, '2025-03-01T10:00:00Z'), utc: '2025-03-01T10:00:00.000Z' },
  { row: tel(ZOE, '2025-03-01T12:00:01+02:00', { kills_per_hour: 'N/A' }), utc: '2025-03-01T10:00:01.000Z' },
  { row: tel(ZOE, '2025-03-01T10:00:02.250'), utc: '2025-03-01T10:00:02.250Z' },
  { row: tel(ZOE, '2025-03-01 10:00:03'), utc: '2025-03-01T10:00:03.000Z' },
  { row: tel(ZOE, 1740823204), utc: '2025-03-01T10:00:04.000Z' },
  { row: tel(ZOE, '1740823205'), utc: '2025-03-01T10:00:05.000Z' },
  { row: tel(ZOE, '2025-03-01T10:00:00Z'), dup: true },
  { row: tel(ZOE, '2025-03-01 10:00:06.5+00:00', { kills_per_hour: 3.25 }), utc: '2025-03-01T10:00:06.500Z' },
  { row: tel(ZOE, '2025-03-01T10:00:07Z', { ew: null }), skip: 'null coordinate ew' },
  { row: tel(ZOE, '2025-03-01T10:00:08Z', { z: null }), skip: 'null coordinate z' },
  { row: tel(ZOE, 'yesterday'), skip: 'unparsable timestamp' },
  {
    row: tel(ZOE, '2025-03-01T10:00:09Z', { kills_per_hour: 'lots' }),
    skip: 'kills_per_hour is neither a number nor N/A',
  },
  {
    row: tel(DRAGON, '2025-03-01T10:00:10Z', { kills_per_hour: null, char_tag: null, vt_state: '\ttabbed "state"' }),
    utc: '2025-03-01T10:00:10.000Z',
  },
  {
    row: tel(DRAGON, '2025-03-01T10:00:10Z', { kills_per_hour: null, char_tag: null, vt_state: '\ttabbed "state"' }),
    dup: true,
  },
];

const sp = (name: string, mob: string, timestamp: unknown, extra: Record<string, unknown> = {}) => ({
  character_name: name,
  mob,
  ew: 1.5,
  ns: 2.5,
  z: 0,
  timestamp,
  ...extra,
});
export const SPAWNS: FixtureRow[] = [
  { row: sp(ZOE, 'Drudge\tSkulker "Big"', '2025-03-01 10:01:00'), utc: '2025-03-01T10:01:00.000Z' },
  { row: sp(ZOE, "O'Brien's \\ Mob", 1740823320, { z: null }), utc: '2025-03-01T10:02:00.000Z' },
  { row: sp(DRAGON, 'Mob, with; punctuation!?', '2025-03-01T10:03:00-01:00'), utc: '2025-03-01T11:03:00.000Z' },
  { row: sp(ZOE, 'Drudge\tSkulker "Big"', '2025-03-01 10:01:00'), dup: true },
  { row: sp(ZOE, 'Lost', '2025-03-01 10:04:00', { ns: null }), skip: 'null coordinate ns' },
];

// rare_log of this file predates the z column (a missing optional column).
export const RARES: FixtureRow[] = [
  {
    row: { character_name: ZOE, name: 'Pyreal Ring', ew: 3, ns: 4, timestamp: '2025-03-01T10:05:00Z' },
    utc: '2025-03-01T10:05:00.000Z',
  },
  {
    row: { character_name: DRAGON, name: 'Gold "Ring"\t2', ew: 5, ns: 6, timestamp: '1740823560' },
    utc: '2025-03-01T10:06:00.000Z',
  },
  {
    row: { character_name: ZOE, name: 'Nowhere', ew: null, ns: 6, timestamp: '2025-03-01T10:07:00Z' },
    skip: 'null coordinate ew',
  },
];

export const CHAT_ROWS = 3;
export const CHARACTERS = { ZOE, DRAGON };

export function writeQuirksDb(path: string): void {
  const ddl = { ...OLD_TABLES_DDL };
  ddl.telemetry_log = ddl.telemetry_log.replace('vt_state text)', 'vt_state text, extra_plugin_col text)');
  ddl.rare_log =
    'create table rare_log (id integer primary key autoincrement, character_name text, name text, ew real, ns real, timestamp text)';
  ddl.plugin_settings = 'create table plugin_settings (k text, v text)';
  const db = createOldDb(path, ddl);
  insertRows(
    db,
    'telemetry_log',
    TELEMETRY.map((r) => r.row),
  );
  insertRows(
    db,
    'spawn_log',
    SPAWNS.map((r) => r.row),
  );
  insertRows(
    db,
    'rare_log',
    RARES.map((r) => r.row),
  );
  insertRows(
    db,
    'chat_log',
    Array.from({ length: CHAT_ROWS }, (_, i) => ({
      character_name: ZOE,
      text: `hi ${i}`,
      color: 1,
      timestamp: '2025-03-01 10:00:00',
    })),
  );
  insertRows(db, 'live_state', [{ character_name: ZOE, timestamp: '2025-03-01 10:00:00' }]);
  insertRows(db, 'sessions', [{ session_id: 's-1', character_name: ZOE, started_at: '2025-03-01 09:00:00' }]);
  insertRows(db, 'plugin_settings', [{ k: 'a', v: 'b' }]);
  db.close();
}

export const stored = (rows: FixtureRow[]) => rows.filter((r) => r.utc);
export const skipped = (rows: FixtureRow[]) => rows.filter((r) => r.skip);
export const duplicates = (rows: FixtureRow[]) => rows.filter((r) => r.dup);
