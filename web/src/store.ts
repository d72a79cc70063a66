// What the page knows: players (newest telemetry + trail), spawn and rare markers, chat.
// Each kind has a version counter that views compare against to redraw only what
// changed; nothing is rebuilt per message (docs/web.md: scale).
import { Trail } from './trail.js';
import { colorOf } from './colors.js';
import type { Telemetry, TrailPoint, PlaceEvent, Marker, MarkerKind, ChatEvent } from './types.js';

export const LIMITS = {
  /** Points kept per trail (1 Hz for 10 min). */
  trailPoints: 600,
  /** Markers kept per kind; the oldest go first. */
  markers: 20000,
  chatLines: 500,
};

export interface Player {
  name: string;
  color: string;
  ew: number;
  ns: number;
  z: number;
  /** Game time of the newest sample (its `timestamp`). */
  tMs: number;
  /** When the server received the newest sample: staleness is measured on it. */
  seenMs: number;
  latest: Telemetry;
  trail: Trail;
}

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);

export class Store {
  readonly players = new Map<string, Player>();
  readonly markers: Record<MarkerKind, Marker[]> = { spawn: [], rare: [] };
  private readonly markerKeys: Record<MarkerKind, Set<string>> = { spawn: new Set(), rare: new Set() };
  readonly chat: ChatEvent[] = [];
  version = { players: 0, markers: 0, chat: 0 };
  /** Called after each telemetry sample is applied (charts extend live from it). */
  onTelemetry?: (t: Telemetry) => void;

  applyTelemetry(t: Telemetry): void {
    const tMs = ms(t.timestamp);
    if (!Number.isFinite(tMs) || !Number.isFinite(t.ew) || !Number.isFinite(t.ns)) return;
    const seen = ms(t.received_at);
    let p = this.players.get(t.character_name);
    if (!p) {
      p = {
        name: t.character_name,
        color: colorOf(t.character_name),
        ew: t.ew,
        ns: t.ns,
        z: t.z,
        tMs,
        seenMs: Number.isFinite(seen) ? seen : tMs,
        latest: t,
        trail: new Trail(LIMITS.trailPoints),
      };
      this.players.set(p.name, p);
    } else if (tMs >= p.tMs) {
      p.ew = t.ew;
      p.ns = t.ns;
      p.z = t.z;
      p.tMs = tMs;
      p.latest = t;
    }
    if (Number.isFinite(seen) && seen > p.seenMs) p.seenMs = seen;
    p.trail.push(t.ew, t.ns, tMs);
    this.version.players++;
    this.onTelemetry?.(t);
  }

  /**
   * Trail points from /trails. The snapshot applies them after the players' newest
   * samples (/live), and a trail only appends newer points, so each player's trail is
   * rebuilt from its points and the ones it held, in time order.
   */
  applyTrails(points: TrailPoint[]): void {
    const merged = new Map<Player, [number, number, number][]>();
    for (const pt of points) {
      const p = this.players.get(pt.character_name);
      const tMs = ms(pt.timestamp);
      if (!p || !Number.isFinite(tMs)) continue;
      let list = merged.get(p);
      if (!list) {
        const held: [number, number, number][] = [];
        p.trail.forEachSince(-Infinity, (x, y, t) => held.push([x, y, t]));
        list = held;
        merged.set(p, list);
      }
      list.push([pt.ew, pt.ns, tMs]);
    }
    for (const [p, list] of merged) {
      list.sort((a, b) => a[2] - b[2]);
      p.trail.clear();
      // Equal times (a sample that is also a trail point) are pushed once.
      for (const [x, y, t] of list) p.trail.push(x, y, t);
    }
    this.version.players++;
  }

  addMarker(kind: MarkerKind, e: PlaceEvent): void {
    const tMs = ms(e.timestamp);
    const label = (kind === 'spawn' ? e.mob : e.name) ?? '';
    const key = `${e.character_name}\u0000${e.timestamp}\u0000${label}\u0000${e.ew}\u0000${e.ns}`;
    if (!Number.isFinite(tMs) || this.markerKeys[kind].has(key)) return;
    const list = this.markers[kind];
    const m: Marker = { kind, label, character: e.character_name, tMs, ew: e.ew, ns: e.ns, key };
    // Kept oldest first; live events are nearly always the newest, so this is an append.
    let i = list.length;
    while (i > 0 && list[i - 1].tMs > tMs) i--;
    list.splice(i, 0, m);
    this.markerKeys[kind].add(key);
    if (list.length > LIMITS.markers)
      for (const old of list.splice(0, list.length - LIMITS.markers)) this.markerKeys[kind].delete(old.key);
    this.version.markers++;
  }

  addChat(c: ChatEvent): void {
    this.chat.push(c);
    if (this.chat.length > LIMITS.chatLines) this.chat.splice(0, this.chat.length - LIMITS.chatLines);
    this.version.chat++;
  }

  /** A fresh snapshot replaces players and markers (chat is live only and stays). */
  reset(): void {
    this.players.clear();
    for (const k of ['spawn', 'rare'] as const) {
      this.markers[k] = [];
      this.markerKeys[k].clear();
    }
    this.version.players++;
    this.version.markers++;
  }
}
