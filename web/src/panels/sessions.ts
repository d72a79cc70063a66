// The Character panel's lifetime totals (/characters/{name}/stats) and its last play
// sessions (/sessions, docs/api.md "Sessions"). Each session is a button: choosing one
// sets the charts' range to that session (CharacterPanel.setSpan), as docs/web.md says.
import { api } from '../api.js';
import type { CharacterStatsResponse, Session } from '../types.js';
import { el, byId, fmt } from './dom.js';

/** How far back the list looks, and how many sessions it shows. */
const SESSIONS_SINCE_MS = 30 * 86400e3;
const SESSIONS_SHOWN = 10;
const REREAD_MS = 60_000;

export interface Span {
  fromMs: number;
  toMs: number;
}

/** The chart range of a session: its first sample to its last, inclusive (/history reads [from, to)). */
const spanOf = (s: Session): Span => ({ fromMs: Date.parse(s.start), toMs: Date.parse(s.end) + 1 });

function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

const when = (iso: string) =>
  new Date(iso).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
const kph = (v: number | null) => (v === null ? '–' : v.toFixed(1));

export class SessionsPanel {
  private character?: string;
  private request = 0;
  private sessions: Session[] = [];
  private selected?: Span;
  private readonly totals = byId('character-totals');
  private readonly list = byId('sessions-list');

  constructor(private readonly onPick: (span: Span) => void) {
    setInterval(() => {
      if (this.character) this.load();
    }, REREAD_MS);
  }

  show(character: string | undefined): void {
    this.character = character;
    this.sessions = [];
    byId('totals-fields').replaceChildren();
    this.list.replaceChildren();
    this.totals.hidden = byId('character-sessions').hidden = character === undefined;
    byId('sessions-status').textContent = '';
    if (character) this.load();
  }

  /** Marks the session whose span the charts show (none: undefined). */
  mark(span: Span | undefined): void {
    this.selected = span;
    for (const b of this.list.querySelectorAll<HTMLButtonElement>('button')) {
      const s = this.sessions[Number(b.dataset.index)];
      const on = span !== undefined && s !== undefined && spanOf(s).fromMs === span.fromMs;
      b.setAttribute('aria-pressed', String(on));
    }
  }

  private load(): void {
    const name = this.character!;
    const req = ++this.request;
    const now = Date.now();
    // Sessions first: a character with none has no stored telemetry yet, and its stats would answer 404.
    api
      .sessions(name, now - SESSIONS_SINCE_MS, now + 60_000, SESSIONS_SHOWN)
      .then(async (r) => {
        if (req !== this.request) return;
        this.renderSessions(r.sessions, r.truncated);
        if (r.sessions.length === 0) return;
        const stats = await api.characterStats(name);
        if (req === this.request) this.renderTotals(stats);
      })
      .catch((err: Error) => {
        if (req === this.request) byId('sessions-status').textContent = `sessions failed: ${err.message}`;
      });
  }

  private renderTotals(t: CharacterStatsResponse): void {
    const best = t.best_session;
    // Counts in two pairs a line; times and the best session one a line.
    const rows: [string, string, boolean?][] = [
      ['sessions', fmt(t.sessions)],
      ['online', duration(t.online_s)],
      ['kills', fmt(t.kills_gained)],
      ['deaths', fmt(t.deaths_gained)],
      ['rares', fmt(t.rares_found)],
      ['tag', fmt(t.char_tag)],
      ['first seen', when(t.first_seen), true],
      ['last seen', when(t.last_seen), true],
      ['best session', best ? `${fmt(best.kills_gained)} kills, ${when(best.start)}` : '–', true],
    ];
    byId('totals-fields').replaceChildren(
      ...rows.flatMap(([k, v, wide]) => [
        el('dt', {}, k),
        el('dd', { 'data-total': k.replace(' ', '_'), class: wide ? 'wide' : undefined }, v),
      ]),
    );
  }

  private renderSessions(sessions: Session[], truncated: boolean): void {
    this.sessions = sessions;
    this.list.replaceChildren(
      ...sessions.map((s, i) => {
        const label =
          `Session started ${when(s.start)}${s.live ? ' (live)' : ''}: ${duration(s.duration_s)}, ` +
          `${s.kills_gained} kills gained, ${kph(s.kph_avg)} kills per hour, ${s.rares_found} rares`;
        const button = el(
          'button',
          { type: 'button', 'data-index': String(i), 'aria-label': label, title: label },
          el('span', { class: 'start' }, when(s.start), ...(s.live ? [el('b', { class: 'live' }, 'live')] : [])),
          el('span', {}, duration(s.duration_s)),
          el('span', { 'data-col': 'kills' }, fmt(s.kills_gained)),
          el('span', { 'data-col': 'kph' }, kph(s.kph_avg)),
          el('span', { 'data-col': 'rares' }, fmt(s.rares_found)),
        );
        button.addEventListener('click', () => this.onPick(spanOf(s)));
        return el('li', {}, button);
      }),
    );
    byId('sessions-status').textContent = sessions.length
      ? `last ${sessions.length} of 30 days${truncated ? ' (older ones not shown)' : ''}; choose one to chart it`
      : 'no sessions in the last 30 days';
    this.mark(this.selected);
  }
}
