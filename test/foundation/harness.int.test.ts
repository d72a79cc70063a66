// The harness gives real JetStream and real TimescaleDB.
import t from 'tap';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import { getStack, freshDatabase, uniqueName } from '../helpers/stack.js';

t.test('JetStream: stream, Nats-Msg-Id dedup, durable pull consumer, ack', async (t) => {
  const { natsUrl } = await getStack();
  const nc = await connect({ servers: natsUrl });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const name = uniqueName('S');
  const subj = `${name}.x`;
  await jsm.streams.add({ name, subjects: [`${name}.>`], duplicate_window: 120_000_000_000 });
  const js = jetstream(nc);
  const a = await js.publish(subj, 'one', { msgID: 'id-1' });
  const b = await js.publish(subj, 'one again', { msgID: 'id-1' });
  const c = await js.publish(subj, 'two', { msgID: 'id-2' });
  t.equal(a.duplicate, false);
  t.equal(b.duplicate, true, 'same Nats-Msg-Id within the window is a duplicate');
  t.equal(b.seq, a.seq, 'the duplicate reports the original sequence');
  t.equal(c.seq, a.seq + 1);
  t.equal((await jsm.streams.info(name)).state.messages, 2);

  await jsm.consumers.add(name, { durable_name: 'd', ack_policy: AckPolicy.Explicit });
  const consumer = await js.consumers.get(name, 'd');
  const got: string[] = [];
  const iter = await consumer.fetch({ max_messages: 2, expires: 5000 });
  for await (const m of iter) {
    got.push(m.string());
    m.ack();
  }
  t.same(got, ['one', 'two']);
  await whenAcked(jsm, name);
  t.equal((await jsm.consumers.info(name, 'd')).num_ack_pending, 0, 'acks reached the server');
});

async function whenAcked(jsm: Awaited<ReturnType<typeof jetstreamManager>>, name: string) {
  for (let i = 0; i < 100; i++) {
    if ((await jsm.consumers.info(name, 'd')).num_ack_pending === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('TimescaleDB: extension, license, create_hypertable', async (t) => {
  const client = new pg.Client({ connectionString: await freshDatabase() });
  await client.connect();
  t.teardown(() => client.end());
  await client.query('create extension if not exists timescaledb');
  const {
    rows: [lic],
  } = await client.query("select current_setting('timescaledb.license') as license");
  t.match(lic.license, /^(apache|timescale)$/, `license reported: ${lic.license}`);
  await client.query('create table m (ts timestamptz not null, v int)');
  await client.query("select create_hypertable('m', 'ts')");
  await client.query("insert into m select now() - g * interval '1 hour', g from generate_series(1, 100) g");
  const {
    rows: [h],
  } = await client.query(
    "select count(*)::int as n from timescaledb_information.hypertables where hypertable_name = 'm'",
  );
  t.equal(h.n, 1, 'm is a hypertable');
  const {
    rows: [c],
  } = await client.query("select count(*)::int as n from show_chunks('m')");
  t.ok(c.n >= 1, `rows went into chunks (${c.n})`);
});
