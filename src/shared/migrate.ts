// SQL migration runner: applies sql/NNN_name.sql in order, each in its own transaction
// (unless its first line is `-- migrate:no-transaction`), records each in
// schema_migrations with a checksum, and refuses to run when an applied file changed.
// A session-level advisory lock makes concurrent starts safe: the second waits.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { MigrationError } from './errors.js';
import { projectRoot } from './project-root.js';
import type { Logger } from './logger.js';

const LOCK_KEY = 0x7e1e_7e1e; // arbitrary, constant: "telemetry tracker migrations"
const FILE = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: string;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export function loadMigrations(dir = join(projectRoot(), 'sql')): Migration[] {
  return readdirSync(dir)
    .filter((f) => FILE.test(f))
    .sort()
    .map((file) => {
      const [, version, name] = FILE.exec(file)!;
      const sql = readFileSync(join(dir, file), 'utf8');
      return { version, name, file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Applies pending migrations; returns the versions applied now. */
export async function migrate(url: string, log?: Logger, dir?: string): Promise<string[]> {
  const migrations = loadMigrations(dir);
  const client = new pg.Client({ connectionString: url, application_name: 'telemetry-tracker-migrate' });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`create table if not exists schema_migrations (
      version text primary key, name text not null, checksum text not null, applied_at timestamptz not null default now())`);
    const { rows } = await client.query<{ version: string; checksum: string; name: string }>(
      'select version, name, checksum from schema_migrations',
    );
    const applied = new Map(rows.map((r) => [r.version, r]));
    for (const m of migrations) {
      const prev = applied.get(m.version);
      if (prev && prev.checksum !== m.checksum) {
        throw new MigrationError(
          `migration ${m.file} was edited after it was applied (checksum ${prev.checksum.slice(0, 12)} in the database, ` +
            `${m.checksum.slice(0, 12)} on disk); add a new migration instead`,
        );
      }
    }
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      const tx = !m.sql.startsWith('-- migrate:no-transaction');
      try {
        if (tx) await client.query('begin');
        await client.query(m.sql);
        await client.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        if (tx) await client.query('commit');
      } catch (err) {
        if (tx) await client.query('rollback').catch(() => {});
        throw new MigrationError(`migration ${m.file} failed: ${(err as Error).message}`, { cause: err });
      }
      log?.info({ migration: m.file }, 'migration applied');
      done.push(m.version);
    }
    return done;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}
