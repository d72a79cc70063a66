// NATS_SYNC_INTERVAL reaches the private nats-server as its JetStream sync_interval
// (docs/ingest.md "Durability"): provisioning installs nats-server 2.10+, so `always`
// and a duration work out of the box; the server's own /varz shows what it runs with,
// and a JetStream publish round-trips. An older binary an operator puts first on PATH
// is refused in one line: a durability setting is never silently dropped.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startNats, syncIntervalArgs } from '../../src/localstack/nats.js';
import { freePort } from '../../src/localstack/process.js';
import { ensureBinaries } from '../../src/localstack/provision.js';

const dir = mkdtempSync(join(tmpdir(), 'nats-sync-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const { natsServer } = ensureBinaries();
const [major, minor] = (/v?(\d+)\.(\d+)/.exec(execFileSync(natsServer, ['--version'], { encoding: 'utf8' })) ?? [])
  .slice(1)
  .map(Number);
const current = major > 2 || (major === 2 && minor >= 10);
// Where scripts/provision.sh installs (root, and the binary is a Debian package's, as in
// CI), it must have given 2.10+; an operator's own binary first on PATH is left alone.
const provisioned = process.getuid?.() === 0 && fromDebianPackage(natsServer);

t.test(
  'provisioning gives nats-server 2.10+',
  { skip: !provisioned && 'not root, or not a packaged binary' },
  async (t) => {
    t.ok(current, `${natsServer} is ${major}.${minor}`);
  },
);

// What /varz reports: `sync_interval` in nanoseconds (`always` leaves it at the default
// 2 minutes), `sync_always` (left out when false).
const varzSync = (v: any) => ({
  intervalNs: v.jetstream.config.sync_interval,
  always: !!v.jetstream.config.sync_always,
});
for (const [value, expected] of [
  ['always', { intervalNs: 120e9, always: true }],
  ['1s', { intervalNs: 1e9, always: false }],
] as const) {
  t.test(`sync_interval ${value}: the server runs with it`, { skip: !current && 'nats-server < 2.10' }, async (t) => {
    const sub = join(dir, value);
    const monitorPort = await freePort();
    const nats = await startNats({ dir: sub, port: 0, syncInterval: value, monitorPort });
    t.teardown(() => nats.stop());
    t.match(readFileSync(join(sub, 'nats-server.conf'), 'utf8'), `sync_interval: "${value}"`, 'in its config file');
    const v = (await (await fetch(`http://127.0.0.1:${monitorPort}/varz`)).json()) as any;
    t.same(varzSync(v), expected, '/varz shows it in effect');

    const nc = await connect({ servers: nats.url });
    t.teardown(() => nc.close());
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'SYNC', subjects: ['sync.>'] });
    const ack = await jetstream(nc).publish('sync.one', 'stored', { msgID: 'one' });
    t.equal(ack.seq, 1, 'a publish is acknowledged');
    t.equal((await jsm.streams.getMessage('SYNC', { seq: ack.seq }))?.string(), 'stored', 'and reads back');
  });
}

t.test('default: the server keeps its own interval, no config file', async (t) => {
  const monitorPort = await freePort();
  const plain = await startNats({ dir: join(dir, 'plain'), port: 0, syncInterval: 'default', monitorPort });
  t.teardown(() => plain.stop());
  const v = (await (await fetch(`http://127.0.0.1:${monitorPort}/varz`)).json()) as any;
  // 2.9 reports neither field; 2.10+ its own 2 minutes.
  const own = current ? { intervalNs: 120e9, always: false } : { intervalNs: undefined, always: false };
  t.same(varzSync(v), own, "/varz: the server's own interval");
  t.notOk(existsSync(join(dir, 'plain', 'nats-server.conf')), 'started without a config file');
});

t.test('an older nats-server is refused with the reason', async (t) => {
  // Stands in for an operator's 2.9 binary first on PATH: the refusal asks it only for
  // `--version`, before anything is started.
  const old = join(dir, 'old-nats-server');
  writeFileSync(old, '#!/bin/sh\necho "nats-server: v2.9.10"\n');
  chmodSync(old, 0o755);
  t.throws(
    () => syncIntervalArgs(old, join(dir, 'old'), 'always'),
    /NATS_SYNC_INTERVAL=always needs nats-server 2\.10 or newer \(this one is 2\.9, .*old-nats-server\)/,
  );
});

/** The file list of Debian's nats-server package names the binary (dpkg's own record). */
function fromDebianPackage(file: string): boolean {
  try {
    return readFileSync('/var/lib/dpkg/info/nats-server.list', 'utf8').split('\n').includes(realpathSync(file));
  } catch {
    return false;
  }
}
