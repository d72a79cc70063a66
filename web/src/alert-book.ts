// The alerts the page knows (docs/web.md: Alerts): the open ones and the recent resolved
// ones, from GET /alerts and kept current by the live feed's `alert` messages, keyed by
// id so a repeat (the snapshot and a held live message) changes nothing. DOM-free: the
// Alerts panel, the Players list and the map read it; test/web/alert-logic.unit.test.ts.
import type { Alert } from './types.js';

export const ALERT_LIMITS = {
  /** Resolved alerts kept (the newest resolutions); open ones are all kept. */
  resolvedKept: 200,
};

/** Toasts for new alerts (web/src/panels/toasts.ts); here, DOM-free, so the browser test reads them too. */
export const TOAST_SETTINGS = {
  shownMs: 8000,
  /** More new alerts than this in one flush make one summary toast. */
  separateMax: 3,
  /** Toasts on screen at once; the oldest goes first. */
  visibleMax: 4,
};

export type AlertChange = 'opened' | 'resolved' | 'unchanged';

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);
/** Newest start first. */
const byStart = (a: Alert, b: Alert) => ms(b.started_at) - ms(a.started_at);
/** Newest resolution first. */
const byResolution = (a: Alert, b: Alert) => ms(b.resolved_at) - ms(a.resolved_at);

export class AlertBook {
  private readonly byId = new Map<string, Alert>();
  /** Bumped on every change: views compare it to redraw only when something changed. */
  version = 0;
  /** Open alert kinds per character (the Players list and the map mark these). */
  openKinds: ReadonlyMap<string, readonly Alert['kind'][]> = new Map();

  /** A fresh snapshot replaces what the book held. */
  replace(alerts: readonly Alert[]): void {
    this.byId.clear();
    for (const a of alerts) if (valid(a)) this.byId.set(a.id, a);
    this.changed();
  }

  /**
   * One alert from the live feed. `opened` only for an alert the book did not know,
   * which is what a toast announces; a resolution never reopens, and a late open of a
   * resolved alert is ignored.
   */
  apply(a: Alert): AlertChange {
    if (!valid(a)) return 'unchanged';
    const known = this.byId.get(a.id);
    if (known?.state === 'resolved' || (known && a.state === 'open')) return 'unchanged';
    this.byId.set(a.id, a);
    this.changed();
    return a.state === 'open' ? 'opened' : 'resolved';
  }

  /** Open alerts, newest first. */
  open(): Alert[] {
    return [...this.byId.values()].filter((a) => a.state === 'open').sort(byStart);
  }

  /** Resolved alerts, newest resolution first. */
  resolved(): Alert[] {
    return [...this.byId.values()].filter((a) => a.state === 'resolved').sort(byResolution);
  }

  private changed(): void {
    const resolved = this.resolved();
    for (const old of resolved.slice(ALERT_LIMITS.resolvedKept)) this.byId.delete(old.id);
    const kinds = new Map<string, Alert['kind'][]>();
    for (const a of this.open()) {
      const list = kinds.get(a.character_name) ?? [];
      if (!list.includes(a.kind)) list.push(a.kind);
      kinds.set(a.character_name, list);
    }
    this.openKinds = kinds;
    this.version++;
  }
}

function valid(a: Alert): boolean {
  return (
    typeof a?.id === 'string' &&
    typeof a.character_name === 'string' &&
    (a.state === 'open' || a.state === 'resolved') &&
    Number.isFinite(ms(a.started_at))
  );
}

const num = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v));
const time = (v: unknown) => {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? new Date(t).toLocaleTimeString() : String(v);
};

/**
 * The detail of an alert as short text. The keys docs/alerts.md "Kinds" lists read as
 * words (death `count`, `deaths`; offline `last_received_at`, `after_seconds`; idle
 * `ew`, `ns`, `kills`, `after_seconds`; client `over` and `thresholds`); any other key
 * shows as `key: value`, so a detail the page does not know still shows whole.
 */
export function describeDetail(detail: Record<string, unknown> | null | undefined): string {
  const d = { ...(detail ?? {}) };
  const parts: string[] = [];
  const take = (keys: string[], text: (...v: unknown[]) => string) => {
    if (!keys.every((k) => k in d)) return;
    parts.push(text(...keys.map((k) => d[k])));
    for (const k of keys) delete d[k];
  };
  if (isRecord(d.over)) {
    const limits = isRecord(d.thresholds) ? d.thresholds : {};
    for (const [metric, value] of Object.entries(d.over))
      parts.push(`${metric} ${num(value)}${metric in limits ? ` > ${num(limits[metric])}` : ''}`);
    delete d.over;
    delete d.thresholds;
  }
  take(['count'], (v) => (v === 1 ? '1 death' : `${num(v)} deaths`));
  take(['deaths'], (v) => `deaths counter ${num(v)}`);
  take(['last_received_at'], (v) => `last heard ${time(v)}`);
  take(['ew', 'ns'], (ew, ns) => `at ${num(ew)}, ${num(ns)}`);
  take(['kills'], (v) => `kills ${num(v)}`);
  take(['after_seconds'], (v) => `after ${num(v)} s`);
  for (const [k, v] of Object.entries(d))
    parts.push(`${k}: ${isRecord(v) || Array.isArray(v) ? JSON.stringify(v) : num(v)}`);
  return parts.join(' · ');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
