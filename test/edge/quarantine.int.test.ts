// Refused events are kept in the quarantine stream (docs/protocol.md "Refused events"):
// the record's fields, what is not kept (oversized, rate-limited), /ws/live never sees
// them, and a quarantine that refuses every record changes nothing for accepted events.
import t from 'tap';
import { quarantineStreamName, type QuarantineRecord } from '../../src/shared/quarantine.js';
import { startEdgeApp, openPlugin, openLive, telemetry, spawn, type EdgeUnderTest } from './helpers.js';
import { whenCaughtUp } from '../helpers/stack.js';

async function quarantined(edge: EdgeUnderTest): Promise<Array<{ subject: string; record: QuarantineRecord }>> {
  const name = quarantineStreamName(edge.cfg.STREAM_NAME);
  const { state } = await edge.jsm.streams.info(name);
  const out = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
    const m = await edge.jsm.streams.getMessage(name, { seq }).catch(() => null);
    if (m) out.push({ subject: m.subject, record: m.json<QuarantineRecord>() });
  }
  return out;
}

const metric = async (edge: EdgeUnderTest, name: string, reason: string) => {
  const text = await (await fetch(`http://127.0.0.1:${edge.app.port}/metrics`)).text();
  const m = text.match(new RegExp(`^${name}\\{reason="${reason}"\\} (\\d+)`, 'm'));
  return m ? Number(m[1]) : 0;
};

t.test('invalid events and a frame that is not JSON are quarantined with their fields', async (t) => {
  const edge = await startEdgeApp({ WS_MAX_PAYLOAD_BYTES: '4096' });
  // 4 KiB frames: an oversized frame is cheap to send.
  t.teardown(() => edge.stop());
  const live = await openLive(edge);
  const c = await openPlugin(edge, '?ack=1');
  const p = edge.cfg.SUBJECT_PREFIX;

  const badKph = telemetry('Zoë Bold', { kills_per_hour: 'lots', event_id: 'q-1' });
  const noName = { type: 'telemetry', ew: 1, ns: 2, timestamp: new Date().toISOString() };
  c.send([badKph, telemetry('Fine One'), noName]); // frame 1: two refused, one accepted
  c.send('{"type":"telemetry", oops'); // frame 2: malformed_json
  c.send({ type: 'spawn', character_name: 'Spawner', mob: 7 }); // frame 3: invalid spawn
  await c.next((m) => m.type === 'ack' && m.frame === 1);
  await c.next((m) => m.frame === 3);

  const got = await whenCaughtUp(async () => {
    const q = await quarantined(edge);
    return q.length >= 4 ? q : undefined;
  });
  t.equal(got.length, 4, 'four records: two events of frame 1, the malformed frame, the spawn');
  const bySubject = new Map(got.map((g) => [g.subject, g.record]));
  const kph = bySubject.get(`${p}.quarantine.invalid_event.Zo_C3_AB_20Bold`);
  t.ok(kph, 'subject carries reason and character token');
  t.same(JSON.parse(kph!.raw), badKph, 'raw is the event as sent');
  t.equal(kph!.character_name, 'Zoë Bold');
  t.equal(kph!.raw_kind, 'event');
  t.match(kph!.message, /kills_per_hour/);
  t.match(kph!.errors, [{ path: '/kills_per_hour' }]);
  t.ok(Math.abs(Date.parse(kph!.received_at) - Date.now()) < 60_000, 'received_at is the receive time');
  t.notOk(kph!.raw_truncated);

  const anon = bySubject.get(`${p}.quarantine.invalid_event._`);
  t.ok(anon, "an event without a character name goes under '_'");
  t.notOk(anon && 'character_name' in anon);

  const frame = bySubject.get(`${p}.quarantine.malformed_json._`);
  t.same(
    frame && { raw: frame.raw, kind: frame.raw_kind, reason: frame.reason },
    { raw: '{"type":"telemetry", oops', kind: 'frame', reason: 'malformed_json' },
    'a frame that is not JSON is kept as text',
  );
  t.ok(bySubject.get(`${p}.quarantine.invalid_event.Spawner`), 'invalid spawn kept');
  t.equal(await metric(edge, 'tracker_edge_quarantined_total', 'invalid_event'), 3);
  t.equal(await metric(edge, 'tracker_edge_quarantined_total', 'malformed_json'), 1);

  c.send(spawn('Marker'));
  await live.next((m) => m.character_name === 'Marker');
  t.same(
    live.received.map((m) => m.character_name),
    ['Fine One', 'Marker'],
    '/ws/live saw the accepted events only, never a quarantine subject',
  );

  // Last: an oversized frame closes the socket (1009).
  c.send(`[${JSON.stringify(telemetry('Big', { pad: 'x'.repeat(5000) }))}]`);
  await c.next((m) => m.code === 'too_large');
  await c.closed;
  t.equal((await quarantined(edge)).length, 4, 'an oversized frame (too_large) is counted, not quarantined');
  live.close();
});

t.test('raw beyond the per-event size limit is cut and flagged', async (t) => {
  const edge = await startEdgeApp({ WS_MAX_PAYLOAD_BYTES: String(4 * 1024 * 1024) });
  t.teardown(() => edge.stop());
  const c = await openPlugin(edge, '?ack=1');
  const maxPayload = edge.nc.info!.max_payload;
  // Not JSON, so the frame is quarantined whole: bigger than max_payload, within WS_MAX_PAYLOAD_BYTES.
  const text = `{"character_name":"Long","oops":"${'é'.repeat(maxPayload / 2 + 1000)}`;
  c.send(text);
  await c.next((m) => m.code === 'malformed_json');
  const [r] = await whenCaughtUp(async () => {
    const q = await quarantined(edge);
    return q.length ? q : undefined;
  });
  t.equal(r.record.raw_truncated, true);
  t.ok(Buffer.byteLength(r.record.raw) < maxPayload, 'cut below max_payload');
  t.ok(text.startsWith(r.record.raw), 'cut at a character boundary, a prefix of what was sent');
  c.close();
});

t.test('a quarantine that refuses every record never affects accepted events', async (t) => {
  const edge = await startEdgeApp();
  t.teardown(() => edge.stop());
  await edge.jsm.streams.delete(quarantineStreamName(edge.cfg.STREAM_NAME));
  const c = await openPlugin(edge, '?ack=1');
  const frame = [];
  for (let i = 0; i < 50; i++) frame.push(telemetry(`Ok${i}`), { type: 'telemetry', character_name: `Bad${i}` });
  c.send(frame);
  const ack = await c.next((m) => m.type === 'ack');
  t.equal(ack.accepted, 50, 'every valid event acknowledged');
  t.equal(ack.rejected, 50);
  t.equal(await edge.count(), 50, 'every valid event stored (per-character messages)');
  await whenCaughtUp(
    async () => (await metric(edge, 'tracker_edge_quarantine_dropped_total', 'invalid_event')) === 50,
    {
      what: 'all 50 drops counted',
    },
  );
  t.equal(await metric(edge, 'tracker_edge_quarantined_total', 'invalid_event'), 0);
  c.close();
});
