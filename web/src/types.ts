// Shapes of the read API and /ws/live messages the page uses (docs/api.md, docs/protocol.md §7).
export interface Telemetry {
  type?: 'telemetry';
  character_name: string;
  timestamp: string;
  received_at?: string;
  ew: number;
  ns: number;
  z: number;
  [field: string]: unknown;
}
export interface PlaceEvent {
  character_name: string;
  timestamp: string;
  received_at?: string;
  ew: number;
  ns: number;
  z?: number | null;
  mob?: string;
  name?: string;
}
export interface ChatEvent {
  type: 'chat';
  character_name: string;
  timestamp: string;
  text: string;
  color?: number;
  received_at?: string;
}
export type LiveMessage = (Telemetry & { type: 'telemetry' }) | (PlaceEvent & { type: 'spawn' | 'rare' }) | ChatEvent;

export interface TrailPoint {
  character_name: string;
  timestamp: string;
  ew: number;
  ns: number;
  z: number;
}
export type Bucket = 'raw' | '1m' | '1h' | '1d';
export interface HistoryResponse {
  character: string;
  bucket: Bucket;
  from: string;
  to: string;
  points: Record<string, unknown>[];
  truncated: boolean;
}
export interface HeatCell {
  ew: number;
  ns: number;
  count: number;
}
export interface HeatmapResponse {
  cell: number;
  from: string;
  to: string;
  cells: HeatCell[];
  truncated: boolean;
}

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
