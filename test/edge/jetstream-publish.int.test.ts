// The edge's own JetStream publish path (src/edge/jetstream-publish.ts) against the real
// nats-server: PubAcks, duplicate ids, no stream, no reply, a closed publisher.
import t from 'tap';
import { connect } from '@nats-io/transport-node';
import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { JetStreamPublisher, parsePubAck, StoreFullError } from '../../src/edge/jetstream-publish.js';
import { ensureStream, streamConfig } from '../../src/shared/nats.js';
import { RejectedMessageError } from '../../src/shared/errors.js';
import { getStack, uniqueName } from '../helpers/stack.js';

t.test('PubAcks, duplicates, errors and timeouts', async (t) => {
  const { natsUrl } = await getStack();
  const nc = await connect({ servers: natsUrl });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const stream = uniqueName('PUB');
  const prefix = uniqueName('pub');
  await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`] });
  t.teardown(() =>
    jsm.streams.delete(stream).then(
      () => {},
      () => {},
    ),
  );
  const p = new JetStreamPublisher(nc);
  t.teardown(() => p.close());

  const acks = await Promise.all(
    Array.from({ length: 200 }, (_, i) => p.publish(`${prefix}.a.${i % 7}`, Buffer.from(`m${i}`), `id-${i}`, 5000)),
  );
  t.same(
    acks.map((a) => a.seq),
    Array.from({ length: 200 }, (_, i) => i + 1),
    'every message stored, in order',
  );
  t.ok(acks.every((a) => a.stream === stream && !a.duplicate));
  const again = await p.publish(`${prefix}.a.0`, Buffer.from('m0'), 'id-0', 5000);
  t.same(again, { stream, seq: 1, duplicate: true }, 'same Nats-Msg-Id: JetStream reports the duplicate');
  t.equal((await jsm.streams.info(stream)).state.messages, 200);

  await t.rejects(
    p.publish(`${uniqueName('nostream')}.x`, Buffer.from('x'), 'n1', 5000),
    /no responders/,
    'no stream takes the subject',
  );

  // nats.js refuses a message over max_payload before sending (its InvalidArgumentError):
  // no retry can deliver it, so it comes back as a RejectedMessageError.
  const tooBig = Buffer.alloc(nc.info!.max_payload + 1);
  const refused = await p.publish(`${prefix}.a.0`, tooBig, 'big', 5000).catch((err: unknown) => err);
  t.ok(refused instanceof RejectedMessageError, 'over max_payload: rejected for good');
  t.equal((refused as RejectedMessageError).code, 'too_large');
  t.match((refused as Error).message, /^NATS refused the message: .*max_payload/);

  // A core subscriber that never replies: the deadline sweep rejects the publish.
  const silent = `${uniqueName('silent')}.x`;
  const sub = nc.subscribe(silent);
  t.teardown(() => sub.unsubscribe());
  await nc.flush();
  const t0 = Date.now();
  await t.rejects(p.publish(silent, Buffer.from('x'), 's1', 300), /timed out/);
  t.ok(Date.now() - t0 < 2000, 'timed out near its deadline');
  t.equal(p.inflight, 0, 'nothing left pending');

  const late = p.publish(silent, Buffer.from('x'), 's2', 60_000);
  p.close();
  await t.rejects(late, /closed/, 'close() rejects what is pending');
  await t.rejects(p.publish(`${prefix}.a.1`, Buffer.from('x'), 'c1', 1000), /closed/);
});

t.test('parsePubAck: JetStream errors become Errors', async (t) => {
  const msg = (body: string, hdr?: { code: number; description: string }) => ({
    data: Buffer.from(body),
    string: () => body,
    headers: hdr as never,
  });
  t.same(parsePubAck(msg('{"stream":"S","seq":3}')), { stream: 'S', seq: 3, duplicate: false });
  t.throws(
    () => parsePubAck(msg('{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}')),
    /maximum messages exceeded \(503\/10077\)/,
  );
  t.throws(() => parsePubAck(msg('', { code: 503, description: 'No Responders' })), /no responders/);
  t.throws(() => parsePubAck(msg('', { code: 408, description: 'Request Timeout' })), /status 408/);
  t.throws(() => parsePubAck(msg('{"ok":true}')), /invalid PubAck/);
  t.throws(() => parsePubAck(msg('not json')));
});

// Issue 23: at its cap the log refuses (discard: new) and nothing stored is dropped;
// the refusal says which limit was reached (docs/operations.md "Limits").
t.test('a capped tracker stream refuses at the cap with a StoreFullError, and keeps what it holds', async (t) => {
  const { natsUrl } = await getStack();
  const nc = await connect({ servers: natsUrl });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const cfg = {
    STREAM_NAME: uniqueName('CAP'),
    SUBJECT_PREFIX: uniqueName('cap'),
    STREAM_MAX_AGE_SECONDS: 3600,
    STREAM_MAX_BYTES: 64 * 1024,
    STREAM_DUPLICATE_WINDOW_SECONDS: 120,
    STREAM_REPLICAS: 1,
  };
  // An existing stream with the old `discard: old` is brought to `discard: new`.
  await jsm.streams.add({ ...streamConfig(cfg), discard: DiscardPolicy.Old });
  t.teardown(() => jsm.streams.delete(cfg.STREAM_NAME).catch(() => {}));
  await ensureStream(nc, cfg);
  t.equal((await jsm.streams.info(cfg.STREAM_NAME)).config.discard, DiscardPolicy.New, 'ensureStream set discard: new');
  const p = new JetStreamPublisher(nc);
  t.teardown(() => p.close());
  let stored = 0;
  let refused: unknown;
  for (let i = 0; i < 100 && refused === undefined; i++) {
    await p.publish(`${cfg.SUBJECT_PREFIX}.telemetry.c`, Buffer.alloc(4000, 120), `m${i}`, 5000).then(
      () => stored++,
      (err: unknown) => {
        refused = err;
      },
    );
  }
  t.ok(refused instanceof StoreFullError, `refused at the cap after ${stored} messages: ${String(refused)}`);
  t.equal((refused as StoreFullError).kind, 'log_full');
  t.match((refused as Error).message, /the log is full: .*STREAM_MAX_BYTES.*maximum bytes exceeded \(503\/10077\)/);
  const info = await jsm.streams.info(cfg.STREAM_NAME);
  t.equal(info.state.messages, stored, 'every acknowledged message is still there');
  t.equal(info.state.first_seq, 1, 'nothing dropped from the head');
});

t.test('parsePubAck: storage refusals say which store is full', async (t) => {
  const msg = (body: string) => ({ data: Buffer.from(body), string: () => body, headers: undefined as never });
  const err = (body: string) => {
    try {
      parsePubAck(msg(body));
    } catch (e) {
      return e as StoreFullError;
    }
    throw new Error('no error');
  };
  const disk = err('{"error":{"code":503,"err_code":10023,"description":"insufficient resources"},"stream":"S"}');
  t.equal(disk.kind, 'disk_full');
  t.match(disk.message, /^NATS has no room left: .*insufficient resources \(503\/10023\)/);
  t.equal(
    err('{"error":{"code":503,"err_code":10047,"description":"insufficient storage resources available"}}').kind,
    'disk_full',
  );
  t.equal(
    err('{"error":{"code":503,"err_code":10077,"description":"write /x: no space left on device"}}').kind,
    'disk_full',
  );
  t.equal(err('{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}').kind, 'log_full');
  t.notOk(err('{"error":{"code":503,"err_code":10077,"description":"something else"}}') instanceof StoreFullError);
});
