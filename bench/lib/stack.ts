// Backing services of a bench run: the given NATS_URL/DATABASE_URL, or a private
// nats-server + PostgreSQL/TimescaleDB in a temp dir (the same launchers `npm start`
// uses). Durable by default (fsync on, as in production); `--fast-pg` turns it off.
// Every scenario gets its own database and its own stream/subjects/consumer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startNats } from '../../src/localstack/nats.js';
import { startPostgres, createDatabase } from '../../src/localstack/postgres.js';
import { migrate } from '../../src/shared/migrate.js';

export interface BenchStack {
  natsUrl: string;
  /** URL of a maintenance database on the server (databases are created from it). */
  adminUrl: string;
  natsPid?: number;
  pgPid?: number;
  /** Private services only: where their data and logs are. */
  dir?: string;
  durable: boolean;
  stop(): Promise<void>;
}

export async function startBenchStack(o: {
  natsUrl?: string;
  databaseUrl?: string;
  fastPg: boolean;
}): Promise<BenchStack> {
  if (o.natsUrl && o.databaseUrl) {
    return { natsUrl: o.natsUrl, adminUrl: o.databaseUrl, durable: true, stop: async () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tracker-bench-'));
  const [nats, pgs] = await Promise.all([
    o.natsUrl ? undefined : startNats({ dir: join(dir, 'nats'), port: 0 }),
    o.databaseUrl ? undefined : startPostgres({ dir: join(dir, 'pg'), port: 0, fast: o.fastPg, database: 'postgres' }),
  ]);
  let stopping: Promise<void> | undefined;
  return {
    natsUrl: o.natsUrl ?? nats!.url,
    adminUrl: o.databaseUrl ?? pgs!.url,
    natsPid: nats?.pid,
    pgPid: pgs?.pid,
    dir,
    durable: !o.fastPg || !!o.databaseUrl,
    // Idempotent: the normal path and the Ctrl-C/crash path may both call it.
    stop() {
      stopping ??= Promise.all([nats?.stop(), pgs?.stop()]).then(() => rmSync(dir, { recursive: true, force: true }));
      return stopping;
    },
  };
}

const withDatabase = (url: string, db: string) => url.replace(/\/[^/?]*(\?|$)/, `/${db}$1`);

/** A new database with the app's migrations applied (another build's with `migrateWith`); drop() removes it. */
export async function benchDatabase(
  stack: BenchStack,
  label: string,
  migrateWith: (url: string) => Promise<unknown> = migrate,
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `bench_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  await createDatabase(stack.adminUrl, name);
  const url = withDatabase(stack.adminUrl, name);
  await migrateWith(url);
  return {
    url,
    name,
    async drop() {
      const c = new pg.Client({ connectionString: stack.adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Rows in the event tables (the load generator writes telemetry and spawns), minus probe rows. */
export async function countRows(db: pg.Client, probeCharacter: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `select (select count(*) from telemetry where character_name <> $1) + (select count(*) from spawn_events) as n`,
    [probeCharacter],
  );
  return Number(rows[0].n);
}
