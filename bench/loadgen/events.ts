// Realistic event frames, built as strings (JSON.stringify of every event would make the
// load generator, not the server, the bottleneck). About one spawn per five telemetry
// events (docs/benchmarks.md "The load generator"). Every event is unique (per-client `bench_seq`), so no
// event is de-duplicated away by the pipeline's idempotency keys; `bench_sent_ms` is
// the send time (an extra field: allowed by the schema, ignored by the projections).
/** Mob names of generated spawns; the read benchmark's stored spawns use the same. */
export const MOBS = [
  'Drudge Slinker',
  'Olthoi Soldier',
  'Mosswart Mumbler',
  'Tusker Guard',
  'Virindi Profatrix',
  'Banderling Raider',
];
const VT_STATES = ['Combat', 'Navigating', 'Looting', 'Idle'];

export interface FrameShape {
  /** Probability that a frame is a JSON array (else one event object). */
  arrayProbability: number;
  /** Arrays hold 2..arrayMax events. */
  arrayMax: number;
  /** One spawn per `spawnEvery` events (6 = 1 spawn : 5 telemetry). */
  spawnEvery: number;
}

export const DEFAULT_SHAPE: FrameShape = { arrayProbability: 0.5, arrayMax: 50, spawnEvery: 6 };

export class EventFactory {
  private seq = 0;
  private ew: number;
  private ns: number;
  private readonly name: string;
  private readonly session: string;

  constructor(
    readonly characterName: string,
    private readonly shape: FrameShape = DEFAULT_SHAPE,
  ) {
    this.name = JSON.stringify(characterName);
    this.session = JSON.stringify(`s-${characterName.length}-${Math.floor(Math.random() * 1e9).toString(36)}`);
    this.ew = Math.random() * 200 - 100;
    this.ns = Math.random() * 200 - 100;
  }

  /** How many events the next frame holds. */
  nextSize(): number {
    if (Math.random() >= this.shape.arrayProbability) return 1;
    return 2 + Math.floor(Math.random() * (this.shape.arrayMax - 1));
  }

  /** A frame of `n` events (an object when n = 1, else an array). */
  frame(n: number, nowMs = Date.now()): string {
    const ts = JSON.stringify(new Date(nowMs).toISOString());
    if (n === 1) return this.event(ts, nowMs);
    const parts = new Array<string>(n);
    for (let i = 0; i < n; i++) parts[i] = this.event(ts, nowMs);
    return `[${parts.join(',')}]`;
  }

  private event(ts: string, nowMs: number): string {
    const seq = ++this.seq;
    this.ew += (Math.random() - 0.5) * 0.01;
    this.ns += (Math.random() - 0.5) * 0.01;
    const ew = this.ew.toFixed(5);
    const ns = this.ns.toFixed(5);
    if (seq % this.shape.spawnEvery === 0) {
      return `{"type":"spawn","character_name":${this.name},"timestamp":${ts},"mob":"${MOBS[seq % MOBS.length]}","ew":${ew},"ns":${ns},"z":${(seq % 50).toFixed(1)},"bench_seq":${seq},"bench_sent_ms":${nowMs}}`;
    }
    return (
      `{"type":"telemetry","character_name":${this.name},"timestamp":${ts},"ew":${ew},"ns":${ns},"z":${(seq % 90).toFixed(2)},` +
      `"char_tag":"bench","session_id":${this.session},"kills":${seq >> 4},"deaths":${seq >> 12},"rares_found":${seq >> 14},"prismatic_taper_count":${1000 - (seq % 1000)},` +
      `"kills_per_hour":${seq & 1 ? `"${(seq % 977) + 0.5}"` : (seq % 977) + 0.5},"onlinetime":"00:${String(seq % 60).padStart(2, '0')}:00","vt_state":"${VT_STATES[seq % VT_STATES.length]}",` +
      `"latency_ms":${seq % 120},"mem_mb":${(512 + (seq % 64)).toFixed(1)},"cpu_pct":${(seq % 100) / 4},"mem_handles":${900 + (seq % 50)},"bench_seq":${seq},"bench_sent_ms":${nowMs}}`
    );
  }
}

/** A single telemetry event with a known event_id, used as a latency probe. */
export function probeEvent(
  characterName: string,
  eventId: string,
  nowMs: number,
): {
  type: 'telemetry';
  character_name: string;
  event_id: string;
  timestamp: string;
  ew: number;
  ns: number;
  z: number;
  bench_sent_ms: number;
} {
  return {
    type: 'telemetry',
    character_name: characterName,
    event_id: eventId,
    timestamp: new Date(nowMs).toISOString(),
    ew: 1,
    ns: 2,
    z: 3,
    bench_sent_ms: nowMs,
  };
}
