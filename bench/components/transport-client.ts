// Client side of the transport component bench (./transport.ts), in its own process so
// the server's CPU is measured alone. argv: url clients frames window eventsPerFrame.
// Each client keeps `window` frames unanswered, then prints one JSON line and exits.
import WebSocket from 'ws';

const [url, clients, frames, windowSize, perFrame] = [process.argv[2], ...process.argv.slice(3).map(Number)];
const event = (i: number) => ({
  type: 'telemetry',
  character_name: `Bench ${i % 100}`,
  timestamp: new Date().toISOString(),
  ew: 12.5,
  ns: -3.25,
  z: 0,
  kills: i,
  session_id: 'bench-session',
});
const frame = JSON.stringify(Array.from({ length: perFrame }, (_, i) => event(i)));

async function client(): Promise<void> {
  const ws = new WebSocket(url);
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  let sent = 0;
  let answered = 0;
  await new Promise<void>((done) => {
    const pump = () => {
      while (sent < frames && sent - answered < windowSize) {
        ws.send(frame);
        sent++;
      }
    };
    ws.on('message', () => {
      if (++answered === frames) done();
      else pump();
    });
    pump();
  });
  ws.close();
}

const started = performance.now();
await Promise.all(Array.from({ length: clients }, client));
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, frameBytes: Buffer.byteLength(frame) })}\n`);
