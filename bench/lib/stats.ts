// Figures over repeated runs: median with min–max, the spread, ratios of A/B pairs, and
// how they are printed. docs/benchmarks.md "Repeats and spread".

/** A spread ((max - min) / median) above this is printed as a warning beside the figure. */
export const SPREAD_WARN = 0.25;

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median; 0 for one run or a zero median. */
  spread: number;
  n: number;
}

/** Median of the numbers (mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median, min, max and spread of the finite numbers among xs; undefined when there are none. */
export function summarize(xs: readonly (number | undefined)[]): Summary | undefined {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return undefined;
  const m = median(v);
  const min = Math.min(...v);
  const max = Math.max(...v);
  return { median: m, min, max, spread: m !== 0 ? (max - min) / Math.abs(m) : 0, n: v.length };
}

/** B / A of each pair (pairs with a missing or zero A are left out). */
export function pairRatios(a: readonly (number | undefined)[], b: readonly (number | undefined)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y) || x === 0) continue;
    out.push(y / x);
  }
  return out;
}

/** The index of the run whose `key` is the median (the lower middle for an even count). */
export function medianIndex(xs: readonly number[]): number {
  if (xs.length === 0) return -1;
  const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  return order[(order.length - 1) >> 1][1];
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');

/** A number for a table: whole numbers with separators above 100, else up to 3 significant digits. */
export function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 100) return int(x);
  return String(Number(x.toPrecision(3)));
}

/** `median (min–max)` plus `⚠ spread N%` when over SPREAD_WARN; the bare figure for one run. */
export function fmtSummary(s: Summary | undefined, f: (x: number) => string = fmt): string {
  if (!s) return '–';
  if (s.n === 1) return f(s.median);
  const warn = s.spread > SPREAD_WARN ? ` ⚠ spread ${Math.round(s.spread * 100)}%` : '';
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})${warn}`;
}

/** A ratio as `1.23×`. */
export const fmtRatio = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(2)}×`);
