// Environment variables of the edge role (WebSocket ingest + live feed), and how the
// composition root turns them into the edge's options (camelCase, units in names):
// no module of src/edge/ sees a variable name (docs/contributing.md "Layout").
// Wire protocol and the meaning of each limit: docs/protocol.md and docs/edge.md.
import { int, optionalInt, oneOf, matching, type ParsedVars, type VarSpecs } from '../shared/env-vars.js';
import type { SharedConfig } from '../shared/config-vars.js';
import type { EdgeOptions } from '../edge/index.js';
import type { ExtensionTypes } from '../edge/frame.js';

export const edgeVars = {
  WS_MAX_PAYLOAD_BYTES: int(
    'Largest accepted WebSocket frame; bigger frames get `too_large` and close 1009 (frames over twice this size ' +
      'are cut by uWS without a reply).',
    1024 * 1024,
    1024,
    64 * 1024 * 1024,
  ),
  WS_IDLE_TIMEOUT_SECONDS: int(
    'Close a WebSocket whose peer answers nothing for this long; the server pings quiet sockets, so live clients ' +
      'stay (uWS needs >= 8).',
    120,
    8,
    960,
  ),
  WS_MAX_BACKPRESSURE_BYTES: int(
    'Outgoing bytes buffered per socket: a /ws/position client that does not read its replies is closed above it; ' +
      '/ws/live clients skip messages until they catch up.',
    1024 * 1024,
    1024,
    256 * 1024 * 1024,
  ),
  EDGE_MAX_EVENTS_PER_FRAME: int(
    'Most events one JSON array frame may hold; more gets `too_many_events`.',
    1000,
    1,
    100000,
  ),
  EDGE_MAX_EVENT_DEPTH: int(
    'Deepest nesting of objects/arrays inside one event (unknown fields included).',
    16,
    2,
    256,
  ),
  EDGE_PUBLISH_MODE: oneOf(
    '`batched`: events are micro-batched per subject into one JetStream message; `per-event`: one message per event.',
    ['batched', 'per-event'] as const,
    'batched',
  ),
  EDGE_BATCH_MAX_EVENTS: int('Most events in one JetStream message (batched mode).', 500, 1, 10000),
  EDGE_BATCH_FLUSH_MS: int(
    'Longest an event waits in a micro-batch before it is published (batched mode; 0 = at the end of each frame).',
    5,
    0,
    1000,
  ),
  EDGE_MAX_INFLIGHT_PUBLISHES: int(
    'JetStream publishes awaiting their PubAck at once, per process (at most one per subject, to keep per-character ' +
      'order).',
    512,
    1,
    100000,
  ),
  EDGE_MAX_BUFFERED_EVENTS: int(
    'Events accepted but not yet stored in JetStream, per process (about 1-3 KB of memory each); above it the edge ' +
      'refuses new frames with `unavailable`.',
    50000,
    1,
    10000000,
  ),
  EDGE_PUBLISH_TIMEOUT_MS: int(
    'How long one JetStream publish waits for its PubAck before it is retried (same Nats-Msg-Id).',
    5000,
    100,
    120000,
  ),
  EDGE_PUBLISH_RETRY_MAX_MS: int('Longest backoff between retries of a failed JetStream publish.', 2000, 10, 60000),
  EDGE_ACK_TIMEOUT_MS: int(
    'Ack mode: a frame not fully stored after this long gets `unavailable` (the edge keeps retrying; resending ' +
      'is safe).',
    10000,
    100,
    600000,
  ),
  // A deprecated variable comes before its replacement: a bad old value is reported under its own name.
  EDGE_UNAVAILABLE_CLOSE_AFTER: optionalInt(
    'Deprecated (it counted frames in a row): when set and EDGE_UNAVAILABLE_CLOSE_AFTER_SECONDS is not, its value ' +
      'is read as that many seconds, with a warning in the log.',
    1,
    100000,
  ),
  EDGE_UNAVAILABLE_CLOSE_AFTER_SECONDS: int(
    'Close a /ws/position socket with 1013 when its frames have been refused with `unavailable` for this long with ' +
      'none admitted, and it kept sending more than one frame a second after the first second (frames in flight ' +
      'then); a client that backs off to one try a second is never closed. docs/protocol.md "Rate limits".',
    20,
    1,
    100000,
  ),
  EDGE_RATE_LIMIT_FRAMES_PER_SECOND: int(
    "Frames per second one /ws/position connection may send (bursts up to one second's worth); over it a frame " +
      'gets `rate_limited`. 0 = unlimited.',
    1000,
    0,
    1000000,
  ),
  EDGE_RATE_LIMIT_EVENTS_PER_SECOND: int(
    "Events per second one /ws/position connection may send (bursts up to one second's worth; at least EDGE_MAX_EVENTS_PER_FRAME); " +
      'over it a frame gets `rate_limited`. 0 = unlimited.',
    20000,
    0,
    10000000,
  ),
  EDGE_RATE_LIMIT_CLOSE_AFTER: optionalInt(
    'Deprecated (it counted frames in a row): when set and EDGE_RATE_LIMIT_CLOSE_AFTER_SECONDS is not, its value is ' +
      'read as that many seconds, with a warning in the log.',
    1,
    100000,
  ),
  EDGE_RATE_LIMIT_CLOSE_AFTER_SECONDS: int(
    'Close a /ws/position socket with 1008 when it is still over its rate limit this long after the first ' +
      '`rate_limited` and, resending early, has been refused more than this many seconds of its rate beyond its ' +
      'window: a client that resends at `retry_after_ms` is never closed. docs/protocol.md "Rate limits".',
    10,
    1,
    100000,
  ),
  EDGE_UNHEALTHY_AFTER_SECONDS: int(
    '/health reports the edge unhealthy when accepted events have waited this long with no JetStream message stored ' +
      '(failing publishes make it unhealthy at once).',
    30,
    1,
    86400,
  ),
  EDGE_DEDUP_CACHE_EVENTS: int(
    'Event keys remembered after storage (for STREAM_DUPLICATE_WINDOW_SECONDS) so resent events are not stored ' +
      'again; 0 = rely on JetStream dedup only.',
    100000,
    0,
    10000000,
  ),
  EDGE_ZONELESS_TIMESTAMPS: oneOf(
    'A `timestamp` without a zone (a .NET DateTime of kind Unspecified, older plugins): `utc` reads it as UTC; ' +
      '`refuse` refuses the event with `invalid_event` (it is quarantined). docs/protocol.md "Older plugins".',
    ['utc', 'refuse'] as const,
    'utc',
  ),
  EDGE_MISSING_TIMESTAMP: oneOf(
    "An event without `timestamp`: `receive` stamps it with the edge's receive time and `timestamp_source: " +
      '"server"`; `refuse` refuses it with `invalid_event`. docs/protocol.md "Older plugins".',
    ['receive', 'refuse'] as const,
    'receive',
  ),
  EDGE_EXTENSION_TYPES: matching(
    'Event types beyond telemetry/spawn/rare/chat that are kept in the log (not projected) under ' +
      '`<prefix>.ext.<type>.<character>`: `*` for any type matching `^[a-z][a-z0-9_]{0,47}$`, a comma-separated ' +
      'list of types, or `none` to refuse them (an empty value means the default, as for every variable). ' +
      'docs/protocol.md "Extension types".',
    '^(\\*|none|\\s*[a-z][a-z0-9_]{0,47}\\s*(,\\s*[a-z][a-z0-9_]{0,47}\\s*)*)$',
    '`*`, `none` or a comma-separated list of lower-case type names',
    '*',
  ),
  EDGE_LIVE_MAX_COALESCE_MS: int(
    'Largest `coalesce_ms` a /ws/live client may ask for (positions held and sent as the newest per character every ' +
      'that many ms).',
    5000,
    1,
    60000,
  ),
} satisfies VarSpecs;

/**
 * Variables replaced by a new one (old name -> new name): the old value, when set and
 * the new variable is not, is used for the new one and the log warns (`renamedVarWarnings`).
 * The close rules count seconds now, not frames in a row (docs/protocol.md "Rate limits").
 */
export const edgeRenamedVars = {
  EDGE_RATE_LIMIT_CLOSE_AFTER: 'EDGE_RATE_LIMIT_CLOSE_AFTER_SECONDS',
  EDGE_UNAVAILABLE_CLOSE_AFTER: 'EDGE_UNAVAILABLE_CLOSE_AFTER_SECONDS',
} as const satisfies Partial<Record<keyof typeof edgeVars, keyof typeof edgeVars>>;

/** The shared variables the edge reads besides its own. */
export const edgeSharedVars = [
  'SUBJECT_PREFIX',
  'STREAM_DUPLICATE_WINDOW_SECONDS',
  'SHUTDOWN_TIMEOUT_MS',
  'PLUGIN_SECRET',
  'PLUGIN_SECRETS',
  'TRACKER_SIGNING_KEY',
] as const satisfies readonly (keyof SharedConfig)[];

/** The edge's slice of the environment (src/config.ts); the role itself gets `edgeOptions(…)`. */
export type EdgeConfig = Readonly<ParsedVars<typeof edgeVars>> & Pick<SharedConfig, (typeof edgeSharedVars)[number]>;

/** Every accepted plugin secret: PLUGIN_SECRET plus PLUGIN_SECRETS (docs/security.md). */
export function pluginSecrets(cfg: Pick<SharedConfig, 'PLUGIN_SECRET' | 'PLUGIN_SECRETS'>): string[] {
  const more = (cfg.PLUGIN_SECRETS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...new Set([...(cfg.PLUGIN_SECRET ? [cfg.PLUGIN_SECRET] : []), ...more])];
}

/** EDGE_EXTENSION_TYPES as data: `*`, `none` (an empty list) or the listed types. */
export function extensionTypes(setting: string): ExtensionTypes {
  const value = setting.trim();
  if (value === '*') return '*';
  if (value === 'none') return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * How events are checked (docs/protocol.md "Events", "Older plugins", "Extension
 * types"): by the edge and by quarantine replay alike.
 */
export function eventCheckOptions(
  cfg: Pick<
    EdgeConfig,
    | 'SUBJECT_PREFIX'
    | 'EDGE_MAX_EVENT_DEPTH'
    | 'EDGE_ZONELESS_TIMESTAMPS'
    | 'EDGE_MISSING_TIMESTAMP'
    | 'EDGE_EXTENSION_TYPES'
  >,
): Pick<EdgeOptions, 'subjectPrefix' | 'maxEventDepth' | 'normalize' | 'extensionTypes'> {
  return {
    subjectPrefix: cfg.SUBJECT_PREFIX,
    maxEventDepth: cfg.EDGE_MAX_EVENT_DEPTH,
    normalize: { zonelessTimestamps: cfg.EDGE_ZONELESS_TIMESTAMPS, missingTimestamp: cfg.EDGE_MISSING_TIMESTAMP },
    extensionTypes: extensionTypes(cfg.EDGE_EXTENSION_TYPES),
  };
}

/** The edge's options, built from its variables (src/config.ts hands them to startEdge). */
export function edgeOptions(cfg: EdgeConfig): EdgeOptions {
  const socket = {
    idleTimeoutSeconds: cfg.WS_IDLE_TIMEOUT_SECONDS,
    maxBackpressureBytes: cfg.WS_MAX_BACKPRESSURE_BYTES,
  };
  return {
    ...eventCheckOptions(cfg),
    pluginSecrets: pluginSecrets(cfg),
    signingKey: cfg.TRACKER_SIGNING_KEY,
    ackTimeoutMs: cfg.EDGE_ACK_TIMEOUT_MS,
    unhealthyAfterSeconds: cfg.EDGE_UNHEALTHY_AFTER_SECONDS,
    shutdownTimeoutMs: cfg.SHUTDOWN_TIMEOUT_MS,
    publisher: {
      mode: cfg.EDGE_PUBLISH_MODE,
      batchMaxEvents: cfg.EDGE_BATCH_MAX_EVENTS,
      batchFlushMs: cfg.EDGE_BATCH_FLUSH_MS,
      maxInflight: cfg.EDGE_MAX_INFLIGHT_PUBLISHES,
      maxBuffered: cfg.EDGE_MAX_BUFFERED_EVENTS,
      publishTimeoutMs: cfg.EDGE_PUBLISH_TIMEOUT_MS,
      retryMaxMs: cfg.EDGE_PUBLISH_RETRY_MAX_MS,
      dedupKeys: cfg.EDGE_DEDUP_CACHE_EVENTS,
      dedupTtlMs: cfg.STREAM_DUPLICATE_WINDOW_SECONDS * 1000,
    },
    position: {
      ...socket,
      maxPayloadBytes: cfg.WS_MAX_PAYLOAD_BYTES,
      maxEventsPerFrame: cfg.EDGE_MAX_EVENTS_PER_FRAME,
      unavailableCloseAfterSeconds: cfg.EDGE_UNAVAILABLE_CLOSE_AFTER_SECONDS,
      rate: {
        framesPerSecond: cfg.EDGE_RATE_LIMIT_FRAMES_PER_SECOND,
        eventsPerSecond: cfg.EDGE_RATE_LIMIT_EVENTS_PER_SECOND,
        closeAfterSeconds: cfg.EDGE_RATE_LIMIT_CLOSE_AFTER_SECONDS,
      },
    },
    live: { ...socket, maxCoalesceMs: cfg.EDGE_LIVE_MAX_COALESCE_MS },
  };
}
