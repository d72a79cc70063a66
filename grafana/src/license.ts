// Panels that need the TimescaleDB community license (compression, continuous
// aggregates, background jobs). The Apache-only build rejects those features
// (docs/retention-and-aggregation.md), so each such query is a UNION of
//   the real rows,       gated by `current_setting('timescaledb.license') = 'timescale'`
//   one explanatory row, gated by the opposite.
// current_setting() is stable and mentions no column, so PostgreSQL plans each gate as
// a one-time filter and never runs the gated branch: no "not supported under the
// current apache license" error reaches the panel.
export const COMMUNITY = `current_setting('timescaledb.license') = 'timescale'`;
export const NOT_COMMUNITY = `current_setting('timescaledb.license') <> 'timescale'`;

/** The note row's first column (the other columns are NULL). */
export const licenseNote = (what: string) =>
  `'${what} need the TimescaleDB community license; this database runs the ' || current_setting('timescaledb.license') || ' license'`;

/** `select <note>, null, null, … where <not community>` with `nulls` NULL columns. */
export const noteRow = (what: string, nulls: number) =>
  `select ${[licenseNote(what), ...Array(nulls).fill('null')].join(', ')}\nwhere ${NOT_COMMUNITY}`;
