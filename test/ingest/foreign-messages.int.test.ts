// Anyone with NATS access can publish on the stream's subjects. Each class of bad
// message is dead-lettered with its own reason code, the valid message published right
// after it is written, and /health stays ok (docs/ingest.md "Foreign and malformed
// messages"). Messages are published raw with a plain NATS client.
import t from 'tap';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { subjectFor } from '../../src/shared/subjects.js';
import { encodeEnvelope, eventKey } from '../../src/shared/envelope.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { dbFor, envelope, natsFor, publish, publishRaw, telemetry, spawnEv } from './fixtures.js';

const MAX_MESSAGE_BYTES = 4096;

t.test('foreign messages: isolated one by one, the stream flows on', async (t) => {
  const cfg = await testConfig({
    ROLES: 'ingest',
    INGEST_BATCH_MAX_WAIT_MS: '20',
    INGEST_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
  });
  const { js, close } = await natsFor(cfg);
  t.teardown(close);
  const db = await dbFor(cfg);
  t.teardown(() => db.end());
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  t.teardown(() => app.stop());
  const health = async () =>
    (await fetch(`http://127.0.0.1:${app.port}/health`)).json() as Promise<{
      status: string;
      checks: { ingest: { ok: boolean; reason?: string } };
    }>;

  const P = cfg.SUBJECT_PREFIX;
  const bob = subjectFor(P, 'telemetry', 'Bob');
  const good = () => telemetry('Bob', 1);
  const env = (over: Record<string, unknown>, events = [good()]) =>
    JSON.stringify({ ...envelope('telemetry', events), ...over });
  const cases: { name: string; subject: string; data: string | Uint8Array; code: string; detail: RegExp }[] = [
    { name: 'empty payload', subject: bob, data: '', code: 'empty_payload', detail: /empty/ },
    {
      name: 'huge payload',
      subject: bob,
      data: env({ pad: 'x'.repeat(MAX_MESSAGE_BYTES) }),
      code: 'too_large',
      detail: /INGEST_MAX_MESSAGE_BYTES/,
    },
    { name: 'not JSON', subject: bob, data: 'hello, stream', code: 'not_json', detail: /undecodable envelope/ },
    {
      name: 'not UTF-8',
      subject: bob,
      data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
      code: 'not_json',
      detail: /undecodable envelope/,
    },
    { name: 'JSON array', subject: bob, data: '[1,2,3]', code: 'not_envelope', detail: /not an object/ },
    {
      name: 'object without arrays',
      subject: bob,
      data: '{"v":1,"type":"telemetry"}',
      code: 'not_envelope',
      detail: /`events` and `ids`/,
    },
    { name: 'unknown version', subject: bob, data: env({ v: 2 }), code: 'unknown_version', detail: /version 2/ },
    {
      name: 'envelope type vs subject',
      subject: bob,
      data: env({ type: 'spawn' }),
      code: 'type_mismatch',
      detail: /envelope type "spawn"/,
    },
    {
      name: 'event type vs subject',
      subject: bob,
      data: env({}, [{ ...good(), type: 'spawn' }]),
      code: 'type_mismatch',
      detail: /events\[0\]\.type/,
    },
    {
      name: 'undecodable token (regression: a_zz)',
      subject: `${P}.spawn.a_zz`,
      data: encodeEnvelope(envelope('spawn', [spawnEv('a', 1)])),
      code: 'bad_subject',
      detail: /a_zz/,
    },
    {
      name: 'non-canonical token',
      subject: `${P}.telemetry.B_6Fb`,
      data: env({}),
      code: 'bad_subject',
      detail: /B_6Fb/,
    },
    {
      name: 'four tokens',
      subject: `${P}.telemetry.Bob.extra`,
      data: env({}),
      code: 'bad_subject',
      detail: /Bob\.extra/,
    },
    {
      name: 'character vs token',
      subject: bob,
      data: env({}, [telemetry('Alice', 1)]),
      code: 'character_mismatch',
      detail: /"Alice"/,
    },
    {
      name: 'ids and events lengths',
      subject: bob,
      data: env({ ids: [] }),
      code: 'ids_events_mismatch',
      detail: /got 1 and 0/,
    },
    { name: 'bad event key', subject: bob, data: env({ ids: ['not-a-uuid'] }), code: 'invalid_key', detail: /UUID/ },
    {
      name: 'field of the wrong type',
      subject: bob,
      data: env({}, [{ ...good(), kills: 'many' }]),
      code: 'invalid_event',
      detail: /kills must be an integer/,
    },
    {
      name: 'fails the event schema',
      subject: bob,
      data: env({}, [{ ...good(), vt_state: 'v'.repeat(33) }]),
      code: 'invalid_event',
      detail: /fails the telemetry schema: \/vt_state/,
    },
    {
      name: 'negative counter',
      subject: bob,
      data: env({}, [{ ...good(), deaths: -1 }]),
      code: 'invalid_event',
      detail: /\/deaths/,
    },
  ];

  for (const [i, c] of cases.entries()) {
    const seq = await publishRaw(js, c.subject, c.data, `bad-${i}`);
    const after = telemetry(`After${i}`, i);
    await publish(js, P, [after]);
    const letter = await whenCaughtUp(
      async () =>
        (await db.query('select reason from dead_letters where stream_seq = $1', [seq])).rows[0] as
          | { reason: string }
          | undefined,
      { what: `${c.name}: dead letter` },
    );
    t.ok(letter.reason.startsWith(`${c.code}: `), `${c.name}: reason ${letter.reason.slice(0, 160)}`);
    t.match(letter.reason, c.detail, `${c.name}: reason says what is wrong`);
    const landed = await whenCaughtUp(
      async () =>
        (await db.query('select count(*)::int as n from telemetry where event_key = $1', [eventKey(after)])).rows[0]
          .n === 1,
      { what: `${c.name}: the next valid event` },
    );
    t.ok(landed, `${c.name}: the valid event published after it is written`);
    const h = await health();
    t.ok(h.checks.ingest.ok && h.status === 'ok', `${c.name}: /health stays ok (${h.checks.ingest.reason ?? 'ok'})`);
  }
  const { rows } = await db.query('select count(*)::int as n, bool_and(length(payload) >= 0) as raw from dead_letters');
  t.equal(rows[0].n, cases.length, 'one dead letter per bad message, with its raw bytes');
  const raw = await db.query('select payload from dead_letters where reason like $1', ['not_json: %']);
  t.same(
    raw.rows.map((r) => Buffer.from(r.payload).toString('hex')).sort(),
    [Buffer.from('hello, stream').toString('hex'), '7bfffe7d'].sort(),
    'raw bytes kept as published',
  );
  const isolated = await app.rt.metrics.getSingleMetricAsString('tracker_ingest_isolated_total');
  for (const code of new Set(cases.map((c) => c.code))) {
    const n = cases.filter((c) => c.code === code).length;
    t.match(
      isolated,
      new RegExp(`tracker_ingest_isolated_total\\{reason="${code}"\\} ${n}\\b`),
      `isolation counted for ${code}`,
    );
  }
  const errors = await app.rt.metrics.getSingleMetricAsString('tracker_ingest_errors_total');
  t.match(
    errors,
    /kind="consumer"\} 0/,
    'the consumer was never recreated (regression: a_zz used to throw outside poison handling)',
  );
});
