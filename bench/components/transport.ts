// Component figure: the HTTP/WebSocket transport alone (docs/transports.md). One
// server per transport in this process with a /ws route that reads each frame as text
// and answers a small JSON reply (the position route's I/O without its validation);
// clients in a child process send frames of telemetry arrays with a window of frames
// in flight. Server CPU per frame is this process's CPU (user + system) over the run;
// transports alternate, best round of each is kept.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { selectTransport, type Transport } from '../../src/shared/http/transport.js';
import type { us_listen_socket } from '../../src/shared/http/uws.js';
import { benchModule } from '../lib/children.js';
import type { BenchTransport } from '../lib/args.js';

export interface TransportResult {
  clients: number;
  frames: number;
  eventsPerFrame: number;
  frameBytes: number;
  byTransport: Partial<Record<BenchTransport, { framesPerS: number; serverCpuUsPerFrame: number }>>;
}

const run = promisify(execFile);
const CLIENTS = 20;
const WINDOW = 8;
const EVENTS_PER_FRAME = 20;

async function serve(transport: Transport): Promise<{ port: number; close(): void }> {
  const app = transport.App();
  let frame = 0;
  app.ws('/ws', {
    maxPayloadLength: 1 << 20,
    maxBackpressure: 1 << 20,
    idleTimeout: 120,
    compression: 0,
    message: (ws, message) => {
      const text = Buffer.from(message).toString('utf8');
      ws.cork(() => {
        ws.send(`{"type":"ack","frame":${++frame},"bytes":${text.length}}`);
      });
    },
  });
  const socket = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('cannot listen')))),
  );
  return { port: transport.localPort(socket), close: () => transport.closeListen(socket) };
}

export async function benchTransports(
  transports: BenchTransport[],
  framesPerClient: number,
  rounds: number,
): Promise<TransportResult> {
  const result: TransportResult = {
    clients: CLIENTS,
    frames: CLIENTS * framesPerClient,
    eventsPerFrame: EVENTS_PER_FRAME,
    frameBytes: 0,
    byTransport: {},
  };
  for (let round = 0; round < rounds; round++) {
    for (const name of transports) {
      const server = await serve(selectTransport(name === 'ws' ? 'true' : 'false'));
      try {
        const cpu0 = process.cpuUsage();
        const { stdout } = await run(process.execPath, [
          ...process.execArgv,
          benchModule('components/transport-client'),
          `ws://127.0.0.1:${server.port}/ws`,
          String(CLIENTS),
          String(framesPerClient),
          String(WINDOW),
          String(EVENTS_PER_FRAME),
        ]);
        const cpu = process.cpuUsage(cpu0);
        const out = JSON.parse(stdout) as { ms: number; frameBytes: number };
        result.frameBytes = out.frameBytes;
        const figure = {
          framesPerS: Math.round(result.frames / (out.ms / 1000)),
          serverCpuUsPerFrame: Math.round(((cpu.user + cpu.system) / result.frames) * 10) / 10,
        };
        const best = result.byTransport[name];
        if (!best || figure.framesPerS > best.framesPerS) result.byTransport[name] = figure;
      } finally {
        server.close();
      }
    }
  }
  return result;
}
