// `telemetry`: a character's position and counters, sent every few seconds.
import { Type, type Static } from '@sinclair/typebox';
import { commonFields, Coordinate, Count, Amount, Text } from './common.js';

/** Older plugins send kills_per_hour as a numeric string ("12.5"); both forms are accepted and kept as sent. */
export const KillsPerHour = Type.Union([
  Amount('Kills per hour.'),
  Type.String({
    pattern: '^[0-9]{1,15}(\\.[0-9]{1,15})?$',
    description: 'Kills per hour as a decimal string (older plugins).',
  }),
]);

export const TelemetryEvent = Type.Object(
  {
    type: Type.Literal('telemetry'),
    ...commonFields,
    ew: Coordinate('East-west coordinate.'),
    ns: Coordinate('North-south coordinate.'),
    z: Coordinate('Height.'),
    char_tag: Type.Optional(Text(0, 32)),
    session_id: Type.Optional(Text(0, 64)),
    kills: Type.Optional(Count('Kills this session.')),
    deaths: Type.Optional(Count('Deaths this session.')),
    rares_found: Type.Optional(Count('Rares found this session.')),
    prismatic_taper_count: Type.Optional(Count('Prismatic tapers carried.')),
    kills_per_hour: Type.Optional(KillsPerHour),
    onlinetime: Type.Optional(Text(0, 32)),
    vt_state: Type.Optional(Text(0, 32)),
    latency_ms: Type.Optional(Amount('Plugin-measured latency in milliseconds.')),
    mem_mb: Type.Optional(Amount('Game client memory in MiB.')),
    cpu_pct: Type.Optional(Amount('Game client CPU percent.')),
    mem_handles: Type.Optional(Count('Game client handle count.')),
  },
  {
    $id: 'TelemetryEvent',
    title: 'telemetry',
    description: 'Position and counters of a character. Unknown extra fields are allowed and kept.',
  },
);

export type TelemetryEvent = Static<typeof TelemetryEvent>;
