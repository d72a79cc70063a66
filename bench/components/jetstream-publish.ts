// Component figure: JetStream publishes with PubAcks, 512 in flight, 1.8 KB messages
// over 1,000 subjects (about one latency-run message), through nats.js's `js.publish`
// and through the edge's own publisher (src/edge/jetstream-publish.ts), alternating in
// the same process against the same server. Client CPU per message is process CPU
// (user + system) over the messages; the server's share is not in it.
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { randomBytes } from 'node:crypto';
import { JetStreamPublisher } from '../../src/edge/jetstream-publish.js';

export interface JetStreamPublishResult {
  messages: number;
  /** Best of the rounds, per implementation. */
  natsJs: { msgsPerS: number; cpuUsPerMsg: number };
  edge: { msgsPerS: number; cpuUsPerMsg: number };
}

const INFLIGHT = 512;
const SUBJECTS = 1000;

export async function benchJetStreamPublish(
  natsUrl: string,
  messages: number,
  rounds: number,
): Promise<JetStreamPublishResult> {
  const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  const id = randomBytes(4).toString('hex');
  const stream = `BENCH_PUB_${id}`;
  await jsm.streams.add({ name: stream, subjects: [`benchpub${id}.>`] });
  const js = jetstream(nc);
  const own = new JetStreamPublisher(nc);
  const payload = Buffer.alloc(1800, 'x');
  const impls = {
    natsJs: (s: string, msgId: string) => js.publish(s, payload, { msgID: msgId, timeout: 10_000 }),
    edge: (s: string, msgId: string) => own.publish(s, payload, msgId, 10_000),
  };
  const best = { natsJs: { msgsPerS: 0, cpuUsPerMsg: Infinity }, edge: { msgsPerS: 0, cpuUsPerMsg: Infinity } };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, publish] of Object.entries(impls) as Array<
        [keyof typeof impls, (s: string, m: string) => Promise<unknown>]
      >) {
        let sent = 0;
        let done = 0;
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        await new Promise<void>((resolve, reject) => {
          const one = () => {
            if (sent >= messages) return;
            const i = sent++;
            publish(`benchpub${id}.${i % SUBJECTS}`, `${name}-${round}-${i}`).then(() => {
              if (++done === messages) resolve();
              else one();
            }, reject);
          };
          for (let k = 0; k < INFLIGHT; k++) one();
        });
        const s = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        const b = best[name];
        b.msgsPerS = Math.max(b.msgsPerS, Math.round(messages / s));
        b.cpuUsPerMsg = Math.min(b.cpuUsPerMsg, Math.round(((cpu.user + cpu.system) / messages) * 10) / 10);
      }
    }
  } finally {
    own.close();
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  }
  return { messages, ...best };
}
