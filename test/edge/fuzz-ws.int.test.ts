// fuzz.int.test.ts again, on the ws + node:http transport (docs/transports.md). Where
// native uWS does not load (Node 22+), fuzz.int.test.ts itself runs on ws: skipped here.
import t from 'tap';
import { loadNativeUws } from '../../src/shared/http/uws.js';

if (loadNativeUws().ok) {
  process.env.UWS_USE_FALLBACK = 'true';
  await import('./fuzz.int.test.js');
} else {
  t.plan(0, 'no native uWS on this Node: fuzz.int.test.ts already runs on the ws transport');
}
