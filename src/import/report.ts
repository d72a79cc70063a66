// What an import did, per table, and how it is printed (docs/import.md "Report").
import type { SourceInfo } from './source.js';

/** Skipped rows listed with their ids per table; the rest are only counted. */
export const MAX_LISTED_SKIPS = 20;

export interface TableReport {
  table: string;
  type: string;
  /** Rows in the table when the import started. */
  rows: number;
  /** Rows a checkpoint already covered (not read again). */
  alreadyImported: number;
  read: number;
  /** Events acknowledged by JetStream in this run (dry run: would be sent). */
  imported: number;
  /** JetStream messages acknowledged (dry run: built), one character and up to --events-per-message events each. */
  messages: number;
  /** Of `imported`, events whose message JetStream already held (PubAck duplicate). */
  alreadyInStream: number;
  /** Exact duplicate rows collapsed into one event. */
  duplicates: number;
  skipped: Record<string, number>;
  skippedRows: { id: string | number; reason: string }[];
  unknownColumns: string[];
  missingOptionalColumns: string[];
  complete: boolean;
}

export interface ImportReport {
  file: string;
  dryRun: boolean;
  since: string | null;
  tables: TableReport[];
  notImported: { table: string; rows: number; why: string }[];
  unknownTables: { table: string; rows: number }[];
  /** About the file itself (a WAL-mode file without its -wal), also said on stderr at the start. */
  warnings: string[];
  seconds: number;
  peakRssMb: number;
  ok: boolean;
  error?: string;
}

export function newTableReport(t: SourceInfo['tables'][number], alreadyImported: number): TableReport {
  return {
    table: t.spec.table,
    type: t.spec.type,
    rows: t.rows,
    alreadyImported,
    read: 0,
    imported: 0,
    messages: 0,
    alreadyInStream: 0,
    duplicates: 0,
    skipped: {},
    skippedRows: [],
    unknownColumns: t.unknownColumns,
    missingOptionalColumns: t.missingOptional,
    complete: false,
  };
}

const n = (x: number) => x.toLocaleString('en-US');
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

export function formatReport(r: ImportReport): string {
  const lines = [
    `import-sqlite ${r.file}${r.dryRun ? ' (dry run: nothing published)' : ''}${r.since ? `, rows since ${r.since}` : ''}`,
  ];
  lines.push(
    '',
    '| table | rows | already imported | read | imported | already in stream | duplicates | skipped | complete |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const t of r.tables) {
    lines.push(
      `| ${t.table} → ${t.type} | ${n(t.rows)} | ${n(t.alreadyImported)} | ${n(t.read)} | ${n(t.imported)} | ${n(t.alreadyInStream)} ` +
        `| ${n(t.duplicates)} | ${n(sum(t.skipped))} | ${t.complete ? 'yes' : 'NO'} |`,
    );
  }
  for (const t of r.tables) {
    if (sum(t.skipped)) {
      lines.push(
        '',
        `${t.table}: skipped ${Object.entries(t.skipped)
          .map(([why, c]) => `${n(c)} × ${why}`)
          .join(', ')}`,
      );
      for (const s of t.skippedRows) lines.push(`  row ${s.id}: ${s.reason}`);
      if (sum(t.skipped) > t.skippedRows.length) lines.push(`  … (first ${t.skippedRows.length} shown)`);
    }
    if (t.unknownColumns.length)
      lines.push(`${t.table}: unknown columns, not imported: ${t.unknownColumns.join(', ')}`);
    if (t.missingOptionalColumns.length)
      lines.push(`${t.table}: missing optional columns (left null): ${t.missingOptionalColumns.join(', ')}`);
  }
  if (r.notImported.length)
    lines.push('', `not imported: ${r.notImported.map((t) => `${t.table} (${n(t.rows)} rows: ${t.why})`).join('; ')}`);
  if (r.unknownTables.length)
    lines.push(
      `unknown tables, not imported: ${r.unknownTables.map((t) => `${t.table} (${n(t.rows)} rows)`).join(', ')}`,
    );
  for (const w of r.warnings) lines.push('', `warning: ${w}`);
  lines.push(
    '',
    `${r.ok ? 'done' : 'INCOMPLETE'} in ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB${r.error ? `: ${r.error}` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
