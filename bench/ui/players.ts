// Simulated fleet for the UI benchmark: N players on one plugin connection, each
// sending one telemetry sample per second (spread evenly over the second), walking
// randomly over a square area; plus a probe character moved to a new spot on demand.
import WebSocket from 'ws';

export interface Fleet {
  stop(): Promise<void>;
  sent(): number;
  probe(ew: number, ns: number): number;
}

const AREA = 200;
const TICKS_PER_S = 10;

export async function startFleet(url: string, secret: string | undefined, players: number): Promise<Fleet> {
  const ws = new WebSocket(url, { headers: secret ? { 'X-Plugin-Secret': secret } : {} });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const pos = Array.from({ length: players }, () => ({ ew: Math.random() * AREA, ns: Math.random() * AREA, kills: 0 }));
  let sent = 0,
    tick = 0,
    seq = 0;
  const perTick = Math.ceil(players / TICKS_PER_S);
  const timer = setInterval(() => {
    const now = new Date().toISOString();
    const start = (tick++ % TICKS_PER_S) * perTick;
    const frame = [];
    for (let i = start; i < Math.min(players, start + perTick); i++) {
      const p = pos[i];
      p.ew = Math.min(AREA, Math.max(0, p.ew + (Math.random() - 0.5) * 2));
      p.ns = Math.min(AREA, Math.max(0, p.ns + (Math.random() - 0.5) * 2));
      if (Math.random() < 0.05) p.kills++;
      frame.push({
        type: 'telemetry',
        character_name: `p${String(i).padStart(4, '0')}`,
        timestamp: now,
        event_id: `ui-${seq++}`,
        ew: p.ew,
        ns: p.ns,
        z: 0,
        kills: p.kills,
        latency_ms: 20 + Math.random() * 30,
        mem_mb: 300 + Math.random() * 20,
        cpu_pct: Math.random() * 40,
        mem_handles: 900,
      });
    }
    if (frame.length && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(frame));
      sent += frame.length;
    }
  }, 1000 / TICKS_PER_S);
  return {
    sent: () => sent,
    probe: (ew, ns) => {
      const t = Date.now();
      ws.send(
        JSON.stringify({
          type: 'telemetry',
          character_name: 'ui-probe',
          timestamp: new Date(t).toISOString(),
          event_id: `probe-${seq++}`,
          ew,
          ns,
          z: 0,
        }),
      );
      return t;
    },
    stop: async () => {
      clearInterval(timer);
      ws.close();
    },
  };
}

/** Spawns spread over the same area, sent in frames of 1,000 with acks. */
export async function sendSpawns(url: string, secret: string | undefined, count: number): Promise<void> {
  const ws = new WebSocket(`${url}${url.includes('?') ? '&' : '?'}ack=1`, {
    headers: secret ? { 'X-Plugin-Secret': secret } : {},
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const frames = Math.ceil(count / 1000);
  let acked = 0;
  const done = new Promise<void>((resolve) =>
    ws.on('message', (d) => {
      if (JSON.parse(d.toString()).type === 'ack' && ++acked === frames) resolve();
    }),
  );
  const t0 = Date.now() - 3600e3;
  for (let f = 0; f < frames; f++) {
    ws.send(
      JSON.stringify(
        Array.from({ length: Math.min(1000, count - f * 1000) }, (_, i) => {
          const n = f * 1000 + i;
          return {
            type: 'spawn',
            character_name: `p${String(n % 1000).padStart(4, '0')}`,
            timestamp: new Date(t0 + n * 100).toISOString(),
            event_id: `ui-spawn-${n}`,
            mob: `Mob ${n % 37}`,
            ew: Math.random() * AREA,
            ns: Math.random() * AREA,
          };
        }),
      ),
    );
  }
  await done;
  ws.close();
}
