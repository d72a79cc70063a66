// Opens the old app's SQLite file for reading in whatever state it was copied
// (docs/import.md "WAL files, read-only folders, errors"):
// - The old app ran SQLite in WAL mode (header bytes 18/19 = 2, sqlite.org
//   fileformat2.html "File format version numbers"): rows not yet checkpointed live only in
//   `<file>-wal`, and SQLite reads them when that file sits beside the database.
// - Even a read-only connection must create `<file>-shm` (and an empty `-wal` when there is
//   none) beside a WAL-mode file (sqlite.org wal.html "Read-Only Databases"). In a folder
//   the importer cannot write, it reads a copy of the file and its `-wal` made in the temp
//   folder. better-sqlite3 12 opens plain paths only (built with SQLITE_USE_URI=0), so
//   `?immutable=1` is not an option, and it would skip the WAL anyway.
// - A WAL-mode file without its `-wal` is read with a warning: rows only in a lost WAL
//   are missing.
// - Every failure says why: missing, unreadable, not SQLite, locked, damaged.
import Database from 'better-sqlite3';
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { SourceError } from './source-error.js';

/** How long to wait for another process's lock before saying the file is locked. */
export const LOCK_WAIT_MS = 5_000;

const MAGIC = 'SQLite format 3\0';

export interface OpenedSqlite {
  readonly db: Database.Database;
  /** Said once on stderr and kept in the report. */
  readonly warnings: string[];
  /** Where the copy was read from, when the file's folder was not writable. */
  readonly copiedTo?: string;
  close(): void;
}

export function openOldFile(path: string, say: (line: string) => void): OpenedSqlite {
  const header = readHeader(path);
  const walMode = header[18] === 2 || header[19] === 2;
  const wal = `${path}-wal`;
  const walSize = walMode ? fileSize(wal) : undefined;
  const warnings: string[] = [];
  if (walMode && !walSize) {
    warnings.push(
      `${path} is in WAL mode but ${basename(wal)} is ${walSize === 0 ? 'empty' : 'missing'}: rows the old app had not ` +
        `yet written back into the main file are not in this copy and cannot be imported. If the app was running ` +
        `when the file was copied, copy ${basename(wal)} along with it (an app that closed cleanly leaves none).`,
    );
  }
  for (const w of warnings) say(`warning: ${w}`);
  if (walMode && !writable(dirname(path))) return openCopy(path, walSize ? wal : undefined, warnings, say);
  try {
    const db = openReadOnly(path);
    return { db, warnings, close: () => db.close() };
  } catch (err) {
    // A folder that looked writable but where SQLite still could not create -shm.
    if (walMode && isCannotOpen(err)) return openCopy(path, walSize ? wal : undefined, warnings, say);
    throw explain(path, err);
  }
}

function readHeader(path: string): Buffer {
  let fd: number;
  try {
    if (!statSync(path).isFile()) throw new SourceError(`${path}: not a file`);
    fd = openSync(path, 'r');
  } catch (err) {
    throw err instanceof SourceError ? err : new SourceError(fsProblem(path, err), { cause: err });
  }
  try {
    const b = Buffer.alloc(100);
    const n = readSync(fd, b, 0, b.length, 0);
    if (n === 0) throw new SourceError(`${path} is empty (0 bytes), not an SQLite database`);
    if (n < b.length || b.toString('latin1', 0, MAGIC.length) !== MAGIC)
      throw new SourceError(`${path} is not an SQLite database (file is not a database)`);
    return b;
  } finally {
    closeSync(fd);
  }
}

function fsProblem(path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return `${path}: no such file`;
  if (e.code === 'EACCES' || e.code === 'EPERM')
    return `${path}: permission denied (the importer runs as uid ${process.getuid?.() ?? '?'}; make the file readable for it, or import a copy)`;
  return `${path} cannot be read (${e.message})`;
}

/** Size of `path`, undefined when it does not exist; an unreadable one is a SourceError. */
function fileSize(path: string): number | undefined {
  try {
    const size = statSync(path).size;
    accessSync(path, constants.R_OK);
    return size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SourceError(fsProblem(path, err), { cause: err });
  }
}

const writable = (dir: string): boolean => {
  try {
    // EROFS for everyone (a read-only mount), EACCES for a user without write permission.
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

function openReadOnly(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: LOCK_WAIT_MS });
  try {
    // Opening is lazy: the header, the WAL and the locks are only met at the first statement.
    db.prepare('select count(*) from sqlite_master').get();
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function openCopy(path: string, wal: string | undefined, warnings: string[], say: (l: string) => void): OpenedSqlite {
  const dir = mkdtempSync(join(tmpdir(), 'import-sqlite-'));
  const copy = join(dir, basename(path));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    copyFileSync(path, copy);
    if (wal) copyFileSync(wal, `${copy}-wal`);
  } catch (err) {
    remove();
    throw new SourceError(
      `${path}: its folder is not writable (SQLite must create ${basename(path)}-shm beside a WAL-mode file) and ` +
        `copying it to ${dir} failed (${(err as Error).message}); set TMPDIR to a folder with room, or copy it yourself`,
      { cause: err },
    );
  }
  const mb = (statSync(copy).size + (wal ? statSync(`${copy}-wal`).size : 0)) / 1024 / 1024;
  say(
    `${path}: its folder is not writable and SQLite must create ${basename(path)}-shm beside a WAL-mode file; ` +
      `reading a copy${wal ? ' with its -wal' : ''} in ${dir} (${mb.toFixed(1)} MB, removed at the end)`,
  );
  try {
    const db = openReadOnly(copy);
    return {
      db,
      warnings,
      copiedTo: dir,
      close() {
        db.close();
        remove();
      },
    };
  } catch (err) {
    remove();
    throw explain(path, err);
  }
}

const sqliteCode = (err: unknown): string => String((err as { code?: unknown }).code ?? '');
const isCannotOpen = (err: unknown): boolean => /^SQLITE_(CANTOPEN|READONLY)/.test(sqliteCode(err));

/** One line saying why SQLite refused the file. */
function explain(path: string, err: unknown): SourceError {
  const code = sqliteCode(err);
  const message = (err as Error).message;
  if (code.startsWith('SQLITE_NOTADB')) return new SourceError(`${path} is not an SQLite database (${message})`);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new SourceError(
      `${path} is locked by another process (${message}, waited ${LOCK_WAIT_MS / 1000} s): stop the old app, or ` +
        `import a copy of the file made with its -wal`,
      { cause: err },
    );
  if (code.startsWith('SQLITE_CORRUPT')) return new SourceError(`${path} is damaged (${message})`, { cause: err });
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_READONLY'))
    return new SourceError(`${path} cannot be opened (${code}: ${message})`, { cause: err });
  return new SourceError(`${path} cannot be read as SQLite (${code || 'error'}: ${message})`, { cause: err });
}
