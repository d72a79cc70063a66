// `telemetry`: a character's position and counters, sent every few seconds. Its own
// fields are listed once, in ./telemetry-fields.ts (also the source of its columns).
import { Type, type Static } from '@sinclair/typebox';
import { commonFields } from './common.js';
import { wireProperties } from './telemetry-fields.js';

export const TelemetryEvent = Type.Object(
  {
    type: Type.Literal('telemetry'),
    ...commonFields,
    ...wireProperties(),
  },
  {
    $id: 'TelemetryEvent',
    title: 'telemetry',
    description: 'Position and counters of a character. Unknown extra fields are allowed and kept.',
  },
);

export type TelemetryEvent = Static<typeof TelemetryEvent>;
