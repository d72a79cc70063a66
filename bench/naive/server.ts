// Baseline (a): the naive port of the old design, for comparison only. A `ws` server
// that parses each frame and does ONE INSERT per event into PostgreSQL (autocommit),
// no NATS, no batching. Like the old `async for msg in ws: await insert(msg)` loop, each
// connection handles one frame at a time (the socket is paused meanwhile, so TCP
// back-pressure reaches the client). Same tables and event keys as the pipeline, so
// the same row counting and latency probes apply.
// GET /metrics exposes `naive_events_accepted_total` (events inserted) so the
// "accepted" figure works as for the edge. With `?ack=1` each frame gets
// `{"type":"ack","frame":n}` once its INSERTs are done, as the edge acks a stored frame
// (docs/protocol.md "Acks"): the bench's flat-out clients keep a window of unacked frames.
//   env: NAIVE_PORT, DATABASE_URL, NAIVE_POOL_MAX (default 10)
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import pg from 'pg';
import { eventKey } from '../../src/shared/envelope.js';

const port = Number(process.env.NAIVE_PORT ?? 0);
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.NAIVE_POOL_MAX ?? 10),
  application_name: 'bench-naive',
});
pool.on('error', () => {});

type Ev = Record<string, unknown> & { type: string; character_name: string; timestamp: string };

const TELEMETRY_COLS = [
  'ew',
  'ns',
  'z',
  'char_tag',
  'session_id',
  'kills',
  'deaths',
  'rares_found',
  'prismatic_taper_count',
  'kills_per_hour',
  'onlinetime',
  'vt_state',
  'latency_ms',
  'mem_mb',
  'cpu_pct',
  'mem_handles',
];
const INSERT_TELEMETRY = `insert into telemetry (ts, character_name, event_key, received_at, stream_seq, ${TELEMETRY_COLS.join(', ')})
  values (${Array.from({ length: 5 + TELEMETRY_COLS.length }, (_, i) => `$${i + 1}`).join(', ')}) on conflict do nothing`;
const INSERT_SPAWN = `insert into spawn_events (ts, character_name, event_key, received_at, stream_seq, mob, ew, ns, z)
  values ($1, $2, $3, $4, 0, $5, $6, $7, $8) on conflict do nothing`;

let inserted = 0;

async function insert(e: Ev, receivedAt: Date): Promise<void> {
  const key = eventKey(e as { type: string; character_name: string; event_id?: string });
  if (e.type === 'telemetry') {
    await pool.query(INSERT_TELEMETRY, [
      e.timestamp,
      e.character_name,
      key,
      receivedAt,
      0,
      ...TELEMETRY_COLS.map((c) => e[c] ?? null),
    ]);
  } else if (e.type === 'spawn') {
    await pool.query(INSERT_SPAWN, [e.timestamp, e.character_name, key, receivedAt, e.mob, e.ew, e.ns, e.z ?? null]);
  }
  // rare/chat: not produced by the load generator.
}

const replyError = (ws: WebSocket, code: string, message: string) => {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'error', code, message }));
};

async function handle(ws: WebSocket, text: string, frame: number, ack: boolean): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    if (ws.readyState === ws.OPEN)
      ws.send(JSON.stringify({ type: 'error', code: 'malformed_json', frame, message: 'frame is not JSON' }));
    return;
  }
  const events = (Array.isArray(parsed) ? parsed : [parsed]) as Ev[];
  const receivedAt = new Date();
  for (const e of events) {
    if (!e || typeof e !== 'object' || typeof e.character_name !== 'string' || typeof e.timestamp !== 'string') {
      replyError(ws, 'invalid_event', 'bad event');
      continue;
    }
    try {
      await insert(e, receivedAt);
      inserted++;
    } catch (err) {
      replyError(ws, 'invalid_event', (err as Error).message);
    }
  }
  if (ack && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'ack', frame }));
}

const http = createServer((req, res) => {
  if (req.url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`naive_events_accepted_total ${inserted}\n`);
    return;
  }
  res.writeHead(req.url === '/health' ? 200 : 404).end();
});
const wss = new WebSocketServer({
  server: http,
  path: '/ws/position',
  perMessageDeflate: false,
  maxPayload: 1024 * 1024,
});
wss.on('connection', (ws, req) => {
  const ack = /[?&]ack=1(&|$)/.test(req.url ?? '');
  let frames = 0;
  // One frame at a time per connection, in order. pause() stops reading the socket, but
  // frames already in the chunk being parsed still arrive, hence the small queue.
  const queue: [string, number][] = [];
  let busy = false;
  const drain = async () => {
    busy = true;
    ws.pause();
    while (queue.length) {
      const [text, frame] = queue.shift()!;
      await handle(ws, text, frame, ack);
    }
    busy = false;
    ws.resume();
  };
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      ++frames;
      replyError(ws, 'binary_frame', 'text frames only');
      return;
    }
    queue.push([String(data), ++frames]);
    if (!busy) void drain();
  });
  ws.on('error', () => {});
});
http.listen(port, '127.0.0.1');
process.once('SIGTERM', () => {
  wss.close();
  http.close();
  void pool.end().finally(() => process.exit(0));
});
