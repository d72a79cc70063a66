// COPY text encoding and the consumer's defensive decoding of envelopes.
import t from 'tap';
import { encodeRows, escapeCopyText } from '../../src/ingest/copy-text.js';
import { decodeMessage } from '../../src/ingest/decode.js';
import { PoisonError, classify } from '../../src/shared/errors.js';
import { encodeEnvelope } from '../../src/shared/envelope.js';
import { subjectFor } from '../../src/shared/subjects.js';
import { envelope, telemetry, spawnEv } from './fixtures.js';

t.test('escapeCopyText escapes exactly backslash, LF, CR, TAB', async (t) => {
  t.equal(escapeCopyText('plain ünïcødé 🐉'), 'plain ünïcødé 🐉');
  t.equal(escapeCopyText('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
  t.equal(escapeCopyText('\\N'), '\\\\N', 'a literal backslash-N stays text, not NULL');
  t.equal(escapeCopyText('"quotes" and \'single\''), '"quotes" and \'single\'');
  t.equal(
    encodeRows([
      ['x\ty', null, 1.5, -0, 1e21, 42],
      ['', '\\N', 0, 0, 0, 0],
    ]),
    'x\\ty\t\\N\t1.5\t0\t1e+21\t42\n\t\\\\N\t0\t0\t0\t0\n',
  );
});

const P = 'pfx';
const msg = (env: unknown, subject = subjectFor(P, 'telemetry', 'Bob')) => ({
  subject,
  data: typeof env === 'string' ? Buffer.from(env) : encodeEnvelope(env as never),
});
const decode = (m: { subject: string; data: Uint8Array }) =>
  decodeMessage({ prefix: P, maxMessageBytes: 1 << 20 }, m.subject, m.data, 7);

t.test('decodeMessage builds rows in table column order', async (t) => {
  const e = telemetry('Bob', 1, { kills_per_hour: '12.5', mem_handles: 3 });
  const d = decode(msg(envelope('telemetry', [e])));
  if (d.type === 'extension') throw new Error('a telemetry subject decoded as an extension type');
  t.equal(d.spec.table, 'telemetry');
  t.equal(d.rows.length, 1);
  const row = Object.fromEntries(d.spec.columns.map((c, i) => [c, d.rows[0][i]]));
  t.match(row, {
    ts: e.timestamp,
    character_name: 'Bob',
    stream_seq: 7,
    ew: e.ew,
    kills_per_hour: 12.5,
    mem_handles: 3,
    char_tag: null,
  });
});

t.test('decodeMessage refuses what the database must never see', async (t) => {
  const good = () => telemetry('Bob', 1);
  const cases: [string, unknown, RegExp, string?][] = [
    ['bad JSON', '{"v":1,', /undecodable envelope/],
    ['wrong version', { ...envelope('telemetry', [good()]), v: 2 }, /unsupported envelope version/],
    ['ids/events length', { ...envelope('telemetry', [good()]), ids: [] }, /equal-length/],
    ['string coordinate', envelope('telemetry', [{ ...good(), ew: '1' }]), /ew must be a finite number/],
    ['missing ns', envelope('telemetry', [{ ...good(), ns: undefined }]), /ns is required/],
    ['float kills', envelope('telemetry', [{ ...good(), kills: 1.5 }]), /kills must be an integer/],
    ['huge kills', envelope('telemetry', [{ ...good(), kills: 2 ** 63 }]), /kills must be an integer/],
    [
      'kills_per_hour word',
      envelope('telemetry', [{ ...good(), kills_per_hour: 'fast' }]),
      /kills_per_hour must be a finite number or numeric string/,
    ],
    ['bad timestamp', envelope('telemetry', [{ ...good(), timestamp: 'now' }]), /timestamp must be an RFC 3339/],
    ['NUL in text', envelope('telemetry', [{ ...good(), session_id: 'a\u0000b' }]), /NUL/],
    ['lone surrogate', envelope('telemetry', [{ ...good(), vt_state: 'x\ud800' }]), /surrogate/],
    ['object as text', envelope('telemetry', [{ ...good(), char_tag: { a: 1 } }]), /char_tag must be a string/],
    ['type mismatch', envelope('telemetry', [{ ...good(), type: 'spawn' }]), /does not match subject type/],
    ['other character', envelope('telemetry', [telemetry('Alice', 1)]), /does not match the subject's character/],
    ['bad event key', { ...envelope('telemetry', [good()]), ids: ['not-a-uuid'] }, /must be a UUID/],
    ['chat subject', envelope('telemetry', [good()]), /is not pfx/, subjectFor(P, 'chat', 'Bob')],
    [
      'spawn without mob',
      envelope('spawn', [{ ...spawnEv('Bob', 1), mob: undefined }]),
      /mob is required/,
      subjectFor(P, 'spawn', 'Bob'),
    ],
  ];
  for (const [name, env, reason, subject] of cases) {
    try {
      decode(msg(env, subject));
      t.fail(`${name}: accepted`);
    } catch (err) {
      t.ok(err instanceof PoisonError, `${name}: PoisonError`);
      t.match((err as Error).message, reason, `${name}: ${(err as Error).message}`);
    }
  }
});

t.test('database errors: only data classes are data', async (t) => {
  t.equal(classify(Object.assign(new Error('x'), { code: '22P02' })), 'data');
  t.equal(classify(Object.assign(new Error('x'), { code: '23505' })), 'data');
  t.equal(classify(Object.assign(new Error('x'), { code: '57P01' })), 'transient', 'admin shutdown');
  t.equal(classify(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'transient');
  t.equal(classify(new Error('Connection terminated unexpectedly')), 'transient');
});
