// Which part of a heatmap's [from, to) each source serves (docs/retention-and-aggregation.md
// "Heatmap base grid"): whole UTC days below the day level's horizon from the daily cells,
// whole hours below the hour level's horizon from the hourly cells, and the rest (partial
// hours at both ends, the open hour) from the raw events. Pure, so it is unit-tested alone.

export interface Span {
  from: number;
  to: number;
}
export interface HeatPlan {
  days: Span;
  hours: [Span, Span];
  raw: [Span, Span];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const EMPTY: Span = { from: 0, to: 0 };
const span = (from: number, to: number): Span => (from < to ? { from, to } : EMPTY);

/** Horizons in ms since the epoch (-Infinity: nothing materialized yet). */
export function planHeatmap(fromMs: number, toMs: number, dayHorizonMs: number, hourHorizonMs: number): HeatPlan {
  const hStart = Math.ceil(fromMs / HOUR_MS) * HOUR_MS;
  const hEnd = Math.min(Math.floor(toMs / HOUR_MS) * HOUR_MS, Math.floor(hourHorizonMs / HOUR_MS) * HOUR_MS);
  if (!(hStart < hEnd)) return { days: EMPTY, hours: [EMPTY, EMPTY], raw: [span(fromMs, toMs), EMPTY] };
  const dStart = Math.ceil(hStart / DAY_MS) * DAY_MS;
  const dEnd = Math.min(Math.floor(hEnd / DAY_MS) * DAY_MS, Math.floor(dayHorizonMs / DAY_MS) * DAY_MS);
  const raw: [Span, Span] = [span(fromMs, hStart), span(hEnd, toMs)];
  if (!(dStart < dEnd)) return { days: EMPTY, hours: [span(hStart, hEnd), EMPTY], raw };
  return { days: span(dStart, dEnd), hours: [span(hStart, dStart), span(dEnd, hEnd)], raw };
}
