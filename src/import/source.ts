// Opens the old app's SQLite file read-only (open-sqlite.ts: WAL, read-only folders,
// errors) and describes it: which known tables it holds, their columns, unknown tables
// and columns. Rows are read in chunks of the next N rows by rowid (bounded memory; a
// chunk's boundaries depend only on the file, see batches.ts). A file that cannot be
// opened, or holds none of the known tables, is a SourceError: the command prints its
// message as one line and exits 2.
import type Database from 'better-sqlite3';
import { IMPORTED_TABLES, COUNTED_TABLES, type ImportedTable } from './old-layout.js';
import type { SqlRow, SqlValue } from './map-row.js';
import { openOldFile, type OpenedSqlite } from './open-sqlite.js';
import { SourceError } from './source-error.js';

export interface TableInfo {
  spec: ImportedTable;
  columns: string[];
  missingRequired: string[];
  missingOptional: string[];
  unknownColumns: string[];
  rows: number;
}

export interface SourceInfo {
  path: string;
  tables: TableInfo[];
  counted: { table: string; rows: number; why: string }[];
  unknownTables: { table: string; rows: number }[];
  /** What the reader should know about the file (a WAL-mode file without its -wal). */
  warnings: string[];
}

/** The rowid alias selected with every row (cannot clash with an old column name). */
export const ROWID = '__import_rowid';

const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;

export class OldAppSource {
  private readonly opened: OpenedSqlite;
  private readonly db: Database.Database;

  /** `say` prints a line for the user (warnings, a copy being made) as it happens. */
  constructor(
    readonly path: string,
    say: (line: string) => void = () => {},
  ) {
    this.opened = openOldFile(path, say);
    this.db = this.opened.db;
  }

  describe(): SourceInfo {
    const names = (
      this.db
        .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
        .all() as { name: string }[]
    ).map((r) => r.name);
    const count = (t: string) => (this.db.prepare(`select count(*) as n from ${quote(t)}`).get() as { n: number }).n;
    const info: SourceInfo = {
      path: this.path,
      tables: [],
      counted: [],
      unknownTables: [],
      warnings: this.opened.warnings,
    };
    for (const spec of IMPORTED_TABLES) {
      if (!names.includes(spec.table)) continue;
      const columns = (
        this.db.prepare(`select name from pragma_table_info(?)`).all(spec.table) as { name: string }[]
      ).map((r) => r.name);
      try {
        this.chunkStatement(spec.table);
      } catch (err) {
        // Chunks are read by rowid (batches.ts: boundaries that depend only on the file).
        throw new SourceError(
          `${this.path}: table ${spec.table} cannot be read by rowid (${(err as Error).message}); WITHOUT ROWID ` +
            `tables are not supported`,
        );
      }
      info.tables.push({
        spec,
        columns,
        missingRequired: spec.required.filter((c) => !columns.includes(c)),
        missingOptional: spec.optional.filter((c) => !columns.includes(c)),
        unknownColumns: columns.filter((c) => !spec.required.includes(c) && !spec.optional.includes(c)),
        rows: count(spec.table),
      });
    }
    for (const t of names) {
      if (IMPORTED_TABLES.some((s) => s.table === t)) continue;
      if (COUNTED_TABLES[t]) info.counted.push({ table: t, rows: count(t), why: COUNTED_TABLES[t] });
      else info.unknownTables.push({ table: t, rows: count(t) });
    }
    if (info.tables.length === 0 && info.counted.length === 0) {
      throw new SourceError(
        `${this.path} holds none of the old app's tables (${[...IMPORTED_TABLES.map((s) => s.table), ...Object.keys(COUNTED_TABLES)].join(', ')}); ` +
          `found: ${names.join(', ') || 'no tables'}`,
      );
    }
    return info;
  }

  /**
   * Rows with rowid > `afterRowid`, at most `limit`, in rowid order, as arrays in the
   * order of `columns` (ROWID first). Arrays, not objects: better-sqlite3 builds a
   * row object at about twice the cost of an array (see docs/benchmarks.md "Figures behind code choices").
   */
  readChunk(table: string, afterRowid: number, limit: number): { columns: string[]; rows: SqlValue[][] } {
    const s = this.chunkStatement(table);
    return { columns: s.columns().map((c) => c.name), rows: s.all(afterRowid, limit) as SqlValue[][] };
  }

  /** Rows with rowid <= `rowid` (what a checkpoint already covers). */
  countUpTo(table: string, rowid: number): number {
    return (this.db.prepare(`select count(*) as n from ${quote(table)} where rowid <= ?`).get(rowid) as { n: number })
      .n;
  }

  /** The row at `rowid`, for checking that a checkpoint still matches this file. */
  rowAt(table: string, rowid: number): SqlRow | undefined {
    return this.db.prepare(`select rowid as ${ROWID}, * from ${quote(table)} where rowid = ?`).get(rowid) as
      | SqlRow
      | undefined;
  }

  close(): void {
    this.opened.close();
  }

  private readonly statements = new Map<string, Database.Statement>();
  private chunkStatement(table: string): Database.Statement {
    let s = this.statements.get(table);
    if (!s) {
      s = this.db
        .prepare(`select rowid as ${ROWID}, * from ${quote(table)} where rowid > ? order by rowid limit ?`)
        .raw(true);
      this.statements.set(table, s);
    }
    return s;
  }
}
