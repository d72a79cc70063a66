// Which HTTP/WebSocket transport starts (docs/transports.md): native uWebSockets.js
// whenever its binary loads for this Node, the ws transport otherwise or when asked;
// UWS_USE_FALLBACK=false refuses to start without the native binary.
import t from 'tap';
import { selectTransport, TransportUnavailableError } from '../../src/shared/http/transport.js';
import { loadNativeUws } from '../../src/shared/http/uws.js';
import { loadConfig } from '../../src/config.js';

/** ABIs the pinned uWebSockets.js build ships binaries for (Node 16, 18, 20). */
const SHIPPED_ABIS = ['93', '108', '115'];
const hasBinary =
  SHIPPED_ABIS.includes(process.versions.modules) && ['linux', 'darwin', 'win32'].includes(process.platform);

t.test(
  `the native binary loads exactly where one ships (Node ${process.versions.node}, ABI ${process.versions.modules})`,
  async (t) => {
    const native = loadNativeUws();
    t.equal(native.ok, hasBinary);
    if (!native.ok)
      t.match(
        native.reason,
        new RegExp(`Node ${process.versions.node} \\(ABI ${process.versions.modules}`),
        'the reason names this Node and its ABI',
      );
  },
);

t.test('auto: native when it loads, else ws with the reason', async (t) => {
  const tr = selectTransport('auto');
  t.equal(tr.name, hasBinary ? 'uws' : 'ws');
  t.match(
    tr.reason,
    hasBinary
      ? /native uWebSockets\.js binary uws_.*\.node loaded/
      : /no uWebSockets\.js binary loads for Node .*; running the ws \+ node:http transport/,
  );
});

t.test('true / 1: ws, even where native loads', async (t) => {
  for (const mode of ['true', '1'] as const) {
    const tr = selectTransport(mode);
    t.equal(tr.name, 'ws', mode);
    t.match(tr.reason, /UWS_USE_FALLBACK asks for the ws/);
  }
});

t.test('false / 0: native, or a clear refusal', async (t) => {
  for (const mode of ['false', '0'] as const) {
    if (hasBinary) t.equal(selectTransport(mode).name, 'uws', mode);
    else {
      const err = (() => {
        try {
          selectTransport(mode);
        } catch (e) {
          return e;
        }
      })();
      t.ok(err instanceof TransportUnavailableError, `${mode}: refused without the binary`);
      t.match(
        (err as Error).message,
        /UWS_USE_FALLBACK=false requires the native uWebSockets\.js, but no uWebSockets\.js binary loads for Node/,
      );
    }
  }
});

t.test('UWS_USE_FALLBACK is validated like every variable', async (t) => {
  t.equal(loadConfig({}).UWS_USE_FALLBACK, 'auto');
  t.equal(loadConfig({ UWS_USE_FALLBACK: '1' }).UWS_USE_FALLBACK, '1');
  t.throws(
    () => loadConfig({ UWS_USE_FALLBACK: 'maybe' }),
    /UWS_USE_FALLBACK must be one of auto, true, false, 1, 0, got "maybe"/,
  );
});
