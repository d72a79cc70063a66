// A file that cannot be imported says why in one line and exits 2 (docs/import.md
// "WAL files, read-only folders, errors"): empty, a folder, unreadable, an unreadable
// -wal, locked by another process; and the command line's --help. Not SQLite, none of
// the old tables and WITHOUT ROWID: import-sqlite.e2e.test.ts.
import t from 'tap';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOldDb, insertRows } from '../../bench/import/old-db.js';
import { testConfig } from '../helpers/stack.js';
import { importEnv, runImport, startImport, PERMISSION_BOUND_USER } from './helpers.js';
import { writeWalCopies } from './wal-db.js';

const dir = mkdtempSync(join(tmpdir(), 'import-errors-'));
chmodSync(dir, 0o755);
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const oneLine = (stderr: string) => stderr.trim().split('\n');

t.test('empty file, folder', async (t) => {
  const env = importEnv(await testConfig());
  const empty = join(dir, 'empty.db');
  writeFileSync(empty, '');
  const e = await runImport(env, [empty]);
  t.equal(e.code, 2);
  t.match(e.stderr, /^import-sqlite: .*empty\.db is empty \(0 bytes\), not an SQLite database\n$/);
  const folder = join(dir, 'folder.db');
  mkdirSync(folder);
  const f = await runImport(env, [folder]);
  t.equal(f.code, 2);
  t.match(f.stderr, /^import-sqlite: .*folder\.db: not a file\n$/);
});

t.test('permissions: the file or its -wal unreadable for the importing user', async (t) => {
  const env = importEnv(await testConfig());
  const locked = join(dir, 'perm');
  writeWalCopies(join(dir, 'perm-writer'), [{ dir: locked, wal: true }]);
  chmodSync(locked, 0o755);
  chmodSync(join(locked, 'tracker.db-wal'), 0o600);
  const w = await runImport(env, [join(locked, 'tracker.db'), '--dry-run'], PERMISSION_BOUND_USER);
  t.equal(w.code, 2);
  t.equal(oneLine(w.stderr).length, 1, 'one line');
  t.match(w.stderr, /tracker\.db-wal: permission denied \(the importer runs as uid \d+; make the file readable/);
  chmodSync(join(locked, 'tracker.db'), 0o600);
  const d = await runImport(env, [join(locked, 'tracker.db'), '--dry-run'], PERMISSION_BOUND_USER);
  t.equal(d.code, 2);
  t.match(d.stderr, /^import-sqlite: .*perm\/tracker\.db: permission denied \(the importer runs as uid \d+/);
});

t.test('locked by another process', async (t) => {
  const env = importEnv(await testConfig());
  const file = join(dir, 'locked.db');
  const db = createOldDb(file);
  t.teardown(() => db.close());
  // The old app in its rollback-journal days, in the middle of a write.
  db.exec('begin exclusive');
  insertRows(db, 'rare_log', [{ character_name: 'A', name: 'Ring', ew: 1, ns: 2, timestamp: '2025-01-01 00:00:00' }]);
  const r = await runImport(env, [file, '--dry-run']);
  t.equal(r.code, 2);
  t.match(
    r.stderr,
    /^import-sqlite: .*locked\.db is locked by another process \(database is locked, waited 5 s\): stop the old app/,
  );
  db.exec('rollback');
});

t.test('--help prints the options and exits 0; an unknown option is exit 2', async (t) => {
  const env = importEnv(await testConfig());
  const help = startImport(env, ['--help']);
  t.equal((await help.exited).code, 0);
  t.match(help.stdout(), /^usage: import-sqlite FILE .*\n[\s\S]*--dry-run +read and validate every row/);
  const bad = startImport(env, ['x.db', '--bogus']);
  t.equal((await bad.exited).code, 2);
  t.match(bad.stderr(), /^import-sqlite: unknown option "--bogus"\nusage: import-sqlite FILE/);
});
