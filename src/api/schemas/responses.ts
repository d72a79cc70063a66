// Response schemas of the read API: the contract of docs/api.md, documented in
// /openapi.json and checked against real responses in test/api. Field names are the
// event fields (snake_case); timestamps are ISO 8601 UTC strings.
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, fieldsOf, metricSummaries } from './telemetry-properties.js';
import { READ_GROUPS } from '../../../schemas/telemetry-fields.js';

const Time = Type.String({ format: 'date-time' });
const Truncated = Type.Boolean({ description: 'True when the result was cut at its row limit.' });

const positionFields = fieldsOf('position');
const telemetryFields = { timestamp: Time, ...fieldsOf(...READ_GROUPS) };

export const RawPoint = Type.Object(telemetryFields, {
  additionalProperties: false,
  description: 'One telemetry sample.',
});
export const BucketPoint = Type.Object(
  {
    timestamp: Type.String({ format: 'date-time', description: 'Start of the bucket.' }),
    samples: Type.Integer({ description: 'Telemetry samples in the bucket.' }),
    last_timestamp: Type.String({
      format: 'date-time',
      description: 'Time of the newest sample in the bucket (position and counters are from it).',
    }),
    ...fieldsOf('position', 'counter'),
    ...metricSummaries(),
  },
  {
    additionalProperties: false,
    description: 'One time bucket: last position and counters, avg/max of the performance metrics.',
  },
);

export const Player = Type.Object(
  { character_name: Type.String(), received_at: Time, ...telemetryFields },
  { additionalProperties: false },
);
export const LiveResponse = Type.Object({ players: Type.Array(Player), truncated: Truncated });

export const HistoryResponse = Type.Object({
  character: Type.String(),
  bucket: Type.Unsafe<'raw' | '1m' | '1h' | '1d'>({ type: 'string', enum: ['raw', '1m', '1h', '1d'] }),
  from: Time,
  to: Time,
  points: Type.Union([Type.Array(RawPoint), Type.Array(BucketPoint)]),
  truncated: Truncated,
});

export const TrailPoint = Type.Object(
  { character_name: Type.String(), timestamp: Time, ...positionFields },
  { additionalProperties: false },
);
export const TrailsResponse = Type.Object({ trails: Type.Array(TrailPoint), truncated: Truncated });

const eventBase = {
  character_name: Type.String(),
  timestamp: Time,
  ew: Type.Number(),
  ns: Type.Number(),
  z: Nullable(Type.Number()),
};
export const Spawn = Type.Object({ ...eventBase, mob: Type.String() }, { additionalProperties: false });
export const Rare = Type.Object({ ...eventBase, name: Type.String() }, { additionalProperties: false });
export const SpawnsResponse = Type.Object({ spawns: Type.Array(Spawn), truncated: Truncated });
export const RaresResponse = Type.Object({ rares: Type.Array(Rare), truncated: Truncated });

export const Cell = Type.Object(
  {
    ew: Type.Number({ description: 'West edge of the cell (cell covers [ew, ew + cell)).' }),
    ns: Type.Number({ description: 'South edge of the cell (cell covers [ns, ns + cell)).' }),
    count: Type.Integer(),
  },
  { additionalProperties: false },
);
export const HeatmapResponse = Type.Object({
  cell: Type.Number(),
  from: Time,
  to: Time,
  cells: Type.Array(Cell),
  truncated: Truncated,
});

export const KnownCharacter = Type.Object(
  {
    character_name: Type.String(),
    last_timestamp: Type.String({ format: 'date-time', description: 'Time of its newest telemetry sample.' }),
    last_received_at: Type.String({ format: 'date-time', description: 'When the edge received that sample.' }),
  },
  { additionalProperties: false },
);
export const CharactersResponse = Type.Object({ characters: Type.Array(KnownCharacter), truncated: Truncated });

const FieldError = Type.Object({ path: Type.String(), message: Type.String() }, { additionalProperties: false });
export const QuarantinedItem = Type.Object(
  {
    seq: Type.Integer({ description: 'Sequence of the record in the quarantine stream.' }),
    v: Type.Literal(1, { description: 'Format version of the record.' }),
    reason: Type.String({ description: 'Error code the client got (`invalid_event`, `malformed_json`).' }),
    message: Type.String({ description: 'Message of that error reply.' }),
    errors: Type.Optional(Type.Array(FieldError, { description: 'Field errors of that reply.' })),
    raw_kind: Type.Unsafe<'event' | 'frame'>({
      type: 'string',
      enum: ['event', 'frame'],
      description: '`event`: `raw` is one event as JSON; `frame`: `raw` is a whole frame that is not JSON.',
    }),
    raw: Type.String({ description: 'What was refused, as text, up to the per-event size limit.' }),
    raw_truncated: Type.Optional(Type.Literal(true, { description: 'Present when `raw` was cut at that limit.' })),
    character_name: Type.Optional(
      Type.String({ description: "The event's `character_name`, when it had a string one." }),
    ),
    received_at: Type.String({ format: 'date-time', description: 'When the edge received the frame.' }),
  },
  { additionalProperties: false, description: 'One refused event (docs/protocol.md "Refused events").' },
);
export const QuarantineResponse = Type.Object({ quarantine: Type.Array(QuarantinedItem), truncated: Truncated });

export const ErrorResponse = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

export type RawPointT = Static<typeof RawPoint>;
export type BucketPointT = Static<typeof BucketPoint>;
