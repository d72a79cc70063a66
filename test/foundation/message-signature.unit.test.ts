// The edge's message signature (docs/security.md "Signed messages") and the private
// stack's kept key (src/localstack/signing-key.ts).
import t from 'tap';
import { createHmac } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageSigner, SIGNATURE_CHARS } from '../../src/shared/message-signature.js';
import { stackSigningKey } from '../../src/localstack/signing-key.js';

const KEY = 'a'.repeat(64);
const subject = 'tracker.telemetry.Bob';
const payload = Buffer.from('{"v":1}');

t.test('an HMAC-SHA256 over subject, NUL and payload, base64url', async (t) => {
  const sig = messageSigner(KEY).sign(subject, payload);
  const expected = createHmac('sha256', KEY).update(`${subject}\0{"v":1}`).digest('base64url');
  t.equal(sig, expected, 'the documented construction');
  t.equal(sig.length, SIGNATURE_CHARS);
});

t.test('verify accepts only this key over exactly this subject and payload', async (t) => {
  const s = messageSigner(KEY);
  const sig = s.sign(subject, payload);
  t.ok(s.verify(subject, payload, sig), 'the signature it made');
  t.notOk(s.verify(subject, Buffer.from('{"v":2}'), sig), 'another payload');
  t.notOk(s.verify('tracker.telemetry.Eve', payload, sig), 'another subject');
  t.notOk(messageSigner('b'.repeat(64)).verify(subject, payload, sig), 'another key');
  t.notOk(s.verify(subject, payload, undefined), 'no header');
  t.notOk(s.verify(subject, payload, ''), 'an empty header');
  t.notOk(s.verify(subject, payload, sig.slice(1)), 'too short');
  t.notOk(s.verify(subject, payload, `${sig}A`), 'too long');
  t.notOk(s.verify(subject, payload, '!'.repeat(SIGNATURE_CHARS)), 'not base64url');
});

t.test('the private stack keeps one key in DATA_DIR', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'signing-key-'));
  const first = await stackSigningKey(dir);
  t.match(first, /^[0-9a-f]{64}$/, '256 random bits, hex');
  t.equal(await stackSigningKey(dir), first, 'the next process of the stack reads the same key');
  t.equal(statSync(join(dir, 'signing-key')).mode & 0o777, 0o600, 'readable by its owner only');
  t.not(await stackSigningKey(mkdtempSync(join(tmpdir(), 'signing-key-'))), first, 'another stack, another key');
  const short = mkdtempSync(join(tmpdir(), 'signing-key-'));
  writeFileSync(join(short, 'signing-key'), 'too short\n');
  await t.rejects(
    stackSigningKey(short),
    /signing-key holds no signing key of at least 32 characters: delete it/,
    'a file too short to be a key is refused by name, never overwritten',
  );
});
