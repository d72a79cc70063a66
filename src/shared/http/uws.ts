// uWebSockets.js, native only. The registry package we install under this name
// (@trufflesuite/uws-js-unofficial) silently swaps in a `ws`-based fallback when
// UWS_USE_FALLBACK is set or the binary fails to load: refuse both, loudly.
import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';

export class NativeUwsError extends Error {}

function loadNative(): typeof UWS {
  if (process.env.UWS_USE_FALLBACK && !/^(0|false|no)?$/i.test(process.env.UWS_USE_FALLBACK)) {
    throw new NativeUwsError('UWS_USE_FALLBACK is set: refusing the ws-based fallback; unset it to use the native uWebSockets.js binary');
  }
  const mod = createRequire(import.meta.url)('uWebSockets.js') as typeof UWS;
  if (!String(mod.App).includes('[native code]')) {
    throw new NativeUwsError(`uWebSockets.js native binary did not load for Node ${process.versions.node} (ABI ${process.versions.modules}, ${process.platform}-${process.arch}); the JS fallback is refused. Use Node 20 on glibc >= 2.31 x64/arm64`);
  }
  return mod;
}

export const uws = loadNative();
export type { TemplatedApp, HttpResponse, HttpRequest, WebSocket, us_listen_socket } from 'uWebSockets.js';
