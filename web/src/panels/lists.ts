// The Players, Spawns and Rares lists. Each re-renders at most once per second and
// only when its data or filter changed, and shows at most LIST_ROWS rows (with the
// total), so 1,000 players or 10,000 spawns cost a few hundred DOM nodes, not more.
import type { Store, Player } from '../store.js';
import type { Alert, Marker, MarkerKind } from '../types.js';
import { el, byId, ago, fmt } from './dom.js';
import { api } from '../api.js';

export const LIST_ROWS = 200;
/** Known characters that are not live, shown under a non-empty Players filter (from /characters). */
const KNOWN_ROWS = 20;
const KNOWN_DEBOUNCE_MS = 300;

/** What the Players list marks: characters with open alerts or a recent death (AlertBook.marks). */
export interface AlertMarks {
  readonly version: number;
  readonly marks: ReadonlyMap<string, readonly Alert['kind'][]>;
}

export interface ListActions {
  selectPlayer(name: string): void;
  centerOn(ew: number, ns: number): void;
}

const contains = (hay: string, needle: string) => needle === '' || hay.toLowerCase().includes(needle.toLowerCase());

export class Lists {
  private seen = { players: -1, markers: -1, alerts: -1, filters: '', selected: '' as string | undefined, tick: 0 };
  private readonly inputs = {
    player: byId<HTMLInputElement>('players-filter'),
    spawnMob: byId<HTMLInputElement>('spawns-mob'),
    spawnChar: byId<HTMLInputElement>('spawns-character'),
    rareName: byId<HTMLInputElement>('rares-name'),
    rareChar: byId<HTMLInputElement>('rares-character'),
  };

  private known: { name: string; lastMs: number }[] = [];
  private knownTimer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly store: Store,
    private readonly actions: ListActions,
    private readonly staleMs: number,
    private readonly alerts: AlertMarks = { version: 0, marks: new Map() },
  ) {
    for (const i of Object.values(this.inputs)) i.addEventListener('input', () => this.render(true));
    this.inputs.player.addEventListener('input', () => {
      clearTimeout(this.knownTimer);
      this.knownTimer = setTimeout(() => this.loadKnown(), KNOWN_DEBOUNCE_MS);
    });
  }

  /** Characters with stored telemetry matching the filter, live or not. */
  private loadKnown(): void {
    const q = this.inputs.player.value.trim();
    if (!q) {
      this.known = [];
      this.render(true);
      return;
    }
    api.characters(q, KNOWN_ROWS + LIST_ROWS).then(
      (r) => {
        if (this.inputs.player.value.trim() !== q) return;
        this.known = r.characters.map((c) => ({ name: c.character_name, lastMs: Date.parse(c.last_timestamp) }));
        this.render(true);
      },
      () => {
        this.known = [];
      },
    );
  }

  private filterKey(): string {
    return Object.values(this.inputs)
      .map((i) => i.value)
      .join('\u0000');
  }

  /** Re-renders what changed; `force` after a filter edit or a selection. */
  render(force = false, selected?: string): void {
    if (selected !== undefined || force) this.seen.selected = selected ?? this.seen.selected;
    const now = Date.now();
    const filters = this.filterKey();
    const filtersChanged = filters !== this.seen.filters;
    // Players also re-render every few seconds so "last seen" and stale tags age.
    const tick = Math.floor(now / 5000);
    const playersChanged = this.seen.players !== this.store.version.players || this.seen.alerts !== this.alerts.version;
    if (force || filtersChanged || playersChanged || tick !== this.seen.tick) this.players(now);
    if (force || filtersChanged || this.seen.markers !== this.store.version.markers) {
      this.markers('spawn');
      this.markers('rare');
    }
    this.seen = {
      ...this.seen,
      players: this.store.version.players,
      alerts: this.alerts.version,
      markers: this.store.version.markers,
      filters,
      tick,
    };
  }

  private players(now: number): void {
    const f = this.inputs.player.value.trim();
    const rows: Player[] = [];
    for (const p of this.store.players.values()) if (contains(p.name, f)) rows.push(p);
    rows.sort((a, b) => a.name.localeCompare(b.name));
    byId('players-count').textContent =
      `(${rows.length}${rows.length !== this.store.players.size ? ` of ${this.store.players.size}` : ''})`;
    const items = rows.slice(0, LIST_ROWS).map((p) => {
      const stale = now - p.seenMs > this.staleMs;
      const details = ` · ${ago(p.seenMs, now)} · ${fmt(p.ew)}, ${fmt(p.ns)} · kills ${fmt(p.latest.kills)} · ${fmt(p.latest.latency_ms)} ms`;
      const alerting = this.alerts.marks.get(p.name) ?? [];
      const b = row(
        {
          'aria-pressed': String(p.name === this.seen.selected),
          'data-name': p.name,
          class: stale ? 'stale' : '',
          title: `${p.name}${stale ? ' (stale)' : ''}${alerting.map((k) => ` (alert: ${k})`).join('')}${details}`,
        },
        swatch(p.color),
        el('span', { class: 'label' }, p.name),
        // Before the details, so a long row cuts the details, never the tag.
        ...(stale ? [el('span', { class: 'stale-tag', title: 'no data within the live window' }, 'stale')] : []),
        ...alerting.map(alertTag),
        el('span', { class: 'dim details' }, details),
      );
      b.addEventListener('click', () => this.actions.selectPlayer(p.name));
      return el('li', {}, b);
    });
    if (rows.length > LIST_ROWS)
      items.push(el('li', { class: 'more' }, `… ${rows.length - LIST_ROWS} more: filter to narrow`));
    const offline = f ? this.known.filter((k) => !this.store.players.has(k.name)).slice(0, KNOWN_ROWS) : [];
    if (offline.length) items.push(el('li', { class: 'more' }, 'not live (stored history):'));
    for (const k of offline) {
      const details = ` · last sample ${ago(k.lastMs, now)}`;
      const b = row(
        {
          'aria-pressed': String(k.name === this.seen.selected),
          'data-name': k.name,
          class: 'stale',
          title: `${k.name}${details}`,
        },
        el('span', { class: 'label' }, k.name),
        el('span', { class: 'dim details' }, details),
      );
      b.addEventListener('click', () => this.actions.selectPlayer(k.name));
      items.push(el('li', {}, b));
    }
    byId('players-list').replaceChildren(...items);
  }

  private markers(kind: MarkerKind): void {
    const [label, who] =
      kind === 'spawn'
        ? [this.inputs.spawnMob.value.trim(), this.inputs.spawnChar.value.trim()]
        : [this.inputs.rareName.value.trim(), this.inputs.rareChar.value.trim()];
    const all = this.store.markers[kind];
    const rows: Marker[] = [];
    let total = 0;
    for (let i = all.length - 1; i >= 0; i--) {
      const m = all[i];
      if (!contains(m.label, label) || !contains(m.character, who)) continue;
      total++;
      if (rows.length < LIST_ROWS) rows.push(m);
    }
    const id = kind === 'spawn' ? 'spawns' : 'rares';
    byId(`${id}-count`).textContent = `(${total}${total !== all.length ? ` of ${all.length}` : ''})`;
    const items = rows.map((m) => {
      const details = ` · ${m.character} · ${new Date(m.tMs).toLocaleTimeString()} · ${fmt(m.ew)}, ${fmt(m.ns)}`;
      const b = row(
        { 'data-label': m.label, title: `${m.label}${details}` },
        el('strong', { class: 'label' }, m.label),
        el('span', { class: 'dim details' }, details),
      );
      b.addEventListener('click', () => this.actions.centerOn(m.ew, m.ns));
      return el('li', {}, b);
    });
    if (total > LIST_ROWS) items.push(el('li', { class: 'more' }, `… ${total - LIST_ROWS} more: filter to narrow`));
    byId(`${id}-list`).replaceChildren(...items);
  }
}

/**
 * A list row: one line that fits the panel, its label and details each cut with an
 * ellipsis when too long (style.css `.list`); `title` holds the whole text.
 */
function row(props: Record<string, string>, ...children: Node[]): HTMLButtonElement {
  return el('button', { type: 'button', ...props }, ...children);
}

/** An open alert's badge: the kind on screen, "alert: <kind>" as its accessible name. */
function alertTag(kind: Alert['kind']): HTMLSpanElement {
  return el('span', { class: `kind-tag kind-${kind}`, role: 'img', 'aria-label': `alert: ${kind}` }, kind);
}

/** A colour swatch. Set through CSSOM: a `style` attribute is inline style, which the page's CSP refuses (docs/security.md). */
function swatch(color: string): HTMLSpanElement {
  const s = el('span', { class: 'swatch' });
  s.style.background = color;
  return s;
}
