// The old app's real files (docs/import.md "WAL files, read-only folders, errors"): a
// WAL-mode database copied with its -wal while the app still ran imports completely,
// the client metrics included, also from a folder the importer cannot write; a copy
// without its -wal is read with a warning naming what is lost.
import t from 'tap';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { importEnv, runImport, byTable, PERMISSION_BOUND_USER } from './helpers.js';
import { writeWalCopies, metricsOf, walRowTime, IN_MAIN_FILE, ONLY_IN_WAL, WAL_CHARACTER } from './wal-db.js';

const ALL = IN_MAIN_FILE + ONLY_IN_WAL;
const dir = mkdtempSync(join(tmpdir(), 'import-wal-'));
chmodSync(dir, 0o755); // the read-only folder's reader (PERMISSION_BOUND_USER) must reach it
const readOnly = join(dir, 'read-only');
const writable = join(dir, 'writable');
const noWal = join(dir, 'no-wal');
writeWalCopies(dir, [
  { dir: readOnly, wal: true },
  { dir: writable, wal: true },
  { dir: noWal, wal: false },
]);
chmodSync(readOnly, 0o555);

/** The copies in the temp folder that an importer left behind. */
const leftCopies = () => readdirSync(tmpdir()).filter((f) => f.startsWith('import-sqlite-'));

t.test('WAL copy in a read-only folder: every row, the WAL rows and the client metrics reach PostgreSQL', async (t) => {
  const cfg = await testConfig({ ROLES: 'ingest,api', API_RETENTION_INTERVAL_MS: '0' });
  const copiesBefore = leftCopies();
  const run = await runImport(importEnv(cfg), [join(readOnly, 'tracker.db')], PERMISSION_BOUND_USER);
  t.equal(run.code, 0, `exits 0 (${run.stderr})`);
  t.match(run.stderr, /its folder is not writable .*reading a copy with its -wal in \S+ \(.* MB, removed at the end\)/);
  t.same(leftCopies(), copiesBefore, 'the copy is removed');
  const tel = byTable(run.report, 'telemetry_log');
  t.equal(tel.read, ALL, `every row read, the ${ONLY_IN_WAL} only in the WAL too`);
  t.equal(tel.imported, ALL);
  t.same(tel.unknownColumns, [], 'latency_ms, mem_mb, cpu_pct, mem_handles are imported, not unknown');
  t.same(run.report.warnings, []);
  t.same(readdirSync(readOnly).sort(), ['tracker.db', 'tracker.db-wal'], 'nothing was written beside the file');

  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  t.teardown(() => app.stop());
  const q = new URLSearchParams({
    character: WAL_CHARACTER,
    bucket: 'raw',
    from: '2025-04-01T00:00:00Z',
    to: '2025-04-02T00:00:00Z',
  });
  const history = async () => ((await (await fetch(`http://127.0.0.1:${app.port}/history?${q}`)).json()) as any).points;
  await whenCaughtUp(async () => (await history()).length >= ALL, { what: 'imported rows in /history' });
  const points = await history();
  t.same(
    points.map((p: any) => p.timestamp),
    Array.from({ length: ALL }, (_, i) => walRowTime(i)),
    'one point per row, in the main file and in the WAL',
  );
  t.same(
    points.map((p: any) => ({
      latency_ms: p.latency_ms,
      mem_mb: p.mem_mb,
      cpu_pct: p.cpu_pct,
      mem_handles: p.mem_handles,
    })),
    Array.from({ length: ALL }, (_, i) => metricsOf(i)),
    'client metrics as the old file held them (NULL stays null)',
  );
});

t.test('WAL copy in a writable folder is read in place', async (t) => {
  const cfg = await testConfig();
  const run = await runImport(importEnv(cfg), [join(writable, 'tracker.db'), '--dry-run']);
  t.equal(run.code, 0, run.stderr);
  t.equal(byTable(run.report, 'telemetry_log').imported, ALL);
  t.notMatch(run.stderr, /reading a copy/);
  t.ok(existsSync(join(writable, 'tracker.db-shm')), 'SQLite made its -shm beside the file, as for any reader');
});

/** Why the read-only mount test cannot run here, or false when it can (it mounts a tmpfs at `mnt`). */
function mountSkip(mnt: string): string | false {
  if (process.getuid?.() !== 0) return 'mounting needs root; the chmod 0555 test covers other users';
  mkdirSync(mnt, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt], { stdio: 'ignore' });
    return false;
  } catch {
    return 'this machine does not allow mounting a tmpfs (no CAP_SYS_ADMIN)';
  }
}

const mnt = join(dir, 'mnt');
const noMount = mountSkip(mnt);
t.teardown(() => {
  if (!noMount) execFileSync('umount', [mnt]);
  chmodSync(readOnly, 0o755);
  rmSync(dir, { recursive: true, force: true });
});
t.test('a read-only mount (EROFS binds root too)', { skip: noMount }, async (t) => {
  writeWalCopies(join(dir, 'for-mount'), [{ dir: mnt, wal: true }]);
  execFileSync('mount', ['-o', 'remount,ro', mnt]);
  const cfg = await testConfig();
  const run = await runImport(importEnv(cfg), [join(mnt, 'tracker.db'), '--dry-run']);
  t.equal(run.code, 0, run.stderr);
  t.equal(byTable(run.report, 'telemetry_log').imported, ALL, 'every row, the WAL rows too');
  t.match(run.stderr, /reading a copy with its -wal/);
});

t.test('a WAL-mode file without its -wal: the rows in the main file, and a warning naming the risk', async (t) => {
  const cfg = await testConfig();
  const run = await runImport(importEnv(cfg), [join(noWal, 'tracker.db'), '--dry-run']);
  t.equal(run.code, 0, run.stderr);
  t.equal(byTable(run.report, 'telemetry_log').imported, IN_MAIN_FILE, 'only what was checkpointed');
  t.equal(run.report.warnings.length, 1);
  t.match(
    run.report.warnings[0],
    /tracker\.db is in WAL mode but tracker\.db-wal is missing: rows the old app had not yet written back into the main file are not in this copy and cannot be imported/,
  );
  t.match(run.stderr, /^import-sqlite: warning: .*tracker\.db-wal is missing/m, 'said on stderr at the start');
  const again = await runImport(importEnv(cfg), [join(noWal, 'tracker.db'), '--dry-run']);
  t.match(again.report.warnings[0], /tracker\.db-wal is empty/, 'still warned after SQLite made an empty -wal');
});
