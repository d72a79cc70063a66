// Which HTTP/WebSocket server runs this process, chosen once at start:
//   uws  the native uWebSockets.js binary: the default whenever it loads (Node 20), and
//        the path every benchmark measures;
//   ws   our own implementation of the same uWS API subset on `ws` + `node:http`
//        (./ws-transport), for Node versions without a binary (22, 24).
// UWS_USE_FALLBACK: `auto` (default) uws if it loads, else ws; `true`/`1` always ws;
// `false`/`0` uws or refuse to start. Routes never see the difference: they get a
// uWS `TemplatedApp` either way. docs/transports.md has the contract and the costs.
import { loadNativeUws, type TemplatedApp, type us_listen_socket } from './uws.js';
import { createWsApp, wsListenPort, wsListenClose } from './ws-transport/app.js';
import { ErrorCodes, TrackerError } from '../errors.js';

export type TransportName = 'uws' | 'ws';
export type FallbackMode = 'auto' | 'true' | 'false' | '1' | '0';

export interface Transport {
  readonly name: TransportName;
  /** One line for logs, /health and /metrics: why this transport runs. */
  readonly reason: string;
  App(): TemplatedApp;
  localPort(socket: us_listen_socket): number;
  closeListen(socket: us_listen_socket): void;
}

/** UWS_USE_FALLBACK=false and no native uWebSockets.js binary loads (docs/transports.md). */
export class TransportUnavailableError extends TrackerError {
  constructor(message: string) {
    super(ErrorCodes.unavailable, message);
  }
}

const wsTransport = (reason: string): Transport => ({
  name: 'ws',
  reason,
  App: createWsApp,
  localPort: wsListenPort,
  closeListen: wsListenClose,
});

export function selectTransport(mode: FallbackMode = 'auto'): Transport {
  if (mode === 'true' || mode === '1') return wsTransport('UWS_USE_FALLBACK asks for the ws + node:http transport');
  const native = loadNativeUws();
  if (native.ok) {
    const { mod } = native;
    return {
      name: 'uws',
      reason: `native uWebSockets.js binary ${native.binary} loaded`,
      App: () => mod.App(),
      localPort: (s) => mod.us_socket_local_port(s as never),
      closeListen: (s) => mod.us_listen_socket_close(s),
    };
  }
  if (mode === 'false' || mode === '0')
    throw new TransportUnavailableError(
      `UWS_USE_FALLBACK=false requires the native uWebSockets.js, but ${native.reason}`,
    );
  return wsTransport(`${native.reason}; running the ws + node:http transport`);
}
