// Heatmap cells from /spawns/heatmap or /rares/heatmap over the chosen range. The cell
// size follows the zoom (about 12 px per cell, rounded to a multiple of the API's
// 0.1-unit base cell so the aggregates serve it: docs/api.md), re-read when the zoom,
// kind or range changes, and every minute while shown.
import { api } from '../api.js';
import type { HeatCell } from '../types.js';

const TARGET_CELL_PX = 12;
const REREAD_MS = 60_000;
const CELL = { min: 0.1, max: 1000 };

export function cellFor(scale: number): number {
  const units = TARGET_CELL_PX / scale;
  const p = 10 ** Math.floor(Math.log10(units));
  const nice = [1, 2, 5, 10].map((m) => m * p).find((c) => c >= units) ?? 10 * p;
  return Math.min(CELL.max, Math.max(CELL.min, Number(nice.toPrecision(6))));
}

export class HeatLayer {
  data?: { cell: number; cells: HeatCell[]; max: number };
  version = 0;
  private key = '';
  private at = 0;
  error?: string;

  refresh(enabled: boolean, kind: 'spawns' | 'rares', rangeMs: number, scale: number): void {
    if (!enabled) return;
    const cell = cellFor(scale);
    const key = `${kind}|${rangeMs}|${cell}`;
    if (key === this.key && Date.now() - this.at < REREAD_MS) return;
    this.key = key;
    this.at = Date.now();
    const to = Date.now();
    api.heatmap(kind, to - rangeMs, to, cell).then(
      (h) => {
        if (key !== this.key) return;
        this.data = { cell: h.cell, cells: h.cells, max: Math.max(1, ...h.cells.map((c) => c.count)) };
        this.error = undefined;
        this.version++;
      },
      (err: Error) => {
        this.error = err.message;
        this.key = '';
      },
    );
  }
}
