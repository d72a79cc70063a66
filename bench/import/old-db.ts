// Writes SQLite files in the old FastAPI app's layout (its db.py): the test fixtures of
// import-sqlite (test/import/) and the bench's 1M-row file.
import Database from 'better-sqlite3';

export const OLD_TABLES_DDL: Record<string, string> = {
  telemetry_log: `create table telemetry_log (id integer primary key autoincrement, character_name text not null, char_tag text,
    session_id text, timestamp text not null, ew real, ns real, z real, kills integer, kills_per_hour text, onlinetime text,
    deaths integer, rares_found integer, prismatic_taper_count integer, vt_state text)`,
  spawn_log:
    'create table spawn_log (id integer primary key autoincrement, character_name text, mob text, ew real, ns real, z real, timestamp text)',
  rare_log:
    'create table rare_log (id integer primary key autoincrement, character_name text, name text, ew real, ns real, z real, timestamp text)',
  chat_log:
    'create table chat_log (id integer primary key autoincrement, character_name text, text text, color integer, timestamp text)',
  live_state: `create table live_state (character_name text primary key, char_tag text, session_id text, timestamp text, ew real, ns real, z real,
    kills integer, kills_per_hour text, onlinetime text, deaths integer, rares_found integer, prismatic_taper_count integer, vt_state text)`,
  sessions: 'create table sessions (session_id text primary key, character_name text, started_at text, ended_at text)',
};

export function createOldDb(path: string, ddl: Record<string, string> = OLD_TABLES_DDL): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = DELETE');
  for (const sql of Object.values(ddl)) db.exec(sql);
  return db;
}

/** Inserts `rows` (column -> value) into `table` in one transaction. */
export function insertRows(db: Database.Database, table: string, rows: Record<string, unknown>[]): void {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const stmt = db.prepare(`insert into ${table} (${cols.join(', ')}) values (${cols.map((c) => `@${c}`).join(', ')})`);
  db.transaction(() => {
    for (const r of rows) stmt.run(r);
  })();
}

export const BENCH_EPOCH_S = Date.parse('2025-06-01T00:00:00Z') / 1000;

/**
 * `n` telemetry rows of `characters` characters, one sample per character per second,
 * in the old app's usual style (`YYYY-MM-DD HH:MM:SS`, kills_per_hour as text).
 */
export function writeTelemetry(
  db: Database.Database,
  n: number,
  characters: number,
  startEpochS = BENCH_EPOCH_S,
): void {
  const stmt =
    db.prepare(`insert into telemetry_log (character_name, char_tag, session_id, timestamp, ew, ns, z, kills, kills_per_hour,
    onlinetime, deaths, rares_found, prismatic_taper_count, vt_state) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const BATCH = 50_000;
  for (let start = 0; start < n; start += BATCH) {
    db.transaction(() => {
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        const c = i % characters;
        const s = Math.floor(i / characters);
        const ts = new Date((startEpochS + s) * 1000).toISOString().replace('T', ' ').slice(0, 19);
        stmt.run(
          `Bench Char ${c}`,
          'tag',
          `session-${c}`,
          ts,
          10 + Math.sin(s / 50) * 5 + c,
          -20 + Math.cos(s / 50) * 5,
          0.5,
          s,
          s % 97 === 0 ? 'N/A' : (s / 3600).toFixed(2),
          `0.${String(s % 24).padStart(2, '0')}:00:00`,
          c % 5,
          c % 3,
          12,
          'Hunting',
        );
      }
    })();
  }
}
