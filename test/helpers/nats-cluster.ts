// A 3-node (or N-node) nats-server cluster with JetStream on loopback, for the drills
// (test/drills/). Each node has its own client port, cluster port, store dir and log;
// a node can be SIGKILLed and started again on the same ports and store, as an
// operator would after a crash. Config syntax is nats-server 2.9's (Debian bookworm):
// JetStream clustering needs `server_name` and a named `cluster` with explicit routes
// (docs/operations.md "Cluster layout").
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ensureBinaries } from '../../src/localstack/provision.js';
import { canConnect, freePort, isAlive, spawnService, stopPid, waitFor } from '../../src/localstack/process.js';
import { whenCaughtUp } from './stack.js';

export interface ClusterNode {
  readonly name: string;
  readonly port: number;
  readonly clusterPort: number;
  readonly url: string;
  readonly logFile: string;
  pid(): number | undefined;
  running(): boolean;
  /** Starts the node (again) on its own ports and store dir; resolves once it takes clients. */
  start(): Promise<void>;
  /** SIGKILL: no flush, no goodbye to its peers (a crash). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface NatsCluster {
  readonly nodes: ClusterNode[];
  /** Every client URL, comma-separated (the NATS_URL of the roles). */
  readonly urls: string;
  node(name: string): ClusterNode;
  stop(): Promise<void>;
}

function nodeConfig(name: string, port: number, clusterPort: number, routes: number[], storeDir: string): string {
  return [
    `server_name: ${name}`,
    `listen: 127.0.0.1:${port}`,
    `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
    'cluster {',
    '  name: tracker-drill',
    `  listen: 127.0.0.1:${clusterPort}`,
    `  routes: [${routes.map((p) => `nats-route://127.0.0.1:${p}`).join(', ')}]`,
    '}',
    '',
  ].join('\n');
}

export async function startNatsCluster(dir: string, size = 3): Promise<NatsCluster> {
  const { natsServer } = ensureBinaries();
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const clusterPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const nodes: ClusterNode[] = ports.map((port, i) => {
    const name = `n${i + 1}`;
    const nodeDir = join(dir, name);
    mkdirSync(nodeDir, { recursive: true });
    const conf = join(nodeDir, 'nats-server.conf');
    writeFileSync(
      conf,
      nodeConfig(
        name,
        port,
        clusterPorts[i],
        clusterPorts.filter((_, j) => j !== i),
        join(nodeDir, 'jetstream'),
      ),
    );
    const logFile = join(nodeDir, 'nats-server.log');
    let child: ChildProcess | undefined;
    return {
      name,
      port,
      clusterPort: clusterPorts[i],
      url: `nats://127.0.0.1:${port}`,
      logFile,
      pid: () => child?.pid,
      running: () => !!child?.pid && isAlive(child.pid),
      async start() {
        child = spawnService(natsServer, ['-c', conf], logFile);
        let exit: string | undefined;
        child.once('exit', (code, sig) => {
          exit = `nats-server ${name} exited (${code ?? sig}); see ${logFile}`;
        });
        await waitFor(
          `nats-server ${name} on port ${port}`,
          () => canConnect('127.0.0.1', port),
          15000,
          () => exit,
        );
      },
      async kill() {
        if (child?.pid) await stopPid(child.pid, 'SIGKILL', 1000);
      },
      async stop() {
        if (child?.pid) await stopPid(child.pid, 'SIGTERM', 10000);
      },
    };
  });
  await Promise.all(nodes.map((n) => n.start()));
  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    node: (name) => nodes.find((n) => n.name === name)!,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  await whenJetStreamReady(cluster);
  return cluster;
}

/** The JetStream meta group has elected a leader (before that, stream creation fails). */
export async function whenJetStreamReady(cluster: NatsCluster, timeoutMs = 60000): Promise<void> {
  const nc = await connect({ servers: cluster.urls.split(','), maxReconnectAttempts: -1 });
  try {
    // jetstreamManager() itself asks for the account info, which fails until then.
    await whenCaughtUp(
      async () => {
        await jetstreamManager(nc, { timeout: 2000 });
        return true;
      },
      { timeoutMs, what: 'JetStream meta leader elected' },
    );
  } finally {
    await nc.close();
  }
}

/**
 * The stream's cluster state: leader and replicas as the current leader reports them,
 * and, with `consumer`, that durable's leader (a consumer's Raft group elects its own).
 */
export async function streamCluster(
  cluster: NatsCluster,
  stream: string,
  consumer?: string,
): Promise<{
  leader?: string;
  replicas: Array<{ name: string; current: boolean; lag?: number }>;
  consumerLeader?: string;
}> {
  const nc = await connect({
    servers: cluster.nodes.filter((n) => n.running()).map((n) => n.url),
    maxReconnectAttempts: 0,
  });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 2000 });
    const info = await jsm.streams.info(stream);
    const consumerLeader = consumer ? (await jsm.consumers.info(stream, consumer)).cluster?.leader : undefined;
    return {
      leader: info.cluster?.leader,
      replicas: (info.cluster?.replicas ?? []).map((r) => ({ name: r.name, current: r.current, lag: r.lag })),
      consumerLeader,
    };
  } finally {
    await nc.close();
  }
}
