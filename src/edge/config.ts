// Environment variables of the edge role (WebSocket ingest + live feed).
import { int, oneOf, type VarSpecs } from '../shared/env-vars.js';

export const edgeVars = {
  WS_MAX_PAYLOAD_BYTES: int('Largest accepted WebSocket frame; bigger frames get `too_large` and close 1009.', 1024 * 1024, 1024, 64 * 1024 * 1024),
  WS_IDLE_TIMEOUT_SECONDS: int('Close a WebSocket silent for this long (uWS needs >= 8).', 120, 8, 960),
  WS_MAX_BACKPRESSURE_BYTES: int('Outgoing bytes buffered per socket before messages to it are dropped.', 1024 * 1024, 1024, 256 * 1024 * 1024),
  EDGE_MAX_EVENTS_PER_FRAME: int('Most events one JSON array frame may hold.', 1000, 1, 100000),
  EDGE_PUBLISH_MODE: oneOf('`batched`: events are micro-batched per subject into one JetStream message; `per-event`: one message per event.', ['batched', 'per-event'] as const, 'batched'),
  EDGE_BATCH_MAX_EVENTS: int('Most events in one JetStream message (batched mode).', 500, 1, 10000),
  EDGE_BATCH_FLUSH_MS: int('Longest an event waits in a micro-batch before it is published (batched mode).', 5, 0, 1000),
  EDGE_MAX_INFLIGHT_PUBLISHES: int('JetStream publishes awaiting their PubAck at once, per process.', 512, 1, 100000),
  EDGE_MAX_BUFFERED_EVENTS: int('Events accepted but not yet stored in JetStream, per process; above it the edge refuses new events with `unavailable`.', 200000, 1, 10000000),
} satisfies VarSpecs;
