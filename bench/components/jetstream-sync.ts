// Component figure: what NATS_SYNC_INTERVAL=always costs (docs/ingest.md "Durability").
// Two private nats-servers from src/localstack, one with the server's own interval
// (fsync every 2 minutes) and one with `always` (fsync before each PubAck), their stores
// side by side on the same filesystem, measured A B A B in the same process: JetStream
// publish msgs/s and PubAck latency with 512 in flight through the edge's publisher
// (src/edge/jetstream-publish.ts, 1.8 KB messages as in jetstream-publish.ts), and the
// PubAck latency of one message at a time (the fsync itself, without queueing).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { JetStreamPublisher } from '../../src/edge/jetstream-publish.js';
import { startNats } from '../../src/localstack/nats.js';
import { freePort } from '../../src/localstack/process.js';

/** The part of nats-server's /varz this reads (`sync_always` is left out when false). */
interface VarzSync {
  jetstream: { config: { sync_always?: boolean } };
}

export interface SyncFigures {
  /** Median over the rounds. */
  msgsPerS: number;
  /** PubAck latency with INFLIGHT outstanding (median over the rounds of each round's p50 / p99). */
  p50Ms: number;
  p99Ms: number;
  /** PubAck latency of one message at a time (median over the rounds of each round's p50). */
  serialP50Ms: number;
  /** Each round's msgs/s, in order: the spread. */
  roundsMsgsPerS: number[];
}

export interface JetStreamSyncResult {
  messages: number;
  serialMessages: number;
  rounds: number;
  /** Filesystem type of the stores (`stat -f`): fsync on tmpfs would cost nothing. */
  filesystem: string;
  default: SyncFigures;
  always: SyncFigures;
}

const INFLIGHT = 512;
const SUBJECTS = 1000;
const PAYLOAD = Buffer.alloc(1800, 'x');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const ms2 = (x: number) => Math.round(x * 100) / 100;

interface Round {
  msgsPerS: number;
  p50Ms: number;
  p99Ms: number;
  serialP50Ms: number;
}

/** One round against one server: `messages` with INFLIGHT outstanding, then `serial` one by one. */
async function round(nc: NatsConnection, subject: string, messages: number, serial: number): Promise<Round> {
  const pub = new JetStreamPublisher(nc);
  try {
    const lat: number[] = [];
    let sent = 0;
    let done = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const one = () => {
        if (sent >= messages) return;
        const i = sent++;
        const t = performance.now();
        pub.publish(`${subject}.${i % SUBJECTS}`, PAYLOAD, `${subject}-${i}`, 10_000).then(() => {
          lat.push(performance.now() - t);
          if (++done === messages) resolve();
          else one();
        }, reject);
      };
      for (let k = 0; k < INFLIGHT; k++) one();
    });
    const s = (performance.now() - t0) / 1000;
    const serialLat: number[] = [];
    for (let i = 0; i < serial; i++) {
      const t = performance.now();
      await pub.publish(`${subject}.serial`, PAYLOAD, `${subject}-serial-${i}`, 10_000);
      serialLat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    serialLat.sort((a, b) => a - b);
    return {
      msgsPerS: Math.round(messages / s),
      p50Ms: quantile(lat, 0.5),
      p99Ms: quantile(lat, 0.99),
      serialP50Ms: quantile(serialLat, 0.5),
    };
  } finally {
    pub.close();
  }
}

export async function benchJetStreamSync(
  messages: number,
  serial: number,
  rounds: number,
): Promise<JetStreamSyncResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-bench-sync-'));
  const kinds = ['default', 'always'] as const;
  const monitorPorts = await Promise.all(kinds.map(() => freePort()));
  const servers = await Promise.all(
    kinds.map((k, i) => startNats({ dir: join(dir, k), port: 0, syncInterval: k, monitorPort: monitorPorts[i] })),
  );
  const conns: NatsConnection[] = [];
  try {
    // The figure means something only if each server runs with what its label says.
    for (const [i, k] of kinds.entries()) {
      const varz = (await (await fetch(`http://127.0.0.1:${monitorPorts[i]}/varz`)).json()) as VarzSync;
      if (!!varz.jetstream.config.sync_always !== (k === 'always'))
        throw new Error(`the ${k} nats-server reports sync_always=${varz.jetstream.config.sync_always}`);
    }
    for (const s of servers) conns.push(await connect({ servers: s.url, noAsyncTraces: true }));
    for (const nc of conns)
      await (await jetstreamManager(nc)).streams.add({ name: 'BENCH_SYNC', subjects: ['sync.>'] });
    const per: Record<(typeof kinds)[number], Round[]> = { default: [], always: [] };
    // A B A B: the machine is shared, so both see the same background in each round.
    for (let r = 0; r < rounds; r++) {
      for (const [i, k] of kinds.entries()) per[k].push(await round(conns[i], `sync.r${r}`, messages, serial));
    }
    for (const nc of conns) {
      const { state } = await (await jetstreamManager(nc)).streams.info('BENCH_SYNC');
      if (state.messages !== rounds * (messages + serial))
        throw new Error(`stream holds ${state.messages} messages, ${rounds * (messages + serial)} were acknowledged`);
    }
    const figures = (rs: Round[]): SyncFigures => ({
      msgsPerS: Math.round(median(rs.map((x) => x.msgsPerS))),
      p50Ms: ms2(median(rs.map((x) => x.p50Ms))),
      p99Ms: ms2(median(rs.map((x) => x.p99Ms))),
      serialP50Ms: ms2(median(rs.map((x) => x.serialP50Ms))),
      roundsMsgsPerS: rs.map((x) => x.msgsPerS),
    });
    return {
      messages,
      serialMessages: serial,
      rounds,
      filesystem: execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim(),
      default: figures(per.default),
      always: figures(per.always),
    };
  } finally {
    await Promise.allSettled(conns.map((nc) => nc.close()));
    await Promise.allSettled(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
