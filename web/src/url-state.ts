// The view in the query string, so a link reproduces it: ?character=…&range=1h
// &layers=players,trails&heat=spawns&heat_range=24h&trail=120&x=…&y=…&zoom=…, plus
// &from=…&to=… (ISO) while the charts show a chosen session instead of the range.
import { LAYERS, RANGES, type Layer, type RangeKey } from './view-options.js';

export const HEAT_RANGES = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 } as const;
export type HeatRange = keyof typeof HEAT_RANGES;
export const TRAIL_SECONDS = [60, 120, 300, 600] as const;

export interface UrlState {
  character?: string;
  range: RangeKey;
  /** A chosen session's span (ms since the epoch), charted instead of `range`. */
  span?: { fromMs: number; toMs: number };
  layers: Set<Layer>;
  heat: 'spawns' | 'rares';
  heatRange: HeatRange;
  trail: number;
  view?: { cx: number; cy: number; scale: number };
}

export const DEFAULT_STATE: UrlState = {
  range: '1h',
  layers: new Set(['players', 'trails', 'spawns', 'rares']),
  heat: 'spawns',
  heatRange: '24h',
  trail: 120,
};

export function readUrlState(search: string): UrlState {
  const q = new URLSearchParams(search);
  const s: UrlState = { ...DEFAULT_STATE, layers: new Set(DEFAULT_STATE.layers) };
  const character = q.get('character');
  if (character) s.character = character;
  const range = q.get('range');
  if (range && range in RANGES) s.range = range as RangeKey;
  const [fromMs, toMs] = ['from', 'to'].map((k) => Date.parse(q.get(k) ?? ''));
  if (Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs < toMs) s.span = { fromMs, toMs };
  const layers = q.get('layers');
  if (layers !== null)
    s.layers = new Set(layers.split(',').filter((l): l is Layer => (LAYERS as readonly string[]).includes(l)));
  const heat = q.get('heat');
  if (heat === 'spawns' || heat === 'rares') s.heat = heat;
  const hr = q.get('heat_range');
  if (hr && hr in HEAT_RANGES) s.heatRange = hr as HeatRange;
  const trail = Number(q.get('trail'));
  if ((TRAIL_SECONDS as readonly number[]).includes(trail)) s.trail = trail;
  const [x, y, zoom] = ['x', 'y', 'zoom'].map((k) => Number(q.get(k) ?? NaN));
  if ([x, y, zoom].every(Number.isFinite) && zoom > 0) s.view = { cx: x, cy: y, scale: zoom };
  return s;
}

export function writeUrlState(s: UrlState): string {
  const q = new URLSearchParams();
  if (s.character) q.set('character', s.character);
  q.set('range', s.range);
  if (s.span) {
    q.set('from', new Date(s.span.fromMs).toISOString());
    q.set('to', new Date(s.span.toMs).toISOString());
  }
  q.set('layers', LAYERS.filter((l) => s.layers.has(l)).join(','));
  q.set('heat', s.heat);
  q.set('heat_range', s.heatRange);
  q.set('trail', String(s.trail));
  if (s.view) {
    q.set('x', s.view.cx.toFixed(2));
    q.set('y', s.view.cy.toFixed(2));
    q.set('zoom', s.view.scale.toPrecision(4));
  }
  return `?${q}`;
}
