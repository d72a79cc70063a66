// The NATS_SYNC_INTERVAL component of `npm run bench` works: two private nats-servers,
// default and always (checked on their /varz by the component), every publish
// acknowledged and in its stream, and the report shows both with their ratio.
// Correctness of the tool only; speed is never asserted in tests.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { benchJetStreamSync } from '../../bench/components/jetstream-sync.js';
import { markdown, type BenchResults } from '../../bench/lib/report.js';
import { ensureBinaries } from '../../src/localstack/provision.js';

const version = execFileSync(ensureBinaries().natsServer, ['--version'], { encoding: 'utf8' });
const [, minor] = (/v?2\.(\d+)/.exec(version) ?? []).map(Number);

t.test(
  'default against always, same run',
  { skip: !(minor >= 10) && `${version.trim()}: always needs 2.10` },
  async (t) => {
    const r = await benchJetStreamSync(300, 5, 2);
    t.equal(r.rounds, 2);
    for (const k of ['default', 'always'] as const) {
      t.equal(r[k].roundsMsgsPerS.length, 2, `${k}: one figure per round`);
      t.ok(r[k].msgsPerS > 0 && r[k].p99Ms >= r[k].p50Ms && r[k].serialP50Ms > 0, `${k}: ${JSON.stringify(r[k])}`);
    }
    const md = markdown({
      command: 'test',
      startedAt: new Date().toISOString(),
      wallS: 0,
      version: 1,
      machine: { cpus: 1, cpuModel: '?', memoryGb: 1, os: '?', node: '?', durablePostgres: true },
      components: { jetstreamSync: r },
      scenarios: {},
      targets: [],
      notes: [],
    } satisfies BenchResults);
    t.match(md, /NATS_SYNC_INTERVAL=default.*msgs\/s/);
    t.match(md, /NATS_SYNC_INTERVAL=always.*% of the default's msgs\/s/);
  },
);
