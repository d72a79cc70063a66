// Evaluation (docs/alerts.md "Kinds" and "Time"): per-character state derived from the
// telemetry, one sample at a time in stream order, plus a clock for what no event can
// tell (an absence, the end of a death burst). Pure and synchronous: the loop
// (./session.ts) and the rebuild (./rebuild.ts) both drive it, so a rebuild from the log
// raises what the live role raised.
import { alertId } from './alert-id.js';
import type { AlertChange, CharacterState, Sample } from './types.js';
import type { AlertKind } from '../shared/alerts.js';

/** What the kinds are configured with (src/config/alerts.ts); times in milliseconds. */
export interface EvaluationOptions {
  readonly kinds: readonly AlertKind[];
  readonly graceMs: number;
  readonly offlineAfterMs: number;
  readonly idleAfterMs: number;
  readonly idleDistance: number;
  /** Each threshold off when absent. */
  readonly thresholds: { readonly memMb?: number; readonly memHandles?: number; readonly latencyMs?: number };
}

type Muted = (character: string, kind: AlertKind) => boolean;

const iso = (ms: number) => new Date(ms).toISOString();

/** The client metrics over their thresholds, or undefined when the sample carries none of the watched ones. */
function clientOver(s: Sample, t: EvaluationOptions['thresholds']): Record<string, number> | undefined {
  let known = false;
  const over: Record<string, number> = {};
  for (const [field, limit, value] of [
    ['mem_mb', t.memMb, s.memMb],
    ['mem_handles', t.memHandles, s.memHandles],
    ['latency_ms', t.latencyMs, s.latencyMs],
  ] as const) {
    if (limit === undefined || value === undefined) continue;
    known = true;
    if (value > limit) over[field] = value;
  }
  return known ? over : undefined;
}

export class Evaluator {
  readonly characters = new Map<string, CharacterState>();
  /** Characters whose state changed since the last `takeDirty()`. */
  private dirty = new Set<string>();
  private muted: Muted = () => false;
  private readonly on: Readonly<Record<AlertKind, boolean>>;
  private readonly thresholdsDetail: Record<string, number>;

  constructor(private readonly o: EvaluationOptions) {
    this.on = { death: false, offline: false, idle: false, client: false };
    for (const k of o.kinds) (this.on as Record<AlertKind, boolean>)[k] = true;
    const t = o.thresholds;
    this.thresholdsDetail = Object.fromEntries(
      Object.entries({ mem_mb: t.memMb, mem_handles: t.memHandles, latency_ms: t.latencyMs }).filter(
        ([, v]) => v !== undefined,
      ),
    ) as Record<string, number>;
  }

  setMutes(muted: Muted): void {
    this.muted = muted;
  }

  load(character: string, state: CharacterState): void {
    this.characters.set(character, state);
  }

  takeDirty(): Map<string, CharacterState> {
    const out = new Map<string, CharacterState>();
    for (const name of this.dirty) out.set(name, this.characters.get(name)!);
    this.dirty = new Set();
    return out;
  }

  /** One telemetry sample, in stream order. */
  apply(s: Sample, out: AlertChange[]): void {
    const st = this.characters.get(s.character);
    this.dirty.add(s.character);
    if (!st) {
      // The first sample is the baseline: counters rise only from here.
      this.characters.set(s.character, {
        lastTs: s.ts,
        lastReceivedAt: s.receivedAt,
        deaths: s.deaths,
        kills: s.kills,
        anchor: { ew: s.ew, ns: s.ns, since: s.ts },
        open: {},
      });
      return;
    }
    this.arrival(s, st, out);
    // A late event (older than the newest seen) only proves the character reports.
    if (s.ts < st.lastTs) return;
    st.lastTs = s.ts;
    this.deathStep(s, st, out);
    this.idleStep(s, st, out);
    if (this.on.client) this.clientStep(s, st, out);
  }

  /** The clock: absences (wall clock) and death bursts whose character fell silent. */
  tick(clockMs: number, out: AlertChange[]): void {
    for (const [name, st] of this.characters) {
      if (this.on.offline && !st.open.offline && clockMs - st.lastReceivedAt >= this.o.offlineAfterMs) {
        this.raiseOffline(name, st, out);
        this.dirty.add(name);
      }
      if (st.burst && clockMs - st.burst.receivedAt >= this.o.graceMs) {
        this.closeBurst(name, st, out);
        this.dirty.add(name);
      }
    }
  }

  /** offline: an arrival after a longer absence than the limit raises (if the clock did not) and resolves it. */
  private arrival(s: Sample, st: CharacterState, out: AlertChange[]): void {
    const absent = s.receivedAt - st.lastReceivedAt >= this.o.offlineAfterMs;
    if (this.on.offline && absent && !st.open.offline) this.raiseOffline(s.character, st, out);
    if (st.open.offline) {
      this.resolve(s.character, st, 'offline', s.receivedAt, out);
      // The idle clock runs only while the character reports.
      st.anchor = { ew: s.ew, ns: s.ns, since: Math.max(s.ts, st.lastTs) };
    }
    st.lastReceivedAt = Math.max(st.lastReceivedAt, s.receivedAt);
  }

  private raiseOffline(name: string, st: CharacterState, out: AlertChange[]): void {
    const detail = { last_received_at: iso(st.lastReceivedAt), after_seconds: this.o.offlineAfterMs / 1000 };
    this.raise(name, st, 'offline', st.lastReceivedAt, detail, out);
  }

  private deathStep(s: Sample, st: CharacterState, out: AlertChange[]): void {
    if (st.burst && s.ts - st.burst.since >= this.o.graceMs) this.closeBurst(s.character, st, out);
    if (s.deaths === undefined) return;
    const rise = st.deaths === undefined ? 0 : s.deaths - st.deaths;
    st.deaths = s.deaths; // a fall is a new session: the counter restarts
    if (rise <= 0 || !this.on.death) return;
    if (st.burst) {
      st.burst.count += rise;
      st.burst.deaths = s.deaths;
    } else {
      st.burst = { since: s.ts, receivedAt: s.receivedAt, count: rise, deaths: s.deaths };
    }
    if (this.o.graceMs === 0) this.closeBurst(s.character, st, out);
  }

  private closeBurst(name: string, st: CharacterState, out: AlertChange[]): void {
    const b = st.burst!;
    st.burst = undefined;
    this.raise(name, st, 'death', b.since, { count: b.count, deaths: b.deaths }, out, b.since);
  }

  private idleStep(s: Sample, st: CharacterState, out: AlertChange[]): void {
    const killed = s.kills !== undefined && st.kills !== undefined && s.kills > st.kills;
    if (s.kills !== undefined) st.kills = s.kills;
    const moved = Math.hypot(s.ew - st.anchor.ew, s.ns - st.anchor.ns) >= this.o.idleDistance;
    if (killed || moved) {
      this.resolve(s.character, st, 'idle', s.ts, out);
      st.anchor = { ew: s.ew, ns: s.ns, since: s.ts };
      return;
    }
    if (this.on.idle && !st.open.idle && s.ts - st.anchor.since >= this.o.idleAfterMs) {
      const a = st.anchor;
      const detail = { ew: a.ew, ns: a.ns, kills: st.kills ?? null, after_seconds: this.o.idleAfterMs / 1000 };
      this.raise(s.character, st, 'idle', a.since, detail, out);
    }
  }

  /** Over for the grace period raises; back under for the grace period resolves. */
  private clientStep(s: Sample, st: CharacterState, out: AlertChange[]): void {
    const over = clientOver(s, this.o.thresholds);
    if (over === undefined) return;
    const isOver = Object.keys(over).length > 0;
    const open = st.open.client !== undefined;
    if (isOver === open) {
      st.clientSince = undefined;
      st.clientOver = undefined;
      return;
    }
    st.clientSince ??= s.ts;
    if (isOver) st.clientOver = over;
    if (s.ts - st.clientSince < this.o.graceMs) return;
    const since = st.clientSince;
    st.clientSince = undefined;
    if (open) return this.resolve(s.character, st, 'client', s.ts, out);
    const detail = { over: st.clientOver ?? over, thresholds: this.thresholdsDetail };
    st.clientOver = undefined;
    this.raise(s.character, st, 'client', since, detail, out);
  }

  /** A new alert, unless muted (then held silently so it is not raised when unmuted mid-condition). */
  private raise(
    name: string,
    st: CharacterState,
    kind: AlertKind,
    startedAt: number,
    detail: Record<string, unknown>,
    out: AlertChange[],
    resolvedAt: number | null = null,
  ): void {
    const id = alertId(name, kind, startedAt);
    const muted = this.muted(name, kind);
    if (resolvedAt === null) st.open[kind] = muted ? { id, startedAt, detail, muted } : { id, startedAt, detail };
    if (!muted) out.push({ op: 'open', alert: { id, character: name, kind, startedAt, resolvedAt, detail } });
  }

  private resolve(name: string, st: CharacterState, kind: AlertKind, at: number, out: AlertChange[]): void {
    const o = st.open[kind];
    if (!o) return;
    delete st.open[kind];
    if (o.muted) return;
    const alert = {
      id: o.id,
      character: name,
      kind,
      startedAt: o.startedAt,
      resolvedAt: Math.max(at, o.startedAt),
      detail: o.detail,
    };
    out.push({ op: 'resolve', alert });
  }
}
