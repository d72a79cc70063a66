// uWS accepts strings, ArrayBuffers and typed arrays wherever it takes bytes.
import type { RecognizedString } from '../uws.js';

export function toBuffer(s: RecognizedString): Buffer {
  if (typeof s === 'string') return Buffer.from(s, 'utf8');
  if (s instanceof ArrayBuffer) return Buffer.from(s);
  return Buffer.from(s.buffer, s.byteOffset, s.byteLength);
}

/** Header-ish text: strings as given, bytes read one per character (as HTTP does). */
export const toLatin1 = (s: RecognizedString): string => (typeof s === 'string' ? s : toBuffer(s).toString('latin1'));

/** An ArrayBuffer holding exactly these bytes (a copy when the Buffer is a slice of a pool). */
export const toArrayBuffer = (b: Buffer): ArrayBuffer =>
  (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
    ? b.buffer
    : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) as ArrayBuffer;
