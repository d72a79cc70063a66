// NATS_SYNC_INTERVAL reaches the private nats-server as its JetStream sync_interval,
// or is refused in one line where the server is too old to honour it (docs/ingest.md
// "Durability"): a durability setting is never silently dropped.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats } from '../../src/localstack/nats.js';
import { ensureBinaries } from '../../src/localstack/provision.js';

t.test('sync_interval always: applied, or refused with the reason', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nats-sync-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { natsServer } = ensureBinaries();
  const [major, minor] = (/v?(\d+)\.(\d+)/.exec(execFileSync(natsServer, ['--version'], { encoding: 'utf8' })) ?? [])
    .slice(1)
    .map(Number);
  if (major > 2 || (major === 2 && minor >= 10)) {
    const nats = await startNats({ dir, port: 0, syncInterval: 'always' });
    t.teardown(() => nats.stop());
    t.match(
      readFileSync(join(dir, 'nats-server.conf'), 'utf8'),
      /sync_interval: "always"/,
      'the server runs with sync_interval always',
    );
  } else {
    await t.rejects(
      startNats({ dir, port: 0, syncInterval: 'always' }),
      /NATS_SYNC_INTERVAL=always needs nats-server 2\.10 or newer \(this one is 2\.9\)/,
      `nats-server ${major}.${minor} cannot sync always: refused, not ignored`,
    );
  }
  const plain = await startNats({ dir: join(dir, 'plain'), port: 0, syncInterval: 'default' });
  t.teardown(() => plain.stop());
  t.ok(plain.url.startsWith('nats://127.0.0.1:'), 'default: the server starts with its own sync interval');
});
