// The migration runner: concurrent starts are safe, applied files may not change.
import t from 'tap';
import pg from 'pg';
import { mkdtempSync, writeFileSync, cpSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, loadMigrations } from '../../src/shared/migrate.js';
import { MigrationError } from '../../src/shared/errors.js';
import { freshDatabase } from '../helpers/stack.js';

t.test('two processes migrating at once apply each file once', async (t) => {
  const url = await freshDatabase();
  const [a, b] = await Promise.all([migrate(url), migrate(url)]);
  const all = loadMigrations().map((m) => m.version);
  t.same([...a, ...b].sort(), all.sort(), 'every migration applied exactly once across both');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  t.teardown(() => c.end());
  const { rows } = await c.query('select version from schema_migrations order by version');
  t.same(
    rows.map((r) => r.version),
    all,
  );
  t.same(await migrate(url), [], 'a third run has nothing to do');
});

t.test('an applied migration that was edited is refused; a failing one rolls back', async (t) => {
  const url = await freshDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'mig-'));
  writeFileSync(join(dir, '001_a.sql'), 'create table a (x int);');
  t.same(await migrate(url, undefined, dir), ['001']);
  appendFileSync(join(dir, '001_a.sql'), '\n-- edited');
  await t.rejects(migrate(url, undefined, dir), {
    name: 'Error',
    message: /001_a\.sql was edited after it was applied/,
  });

  const dir2 = mkdtempSync(join(tmpdir(), 'mig-'));
  cpSync(join(dir, '001_a.sql'), join(dir2, '001_a.sql'));
  writeFileSync(join(dir2, '001_a.sql'), 'create table a (x int);');
  writeFileSync(join(dir2, '002_bad.sql'), 'create table b (x int); select no_such_function();');
  const err = await migrate(url, undefined, dir2).catch((e: unknown) => e);
  t.type(err, MigrationError);
  t.match((err as Error).message, /002_bad\.sql failed: function no_such_function\(\) does not exist/);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  t.teardown(() => c.end());
  const { rows } = await c.query("select to_regclass('b') as b");
  t.equal(rows[0].b, null, 'the failed migration left nothing behind');
});
