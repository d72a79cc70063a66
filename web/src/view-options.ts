// Names the URL state and the panels share: map layers and chart ranges.
export type Layer = 'players' | 'trails' | 'spawns' | 'rares' | 'heat';
export const LAYERS: readonly Layer[] = ['players', 'trails', 'spawns', 'rares', 'heat'];

/** Chart ranges of the Character panel; /history picks the bucket from the range. */
export const RANGES = {
  '15m': 15 * 60e3,
  '1h': 3600e3,
  '24h': 86400e3,
  '7d': 7 * 86400e3,
  '30d': 30 * 86400e3,
} as const;
export type RangeKey = keyof typeof RANGES;
