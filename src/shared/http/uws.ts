// uWebSockets.js types for every route, and the loader of its native binary. The
// registry package we install under this name (@trufflesuite/uws-js-unofficial) ships
// binaries for Node 16/18/20 only and, when none loads, silently swaps in its own
// `ws`-based fallback, which lacks most of what we use (docs/transports.md). So we
// never load the package entry: we load the binary for this Node ourselves, and when
// there is none the process runs our own ws + node:http transport (./transport.ts).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as UWS from 'uWebSockets.js';

export type {
  TemplatedApp,
  HttpResponse,
  HttpRequest,
  WebSocket,
  WebSocketBehavior,
  us_listen_socket,
  us_socket_context_t,
  RecognizedString,
} from 'uWebSockets.js';
export type UwsModule = typeof UWS;

/** The constants routes use, identical on both transports (values of uWS v20). */
export const uws = { DISABLED: 0, SHARED_COMPRESSOR: 1 } as const;

export type NativeLoad = { ok: true; mod: UwsModule; binary: string } | { ok: false; reason: string };

let cached: NativeLoad | undefined;

/** Loads the native binary for this Node (ABI) and platform, once. Never throws. */
export function loadNativeUws(): NativeLoad {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  try {
    const dir = join(dirname(require.resolve('uWebSockets.js/package.json')), 'binaries');
    const mod = require(join(dir, binary)) as UwsModule;
    cached = { ok: true, mod, binary };
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    cached = {
      ok: false,
      reason:
        `no uWebSockets.js binary loads for Node ${process.versions.node} (ABI ${process.versions.modules}, ` +
        `${process.platform}-${process.arch}; the package ships ABIs 93/108/115 = Node 16/18/20): ${why}`,
    };
  }
  return cached;
}
