// The Character panel: every field of the selected player's newest sample, and uPlot
// charts of latency_ms, mem_mb, cpu_pct and mem_handles from /history over a chosen
// range. The API picks the bucket from the range (docs/api.md: automatic bucket):
// raw samples draw one line, buckets draw avg and max. While the range includes now,
// raw charts extend with live samples and bucketed ones are re-read every minute.
// Choosing a session (./sessions.ts) charts that session's span instead of a range.
import uPlot from 'uplot';
import { api } from '../api.js';
import type { Store } from '../store.js';
import type { Bucket, HistoryResponse, Telemetry } from '../types.js';
import { el, byId, fmt } from './dom.js';
import { RANGES, type RangeKey } from '../view-options.js';
import { SessionsPanel, type Span } from './sessions.js';

export const METRICS = ['latency_ms', 'mem_mb', 'cpu_pct', 'mem_handles'] as const;
export type Metric = (typeof METRICS)[number];
const REREAD_BUCKETS_MS = 60_000;
const LIVE_REDRAW_MS = 1000;

type Series = { x: number[]; a: (number | null)[]; b: (number | null)[] };

export class CharacterPanel {
  character?: string;
  range: RangeKey = '1h';
  /** A chosen session's span: charted instead of `range` until a range button is pressed. */
  span?: Span;
  bucket?: Bucket;
  private charts = new Map<Metric, { plot: uPlot; caption: HTMLElement; data: Series }>();
  private request = 0;
  private rereadTimer?: ReturnType<typeof setInterval>;
  private liveDirty = false;
  private fieldsVersion = -1;
  private readonly root = byId('charts');
  private readonly sessions = new SessionsPanel((span) => this.setSpan(span));

  constructor(
    private readonly store: Store,
    private readonly onChange: () => void,
  ) {
    for (const b of document.querySelectorAll<HTMLButtonElement>('.ranges button')) {
      b.addEventListener('click', () => this.setRange(b.dataset.range as RangeKey));
    }
    setInterval(() => {
      if (this.liveDirty) {
        this.liveDirty = false;
        this.redraw();
      }
    }, LIVE_REDRAW_MS);
    new ResizeObserver(() => this.resize()).observe(this.root);
  }

  select(name: string | undefined): void {
    if (name === this.character) return;
    // A session's span belongs to the character it came from (a link may give both at once).
    if (this.character !== undefined) this.span = undefined;
    this.character = name;
    this.fieldsVersion = -1;
    byId('character-fields').replaceChildren();
    byId('character-name').textContent = name ?? '';
    byId('character-hint').hidden = name !== undefined;
    this.sessions.show(name);
    this.load();
    this.onChange();
  }

  setRange(r: RangeKey): void {
    if (!(r in RANGES)) return;
    this.range = r;
    this.span = undefined;
    this.load();
    this.onChange();
  }

  setSpan(span: Span): void {
    this.span = span;
    this.load();
    this.onChange();
  }

  /** Refreshes the fields of the newest sample when it changed. */
  renderFields(): void {
    const p = this.character ? this.store.players.get(this.character) : undefined;
    if (!p || this.fieldsVersion === p.tMs) return;
    this.fieldsVersion = p.tMs;
    this.fields(p.latest);
  }

  private fields(sample: Record<string, unknown>): void {
    const skip = new Set(['type', 'character_name']);
    byId('character-fields').replaceChildren(
      ...Object.entries(sample)
        .filter(([k]) => !skip.has(k))
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([k, v]) => [
          el('dt', {}, k),
          el('dd', { 'data-field': k }, typeof v === 'object' && v !== null ? JSON.stringify(v) : fmt(v)),
        ]),
    );
  }

  /** A live sample: appended to raw charts of the selected character. */
  onTelemetry(t: Telemetry): void {
    if (t.character_name !== this.character || this.bucket !== 'raw' || this.span) return;
    const ms = Date.parse(t.timestamp);
    for (const m of METRICS) {
      const c = this.charts.get(m);
      const v = t[m];
      if (!c || typeof v !== 'number') continue;
      const x = ms / 1000;
      if (c.data.x.length && x <= c.data.x[c.data.x.length - 1]) continue;
      c.data.x.push(x);
      c.data.a.push(v);
    }
    this.liveDirty = true;
  }

  private load(): void {
    const name = this.character;
    const req = ++this.request;
    clearInterval(this.rereadTimer);
    for (const b of document.querySelectorAll<HTMLButtonElement>('.ranges button'))
      b.setAttribute('aria-pressed', String(!this.span && b.dataset.range === this.range));
    this.sessions.mark(this.span);
    if (!name) {
      this.destroy();
      byId('charts-status').textContent = '';
      return;
    }
    const span = this.span;
    const read = () => {
      const to = span?.toMs ?? Date.now();
      const from = span?.fromMs ?? to - RANGES[this.range];
      byId('charts-status').textContent = span ? 'loading the session…' : `loading ${this.range} of history…`;
      api.history(name, from, to).then(
        (h) => {
          if (req !== this.request) return;
          this.show(h);
        },
        (err: Error) => {
          if (req === this.request) byId('charts-status').textContent = `history failed: ${err.message}`;
        },
      );
    };
    read();
    // A session's span is fixed; a range ending now re-reads its buckets (raw extends from the live feed).
    if (span) return;
    this.rereadTimer = setInterval(() => {
      if (this.bucket !== 'raw') read();
    }, REREAD_BUCKETS_MS);
  }

  private show(h: HistoryResponse): void {
    this.bucket = h.bucket;
    const raw = h.bucket === 'raw';
    // Not live: the newest stored point stands in for the live sample.
    const newest = h.points.at(-1);
    if (newest && !this.store.players.has(h.character) && this.fieldsVersion === -1) this.fields(newest);
    byId('charts-status').textContent =
      `${h.points.length} ${raw ? 'samples' : `${h.bucket} buckets (avg and max)`}${h.truncated ? ', truncated' : ''}`;
    this.destroy();
    for (const m of METRICS) {
      const data: Series = { x: [], a: [], b: [] };
      for (const p of h.points) {
        data.x.push(Date.parse(p.timestamp as string) / 1000);
        data.a.push((raw ? p[m] : p[`${m}_avg`]) as number | null);
        if (!raw) data.b.push(p[`${m}_max`] as number | null);
      }
      const caption = el('figcaption', {});
      const target = el('div', {});
      const fig = el('figure', { 'aria-label': m, 'data-metric': m }, caption, target);
      this.root.append(fig);
      const series: uPlot.Series[] = [
        {},
        { label: raw ? m : `${m} avg`, stroke: '#4fb3ff', width: 1.5, spanGaps: true },
      ];
      if (!raw) series.push({ label: `${m} max`, stroke: '#ff8a4f', width: 1, spanGaps: true });
      const plot = new uPlot(
        {
          width: this.width(),
          height: 110,
          series,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          axes: [
            { stroke: '#8a96a3', grid: { stroke: '#24303b' } },
            { stroke: '#8a96a3', grid: { stroke: '#24303b' }, size: 50 },
          ],
        },
        this.columns(data, raw),
        target,
      );
      plot.root.setAttribute('aria-hidden', 'true');
      this.charts.set(m, { plot, caption, data });
      this.caption(m);
    }
  }

  private columns(d: Series, raw: boolean): uPlot.AlignedData {
    return (raw ? [d.x, d.a] : [d.x, d.a, d.b]) as uPlot.AlignedData;
  }

  private caption(m: Metric): void {
    const c = this.charts.get(m)!;
    const vals = (this.bucket === 'raw' ? c.data.a : c.data.b).filter((v): v is number => typeof v === 'number');
    const last = c.data.a.filter((v): v is number => typeof v === 'number').at(-1);
    c.caption.replaceChildren(
      el('b', {}, m),
      vals.length
        ? ` last ${fmt(last)} · max ${fmt(Math.max(...vals))} · min ${fmt(Math.min(...vals))} · ${c.data.x.length} points`
        : ' no values in this range',
    );
    c.caption.dataset.values = JSON.stringify(c.data.a.slice(-50));
  }

  private redraw(): void {
    for (const m of METRICS) {
      const c = this.charts.get(m);
      if (!c) continue;
      c.plot.setData(this.columns(c.data, this.bucket === 'raw'));
      this.caption(m);
    }
  }

  private width(): number {
    return Math.max(200, this.root.clientWidth - 4);
  }
  private resize(): void {
    for (const c of this.charts.values()) c.plot.setSize({ width: this.width(), height: 110 });
  }
  private destroy(): void {
    for (const c of this.charts.values()) c.plot.destroy();
    this.charts.clear();
    this.root.replaceChildren();
  }

  /** Chart data per metric (the browser tests read it). */
  dump(): Record<string, { x: number[]; a: (number | null)[]; b: (number | null)[] }> {
    return Object.fromEntries([...this.charts].map(([m, c]) => [m, c.data]));
  }
}
