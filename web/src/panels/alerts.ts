// The Alerts panel (docs/web.md: Alerts): open alerts first, then the recent resolved
// ones, from GET /alerts and the live feed's `alert` messages (AlertBook). A new alert
// also shows briefly in a toast. Renders at most once per second and only when the book
// changed (or every few seconds, so "ago" ages), like the other lists.
import { api } from '../api.js';
import { AlertBook, ALERT_LIMITS, describeDetail, isOneShot } from '../alert-book.js';
import type { Alert } from '../types.js';
import { el, byId, ago } from './dom.js';
import { Toasts } from './toasts.js';

/** Alerts asked for in a snapshot: every open one up to this many, and resolutions of the last day. */
const SNAPSHOT = { openLimit: 500, resolvedLimit: 100, resolvedSinceMs: 86_400_000 };
/** Rows shown per group. */
const SHOWN = { open: 200, resolved: 50 };

export class AlertsPanel {
  readonly book = new AlertBook();
  private readonly toasts: Toasts;
  private seen = { version: -1, tick: -1 };
  private problem = '';

  constructor(private readonly selectPlayer: (name: string) => void) {
    this.toasts = new Toasts(byId('toasts'), selectPlayer);
  }

  /**
   * The snapshot's alerts. A failure leaves the rest of the page working: the panel
   * says why, and the next snapshot (each reconnect takes one) tries again.
   */
  async load(): Promise<void> {
    try {
      const [open, resolved] = await Promise.all([
        api.alerts({ state: 'open', limit: SNAPSHOT.openLimit }),
        api.alerts({ state: 'resolved', from: Date.now() - SNAPSHOT.resolvedSinceMs, limit: SNAPSHOT.resolvedLimit }),
      ]);
      this.problem = '';
      this.book.replace([...open.alerts, ...resolved.alerts]);
    } catch (err) {
      this.problem = `Alerts could not be read: ${(err as Error).message}`;
      this.book.replace([]);
    }
  }

  /** A live `alert` message: a new alert (open, or a death) is announced in a toast. */
  apply(a: Alert): void {
    if (this.book.apply(a) === 'raised') this.toasts.add(a);
  }

  render(now = Date.now()): void {
    this.toasts.flush();
    const tick = Math.floor(now / 5000);
    if (tick !== this.seen.tick) this.book.expire();
    if (this.seen.version === this.book.version && this.seen.tick === tick) return;
    this.seen = { version: this.book.version, tick };
    const open = this.book.open(),
      resolved = this.book.resolved();
    byId('alerts-count').textContent = `(${open.length} open)`;
    byId('alerts-note').textContent = this.problem || (open.length || resolved.length ? '' : 'No alerts.');
    byId('alerts-open').replaceChildren(...open.slice(0, SHOWN.open).map((a) => this.row(a, now)));
    byId('alerts-resolved').replaceChildren(...resolved.slice(0, SHOWN.resolved).map((a) => this.row(a, now)));
    byId('alerts-resolved-heading').hidden = resolved.length === 0;
  }

  private row(a: Alert, now: number): HTMLLIElement {
    const started = Date.parse(a.started_at);
    const at = ` · ${new Date(started).toLocaleTimeString()}`;
    const when =
      a.state === 'open'
        ? ` · since ${ago(started, now)}`
        : isOneShot(a)
          ? `${at} (${ago(started, now)})`
          : `${at}, resolved ${ago(Date.parse(a.resolved_at ?? ''), now)}`;
    const marking = a.state === 'open' || (isOneShot(a) && now - started < ALERT_LIMITS.oneShotMarkMs);
    const detail = describeDetail(a.detail);
    const details = `${detail ? ` · ${detail}` : ''}${when}`;
    const b = el(
      'button',
      {
        type: 'button',
        'data-alert': a.id,
        // Red while it marks the character (open, or a death of the last minutes), grey after.
        class: marking ? 'alert-row' : 'alert-row resolved',
        title: `${a.kind} alert: ${a.character_name}${details}`,
      },
      el('span', { class: `kind-tag kind-${a.kind}` }, a.kind),
      el('span', { class: 'label' }, a.character_name),
      el('span', { class: 'dim details' }, details),
    );
    b.addEventListener('click', () => this.selectPlayer(a.character_name));
    return el('li', {}, b);
  }
}
