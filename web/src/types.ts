// Shapes of the read API and /ws/live messages the page uses (docs/api.md, docs/protocol.md §7),
// derived from the API's response schemas (src/api/schemas/responses.ts) and the event
// schemas (schemas/): a change there that the page relies on fails `npm run typecheck`.
// Type-only imports: esbuild drops them, so none of TypeBox or the schemas reaches the bundle.
import type { Static } from '@sinclair/typebox';
import type * as Api from '../../src/api/schemas/responses.js';
import type * as AlertSchemas from '../../src/api/schemas/alerts.js';
import type * as SessionApi from '../../src/api/schemas/sessions.js';
import type { TelemetryEvent } from '../../schemas/telemetry.js';
import type { SpawnEvent } from '../../schemas/spawn.js';
import type { RareEvent } from '../../schemas/rare.js';
import type { ChatEvent as ChatEventSchema } from '../../schemas/chat.js';

/** A /ws/live message: the event as the plugin sent it plus `received_at` (docs/protocol.md §7). */
type Live<E> = E & { received_at: string };
type TelemetryMessage = Live<Static<typeof TelemetryEvent>>;
type SpawnMessage = Live<Static<typeof SpawnEvent>>;
type RareMessage = Live<Static<typeof RareEvent>>;
export type ChatEvent = Live<Static<typeof ChatEventSchema>>;
export type LiveMessage = TelemetryMessage | SpawnMessage | RareMessage | ChatEvent | AlertMessage;

/** An alert from GET /alerts, and on /ws/live with `"type": "alert"` (docs/alerts.md). */
export type Alert = Static<typeof AlertSchemas.Alert>;
export type AlertsResponse = Static<typeof AlertSchemas.AlertsResponse>;
type AlertMessage = Alert & { type: 'alert' };

export type LiveResponse = Static<typeof Api.LiveResponse>;
export type TrailsResponse = Static<typeof Api.TrailsResponse>;
export type TrailPoint = Static<typeof Api.TrailPoint>;
export type SpawnsResponse = Static<typeof Api.SpawnsResponse>;
export type RaresResponse = Static<typeof Api.RaresResponse>;
export type CharactersResponse = Static<typeof Api.CharactersResponse>;
export type HeatmapResponse = Static<typeof Api.HeatmapResponse>;
export type HeatCell = Static<typeof Api.Cell>;
export type SessionsResponse = Static<typeof SessionApi.SessionsResponse>;
export type Session = Static<typeof SessionApi.Session>;
export type CharacterStatsResponse = Static<typeof SessionApi.CharacterStatsResponse>;

/**
 * A player's sample, from /live or the live feed. Wider than either: the Character
 * panel lists every field by name, including extra fields a plugin sent, which the
 * live feed passes on as sent (docs/protocol.md §7).
 */
export type Telemetry = (Static<typeof Api.Player> | TelemetryMessage) & { readonly [field: string]: unknown };

/**
 * A spawn or a rare, from /spawns, /rares or the live feed. The label is `mob` for a
 * spawn and `name` for a rare; Store.addMarker picks it by kind, so each side names
 * the other's label as absent.
 */
export type PlaceEvent =
  | ((Static<typeof Api.Spawn> | SpawnMessage) & { name?: undefined })
  | ((Static<typeof Api.Rare> | RareMessage) & { mob?: undefined });

type History = Static<typeof Api.HistoryResponse>;
export type Bucket = History['bucket'];
/**
 * Wider than the API's `points` (raw samples or buckets): the Character panel reads a
 * metric by name from both (`latency_ms`, or `latency_ms_avg` and `_max`, chosen by
 * `bucket`), so a point is a record of fields here.
 */
export type HistoryResponse = Omit<History, 'points'> & { points: Record<string, unknown>[] };

export type MarkerKind = 'spawn' | 'rare';
export interface Marker {
  kind: MarkerKind;
  label: string;
  character: string;
  tMs: number;
  ew: number;
  ns: number;
  key: string;
}
