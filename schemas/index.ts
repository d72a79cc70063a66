// The event vocabulary of wire protocol v1: one TypeBox schema per event type.
// Types come from `Static`, validators from ./validators.ts (compiled once), and the
// JSON Schema files in ./json from scripts/export-schemas.ts.
import type { TSchema } from '@sinclair/typebox';
import { TelemetryEvent } from './telemetry.js';
import { SpawnEvent } from './spawn.js';
import { RareEvent } from './rare.js';
import { ChatEvent } from './chat.js';
import type { EventType } from '../src/shared/subjects.js';

export { TelemetryEvent, SpawnEvent, RareEvent, ChatEvent };

export const eventSchemas = {
  telemetry: TelemetryEvent,
  spawn: SpawnEvent,
  rare: RareEvent,
  chat: ChatEvent,
} as const satisfies Record<EventType, TSchema>;

/** Version of the wire protocol these schemas describe (docs/protocol.md). */
export const PROTOCOL_VERSION = 1;
