// Signed messages (docs/security.md "Signed messages"): ingest skips the schema only for
// a message whose Tracker-Sig its own TRACKER_SIGNING_KEY made over exactly that subject
// and payload. Unsigned, forged, re-used or other-key signatures get the full check, so a
// foreign publisher gains nothing by adding the header.
import t from 'tap';
import { headers } from '@nats-io/transport-node';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { subjectFor } from '../../src/shared/subjects.js';
import { encodeEnvelope, eventKey, messageId } from '../../src/shared/envelope.js';
import { messageSigner, SIGNATURE_HEADER } from '../../src/shared/message-signature.js';
import { SIGN_MIN_BYTES } from '../../src/edge/jetstream-publish.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { dbFor, envelope, natsFor, telemetry, type Ev } from './fixtures.js';
import { openClient, SECRET, telemetry as pluginTelemetry } from '../edge/helpers.js';

const KEY = 'k'.repeat(64);

t.test('a valid signature skips the schema; any other is checked in full', async (t) => {
  const cfg = await testConfig({ ROLES: 'ingest', INGEST_BATCH_MAX_WAIT_MS: '20', TRACKER_SIGNING_KEY: KEY });
  const { js, close } = await natsFor(cfg);
  t.teardown(close);
  const db = await dbFor(cfg);
  t.teardown(() => db.end());
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  t.teardown(() => app.stop());
  const subject = subjectFor(cfg.SUBJECT_PREFIX, 'telemetry', 'Bob');
  const ours = messageSigner(KEY);
  const theirs = messageSigner('t'.repeat(64));
  // `deaths: -1` breaks the schema (a counter is at least 0) but fits the column: only
  // the schema can tell, so where it lands shows whether the schema ran.
  const bad = (i: number): Ev => telemetry('Bob', i, { deaths: -1 });
  const send = async (events: Ev[], sig?: (data: Uint8Array) => string) => {
    const data = encodeEnvelope(envelope('telemetry', events));
    const h = headers();
    if (sig) h.set(SIGNATURE_HEADER, sig(data));
    return (await js.publish(subject, data, { msgID: messageId(events.map(eventKey)), headers: h })).seq;
  };
  const signedBySomeoneElse = await send([bad(1)], (d) => theirs.sign(subject, d));
  const unsigned = await send([bad(2)]);
  const garbage = await send([bad(3)], () => 'x'.repeat(43));
  // A valid signature of another message, copied onto this one.
  const copied = encodeEnvelope(envelope('telemetry', [bad(4)]));
  const reused = await send([bad(5)], () => ours.sign(subject, copied));
  const signed = await send([bad(6)], (d) => ours.sign(subject, d));
  // The date-time check is cheap and stricter than the schema's: signed messages keep it.
  const signedZone = await send([telemetry('Bob', 7, { timestamp: '2026-11-25T12:00:00+0100' })], (d) =>
    ours.sign(subject, d),
  );

  const reasons = await whenCaughtUp(async () => {
    const { rows } = await db.query<{ stream_seq: string; reason: string }>(
      'select stream_seq, reason from dead_letters order by stream_seq',
    );
    return rows.length === 5 ? new Map(rows.map((r) => [Number(r.stream_seq), r.reason])) : undefined;
  });
  for (const [name, seq] of Object.entries({ signedBySomeoneElse, unsigned, garbage, reused })) {
    t.match(reasons.get(seq), /^invalid_event: .*\/deaths/, `${name}: refused by the schema`);
  }
  t.match(reasons.get(signedZone), /^invalid_event: .*RFC 3339/, 'signed, zone without colon: still refused');
  const stored = await db.query<{ stream_seq: string; deaths: string }>('select stream_seq, deaths from telemetry');
  t.same(
    stored.rows.map((r) => [Number(r.stream_seq), Number(r.deaths)]),
    [[signed, -1]],
    'only the message our key signed skipped the schema',
  );
  const counted = await app.rt.metrics.getSingleMetricAsString('tracker_ingest_signatures_total');
  t.match(counted, /result="valid"\} 2\b/, 'two valid signatures counted');
  t.match(counted, /result="invalid"\} 3\b/, 'three invalid ones');
  t.match(counted, /result="absent"\} 1\b/, 'one message without');
});

t.test('an edge and ingest in one process agree on a key of their own', async (t) => {
  const cfg = await testConfig({ PLUGIN_SECRET: SECRET, INGEST_BATCH_MAX_WAIT_MS: '20' });
  t.ok(cfg.TRACKER_SIGNING_KEY && cfg.TRACKER_SIGNING_KEY.length >= 32, 'a key was made for the process');
  const db = await dbFor(cfg);
  t.teardown(() => db.end());
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  t.teardown(() => app.stop());
  const client = await openClient(`ws://127.0.0.1:${app.port}/ws/position?ack=1`, { 'X-Plugin-Secret': SECRET });
  t.teardown(() => client.close());
  // A message under SIGN_MIN_BYTES goes unsigned (an HMAC would cost more than it saves).
  client.send(pluginTelemetry('Dave'));
  t.match(await client.next((m) => m.frame === 1), { type: 'ack', accepted: 1 });
  const big = Array.from({ length: 20 }, () => pluginTelemetry('Carol', { note: 'n'.repeat(SIGN_MIN_BYTES / 10) }));
  client.send(big);
  t.match(await client.next((m) => m.frame === 2), { type: 'ack', accepted: 20 });
  await whenCaughtUp(async () => (await db.query('select count(*)::int as n from telemetry')).rows[0].n === 21, {
    what: 'every event written',
  });
  const counted = await app.rt.metrics.getSingleMetricAsString('tracker_ingest_signatures_total');
  t.match(counted, /result="valid"\} [1-9]/, 'the edge signed the large message, ingest verified it');
  t.match(counted, /result="absent"\} [1-9]/, 'the small message went unsigned');
  t.match(counted, /result="invalid"\} 0\b/, 'no signature failed');
});
