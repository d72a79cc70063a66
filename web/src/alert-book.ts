// The alerts the page knows (docs/web.md: Alerts): the open ones and the recent resolved
// ones, from GET /alerts and kept current by the live feed's `alert` messages, keyed by
// id so a repeat (the snapshot and a held live message) changes nothing. DOM-free: the
// Alerts panel, the Players list and the map read it; test/web/alert-logic.unit.test.ts.
import type { Alert } from './types.js';

export const ALERT_LIMITS = {
  /** Resolved alerts kept (the newest resolutions); open ones are all kept. */
  resolvedKept: 200,
  /** A one-shot alert (a death, resolved as it is raised) marks its character this long after it started. */
  oneShotMarkMs: 10 * 60_000,
};

/** Toasts for new alerts (web/src/panels/toasts.ts); here, DOM-free, so the browser test reads them too. */
export const TOAST_SETTINGS = {
  shownMs: 8000,
  /** More new alerts than this in one flush make one summary toast. */
  separateMax: 3,
  /** Toasts on screen at once; the oldest goes first. */
  visibleMax: 4,
};

/** `raised`: news a toast announces (a new open alert, or a new one-shot one); `resolved`: anything else stored. */
export type AlertChange = 'raised' | 'resolved' | 'unchanged';

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);
/** Newest start first. */
const byStart = (a: Alert, b: Alert) => ms(b.started_at) - ms(a.started_at);
/** Newest resolution first. */
const byResolution = (a: Alert, b: Alert) => ms(b.resolved_at) - ms(a.resolved_at);
/** Resolved as it was raised: a death (docs/alerts.md "Kinds"). */
export const isOneShot = (a: Alert) => a.resolved_at !== null && ms(a.resolved_at) === ms(a.started_at);

export class AlertBook {
  private readonly byId = new Map<string, Alert>();
  /** When the next one-shot mark runs out. */
  private marksUntil = Infinity;
  /** Bumped on every change: views compare it to redraw only when something changed. */
  version = 0;
  /**
   * Alert kinds per character that the Players list and the map mark: its open alerts,
   * and its one-shot alerts (deaths) of the last ALERT_LIMITS.oneShotMarkMs.
   */
  marks: ReadonlyMap<string, readonly Alert['kind'][]> = new Map();

  constructor(private readonly clock: () => number = Date.now) {}

  /** A fresh snapshot replaces what the book held. */
  replace(alerts: readonly Alert[]): void {
    this.byId.clear();
    for (const a of alerts) if (valid(a)) this.byId.set(a.id, a);
    this.changed();
  }

  /**
   * One alert from the live feed. A repeat changes nothing, a resolution never reopens
   * and a late open of a resolved alert is ignored; `raised` for an open or one-shot
   * alert the book did not know.
   */
  apply(a: Alert): AlertChange {
    if (!valid(a)) return 'unchanged';
    const known = this.byId.get(a.id);
    if (known?.state === 'resolved' || (known && a.state === 'open')) return 'unchanged';
    this.byId.set(a.id, a);
    this.changed();
    return !known && (a.state === 'open' || isOneShot(a)) ? 'raised' : 'resolved';
  }

  /** Drops one-shot marks that ran out (called every few seconds). */
  expire(): void {
    if (this.clock() >= this.marksUntil) this.changed();
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
    const now = this.clock();
    const marks = new Map<string, Alert['kind'][]>();
    this.marksUntil = Infinity;
    for (const a of this.open().concat(resolved.filter(isOneShot))) {
      const until = a.state === 'open' ? Infinity : ms(a.started_at) + ALERT_LIMITS.oneShotMarkMs;
      if (until <= now) continue;
      this.marksUntil = Math.min(this.marksUntil, until);
      const list = marks.get(a.character_name) ?? [];
      if (!list.includes(a.kind)) list.push(a.kind);
      marks.set(a.character_name, list);
    }
    this.marks = marks;
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
