// Draws the map on three stacked 2D canvases: the base (grid, heatmap, spawn and rare
// markers) redrawn only when the view, the markers or the heatmap change; the trails,
// refreshed at most once a second or when the view changes; and the top (players and
// their names), redrawn with the live data. The browser composites the layers, so a
// live update repaints only the top one. Markers and dots are batched into few paths,
// never one DOM node each (docs/web.md: scale).
import type { MapView } from './view.js';
import type { Store, Player } from '../store.js';
import type { HeatCell, Marker } from '../types.js';

import type { Layer } from '../view-options.js';
export type { Layer };

export interface RenderOptions {
  layers: Set<Layer>;
  trailSeconds: number;
  /** Players not heard from for this long are drawn as stale (hollow, grey). */
  staleMs: number;
  selected?: string;
  /** Characters with open alerts or a recent death: ringed in ALERT_COLOR (docs/web.md: Alerts). */
  alerting?: ReadonlyMap<string, unknown>;
  heat?: { cell: number; cells: HeatCell[]; max: number };
}

const MARKER_COLORS = { spawn: '#e0a030', rare: '#ff4fd8' };
const ALERT_COLOR = '#ff3b3b';
const ALERT_HALO = 'rgba(255, 59, 59, 0.28)';
/**
 * Trails change by one point per player per second, but rasterizing 1,000 long
 * polylines is the costliest drawing there is (software canvas): their layer is
 * refreshed at most this often, or when the view changes.
 */
const TRAIL_REFRESH_MS = 1000;
const LABEL_FONT = '11px system-ui, sans-serif';
const SELECTED_FONT = 'bold 12px system-ui, sans-serif';
/** Names whose width is kept; past this (players come and go) the cache starts over. */
const LABEL_WIDTHS_KEPT = 10_000;

/**
 * Where names are drawn, as a grid of small cells: a label is drawn only if every cell
 * its box covers is free. Two boxes that overlap share a cell, so no two drawn names
 * overlap (docs/web.md: labels that would overlap are skipped).
 */
class LabelSpace {
  private static readonly CELL = { w: 16, h: 7 };
  /** A label's box is this tall (11-12 px type), centred on its baseline-middle y. */
  private static readonly HEIGHT = 14;
  private readonly taken = new Set<number>();

  /** Takes the box from (x, y - h/2) to (x + width, y + h/2) if it is free, or always with `force`. */
  take(x: number, y: number, width: number, force = false): boolean {
    const { w, h } = LabelSpace.CELL;
    const i0 = Math.floor(x / w),
      i1 = Math.floor((x + width) / w),
      j0 = Math.floor((y - LabelSpace.HEIGHT / 2) / h),
      j1 = Math.floor((y + LabelSpace.HEIGHT / 2) / h);
    // Keys are unique while |j| < 50,000 cells, far beyond any screen.
    if (!force)
      for (let i = i0; i <= i1; i++) for (let j = j0; j <= j1; j++) if (this.taken.has(i * 100003 + j)) return false;
    for (let i = i0; i <= i1; i++) for (let j = j0; j <= j1; j++) this.taken.add(i * 100003 + j);
    return true;
  }
}

function niceStep(minUnits: number): number {
  const p = 10 ** Math.floor(Math.log10(minUnits));
  for (const m of [1, 2, 5, 10]) if (m * p >= minUnits) return m * p;
  return 10 * p;
}
const coord = (v: number, pos: string, neg: string) =>
  `${Math.abs(Number(v.toPrecision(10)))}${v > 0 ? pos : v < 0 ? neg : ''}`;

export class MapRenderer {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly baseCtx: CanvasRenderingContext2D;
  private readonly trailCtx: CanvasRenderingContext2D;
  private baseKey = '';
  private baseHeat: unknown;
  private trailKey = '';
  private trailAt = 0;
  private readonly labelWidths = new Map<string, number>();
  /** Draw statistics (the UI benchmark reads them). */
  stats = { frames: 0, lastDrawMs: 0 };
  /** Hooks called after each drawn frame (the UI benchmark uses it for event-to-screen latency). */
  readonly afterDraw: Array<() => void> = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly view: MapView,
    private readonly baseCanvas: HTMLCanvasElement,
    private readonly trailCanvas: HTMLCanvasElement,
  ) {
    const get = (c: HTMLCanvasElement, alpha: boolean) => {
      const x = c.getContext('2d', { alpha });
      if (!x) throw new Error('canvas 2D is not available');
      return x;
    };
    this.ctx = get(canvas, true);
    this.baseCtx = get(baseCanvas, false);
    this.trailCtx = get(trailCanvas, true);
  }

  /** Matches the backing store to the element size and device pixel ratio. */
  resize(): boolean {
    const r = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr)),
      h = Math.max(1, Math.round(r.height * dpr));
    if (this.canvas.width === w && this.canvas.height === h && this.view.width === r.width) return false;
    for (const c of [this.canvas, this.baseCanvas, this.trailCanvas]) {
      c.width = w;
      c.height = h;
    }
    this.view.width = Math.max(1, r.width);
    this.view.height = Math.max(1, r.height);
    this.view.version++;
    return true;
  }

  draw(store: Store, o: RenderOptions, now = Date.now()): void {
    const t0 = performance.now();
    const { view } = this;
    const dpr = this.canvas.width / view.width;
    const size = `${this.canvas.width}x${this.canvas.height}`;
    const baseKey = [
      view.version,
      store.version.markers,
      o.layers.has('heat'),
      o.layers.has('spawns'),
      o.layers.has('rares'),
      size,
    ].join('|');
    if (baseKey !== this.baseKey || this.baseHeat !== o.heat) {
      const ctx = this.baseCtx;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = '#0b0f13';
      ctx.fillRect(0, 0, view.width, view.height);
      this.grid(ctx);
      if (o.layers.has('heat') && o.heat) this.heat(ctx, o.heat.cells, o.heat.cell, o.heat.max);
      if (o.layers.has('spawns')) this.markers(ctx, store.markers.spawn, MARKER_COLORS.spawn, 'square');
      if (o.layers.has('rares')) this.markers(ctx, store.markers.rare, MARKER_COLORS.rare, 'diamond');
      this.baseKey = baseKey;
      this.baseHeat = o.heat;
    }
    const trailKey = `${view.version}|${o.trailSeconds}|${o.layers.has('trails')}|${size}`;
    if (trailKey !== this.trailKey || (o.layers.has('trails') && now - this.trailAt >= TRAIL_REFRESH_MS)) {
      const ctx = this.trailCtx;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this.trailCanvas.width, this.trailCanvas.height);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      if (o.layers.has('trails')) this.trails(ctx, store, now - o.trailSeconds * 1000);
      this.trailKey = trailKey;
      this.trailAt = now;
    }
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (o.layers.has('players')) this.players(store, o, now);
    this.stats.frames++;
    this.stats.lastDrawMs = performance.now() - t0;
    for (const f of this.afterDraw) f();
  }

  private grid(ctx: CanvasRenderingContext2D): void {
    const { view } = this;
    const step = niceStep(70 / view.scale);
    ctx.strokeStyle = '#1c252e';
    ctx.lineWidth = 1;
    ctx.fillStyle = '#5d6a76';
    ctx.font = '10px system-ui, sans-serif';
    ctx.beginPath();
    const e0 = Math.floor(view.ew(0) / step) * step,
      e1 = view.ew(view.width);
    for (let e = e0; e <= e1; e += step) {
      const x = Math.round(view.x(e)) + 0.5;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, view.height);
    }
    const n0 = Math.floor(view.ns(view.height) / step) * step,
      n1 = view.ns(0);
    for (let n = n0; n <= n1; n += step) {
      const y = Math.round(view.y(n)) + 0.5;
      ctx.moveTo(0, y);
      ctx.lineTo(view.width, y);
    }
    ctx.stroke();
    ctx.textBaseline = 'top';
    for (let e = e0; e <= e1; e += step) ctx.fillText(coord(e, 'E', 'W'), view.x(e) + 3, 3);
    ctx.textBaseline = 'bottom';
    for (let n = n0; n <= n1; n += step) ctx.fillText(coord(n, 'N', 'S'), 3, view.y(n) - 2);
  }

  private heat(ctx: CanvasRenderingContext2D, cells: HeatCell[], cell: number, max: number): void {
    const { view } = this;
    const size = cell * view.scale;
    for (const c of cells) {
      const a = 0.15 + 0.7 * Math.sqrt(c.count / max);
      ctx.fillStyle = `rgba(255, 90, 40, ${a.toFixed(3)})`;
      ctx.fillRect(view.x(c.ew), view.y(c.ns + cell), Math.max(1, size), Math.max(1, size));
    }
  }

  private trails(ctx: CanvasRenderingContext2D, store: Store, sinceMs: number): void {
    const { view } = this;
    ctx.lineWidth = 1.5;
    ctx.globalAlpha = 0.55;
    for (const p of store.players.values()) {
      if (p.trail.length < 2) continue;
      ctx.strokeStyle = p.color;
      ctx.beginPath();
      let first = true,
        lx = 0,
        ly = 0;
      // Points closer than a pixel to the last drawn one add nothing at this zoom.
      p.trail.forEachSince(sinceMs, (ew, ns) => {
        const x = view.x(ew),
          y = view.y(ns);
        if (first) {
          ctx.moveTo(x, y);
          first = false;
          lx = x;
          ly = y;
          return;
        }
        if (Math.abs(x - lx) + Math.abs(y - ly) < 1.5) return;
        ctx.lineTo(x, y);
        lx = x;
        ly = y;
      });
      ctx.lineTo(view.x(p.ew), view.y(p.ns));
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  private markers(ctx: CanvasRenderingContext2D, list: Marker[], color: string, shape: 'square' | 'diamond'): void {
    const { view } = this;
    const r = shape === 'square' ? 2.5 : 4;
    ctx.fillStyle = color;
    ctx.beginPath();
    for (const m of list) {
      const x = view.x(m.ew),
        y = view.y(m.ns);
      if (x < -r || y < -r || x > view.width + r || y > view.height + r) continue;
      if (shape === 'square') ctx.rect(x - r, y - r, 2 * r, 2 * r);
      else {
        ctx.moveTo(x, y - r);
        ctx.lineTo(x + r, y);
        ctx.lineTo(x, y + r);
        ctx.lineTo(x - r, y);
        ctx.closePath();
      }
    }
    ctx.fill();
  }

  private players(store: Store, o: RenderOptions, now: number): void {
    const { ctx, view } = this;
    const r = 4;
    const labels = new LabelSpace();
    const onScreen = (x: number, y: number) => x >= -50 && y >= -20 && x <= view.width + 50 && y <= view.height + 20;
    // The selected player's name is drawn once, by the highlight at the end: its place
    // is taken first so no other label covers it, and the labels pass leaves it out.
    const sel = o.selected === undefined ? undefined : store.players.get(o.selected);
    const selected = sel && onScreen(view.x(sel.ew), view.y(sel.ns)) ? sel : undefined;
    if (selected) {
      ctx.font = SELECTED_FONT;
      labels.take(view.x(selected.ew) + r + 7, view.y(selected.ns), ctx.measureText(selected.name).width, true);
    }
    ctx.font = LABEL_FONT;
    ctx.textBaseline = 'middle';
    for (const p of store.players.values()) {
      const x = view.x(p.ew),
        y = view.y(p.ns);
      if (!onScreen(x, y)) continue;
      const stale = now - p.seenMs > o.staleMs;
      // An alerting player gets a halo and a ring under its dot (between the dot and the selection ring); its name moves past them.
      const alerting = o.alerting?.has(p.name) === true;
      if (alerting) this.alertRing(x, y, r);
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      if (stale) {
        ctx.strokeStyle = '#6b7580';
        ctx.lineWidth = 1.5;
        ctx.stroke();
      } else {
        ctx.fillStyle = p.color;
        ctx.fill();
      }
      const lx = x + r + (alerting ? 6 : 3);
      if (p === selected || !labels.take(lx, y, this.labelWidth(p.name))) continue;
      ctx.fillStyle = stale ? '#6b7580' : '#d5dbe0';
      ctx.fillText(p.name, lx, y);
    }
    if (selected) {
      const x = view.x(selected.ew),
        y = view.y(selected.ns);
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, r + 4, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.fillStyle = '#ffffff';
      ctx.font = SELECTED_FONT;
      ctx.fillText(selected.name, x + r + 7, y);
    }
  }

  private alertRing(x: number, y: number, r: number): void {
    const { ctx } = this;
    ctx.fillStyle = ALERT_HALO;
    ctx.beginPath();
    ctx.arc(x, y, r + 7, 0, 2 * Math.PI);
    ctx.fill();
    ctx.strokeStyle = ALERT_COLOR;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(x, y, r + 2.5, 0, 2 * Math.PI);
    ctx.stroke();
  }

  /** A name's width in LABEL_FONT: measured once per name, not once per name per frame. */
  private labelWidth(name: string): number {
    let w = this.labelWidths.get(name);
    if (w === undefined) {
      if (this.labelWidths.size >= LABEL_WIDTHS_KEPT) this.labelWidths.clear();
      w = this.ctx.measureText(name).width;
      this.labelWidths.set(name, w);
    }
    return w;
  }

  /** The player whose dot is within `radius` px of (x, y), nearest first. */
  hitPlayer(store: Store, x: number, y: number, radius = 10): Player | undefined {
    let best: Player | undefined,
      bestD = radius * radius;
    for (const p of store.players.values()) {
      const dx = this.view.x(p.ew) - x,
        dy = this.view.y(p.ns) - y,
        d = dx * dx + dy * dy;
      if (d <= bestD) {
        best = p;
        bestD = d;
      }
    }
    return best;
  }
}
