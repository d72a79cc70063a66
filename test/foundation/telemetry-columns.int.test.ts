// The SQL is held to the one list of telemetry fields (schemas/telemetry-fields.ts): the
// migrations in sql/ cannot be derived from it (an applied file never changes), so a
// freshly migrated database is compared with it, column by column: the tables ingest
// writes, and the aggregates the read API's buckets read.
import t from 'tap';
import pg from 'pg';
import { migrate } from '../../src/shared/migrate.js';
import { TABLES, PLAYER_LATEST_COLUMNS } from '../../src/ingest/tables.js';
import {
  COLUMN_TYPE,
  TELEMETRY_FIELDS,
  TELEMETRY_FIELD_NAMES,
  fieldsIn,
  type TelemetryFieldName,
} from '../../schemas/telemetry-fields.js';
import { freshDatabase } from '../helpers/stack.js';

interface Column {
  name: string;
  type: string;
  nullable: boolean;
}

const url = await freshDatabase();
await migrate(url);
const db = new pg.Client({ connectionString: url });
await db.connect();
t.teardown(() => db.end());

async function columnsOf(relation: string): Promise<Column[]> {
  const { rows } = await db.query<Column>(
    `select column_name as name, data_type as type, is_nullable = 'YES' as nullable
       from information_schema.columns
      where table_schema = current_schema() and table_name = $1
      order by ordinal_position`,
    [relation],
  );
  return rows;
}

const typeOf = (name: TelemetryFieldName) => COLUMN_TYPE[TELEMETRY_FIELDS[name].column];
const fieldColumns: Column[] = TELEMETRY_FIELD_NAMES.map((name) => ({
  name,
  type: typeOf(name),
  nullable: !TELEMETRY_FIELDS[name].required,
}));
const envelopeColumns: Column[] = [
  { name: 'ts', type: 'timestamp with time zone', nullable: false },
  { name: 'character_name', type: 'text', nullable: false },
  { name: 'event_key', type: 'uuid', nullable: false },
  { name: 'received_at', type: 'timestamp with time zone', nullable: false },
  { name: 'stream_seq', type: 'bigint', nullable: false },
];
const byName = (columns: Column[]) => Object.fromEntries(columns.map((c) => [c.name, c]));

t.test('telemetry: the envelope columns, then every field in list order, typed and nullable as listed', async (t) => {
  const columns = await columnsOf('telemetry');
  t.same(columns, [...envelopeColumns, ...fieldColumns]);
  t.same(
    columns.map((c) => c.name),
    TABLES.telemetry.columns,
    'ingest COPYs and INSERTs in this order',
  );
});

t.test('player_latest: the telemetry columns without stream_seq, same types and nullability', async (t) => {
  const columns = await columnsOf('player_latest');
  const expected = [...envelopeColumns, ...fieldColumns].filter((c) => c.name !== 'stream_seq');
  t.same(byName(columns), byName(expected));
  t.same(columns.map((c) => c.name).sort(), [...PLAYER_LATEST_COLUMNS].sort(), 'ingest upserts every column');
});

// What a bucket keeps of each field (READ_GROUPS in schemas/telemetry-fields.ts): the
// newest position and counters, sum/count/max of metrics, nothing of labels.
const bucketFieldColumns = (): Record<string, string> => ({
  ...Object.fromEntries([...fieldsIn('position'), ...fieldsIn('counter')].map((name) => [name, typeOf(name)])),
  ...Object.fromEntries(
    fieldsIn('metric').flatMap((name) => [
      [`${name}_sum`, 'double precision'],
      [`${name}_count`, 'bigint'],
      [`${name}_max`, typeOf(name)],
    ]),
  ),
});
const BUCKET_COLUMNS = ['bucket', 'character_name', 'samples', 'last_ts'];
const AGGREGATES = [
  'telemetry_1m',
  'telemetry_1h',
  'telemetry_1d',
  'telemetry_rollup_1m',
  'telemetry_rollup_1h',
  'telemetry_rollup_1d',
];

t.test('telemetry aggregates: the bucket columns, then per field what its read group keeps', async (t) => {
  for (const relation of AGGREGATES) {
    const columns = await columnsOf(relation);
    t.same(
      columns.slice(0, BUCKET_COLUMNS.length).map((c) => c.name),
      BUCKET_COLUMNS,
      `${relation}: bucket columns`,
    );
    const fields = columns.slice(BUCKET_COLUMNS.length);
    t.same(Object.fromEntries(fields.map((c) => [c.name, c.type])), bucketFieldColumns(), `${relation}: field columns`);
  }
});
