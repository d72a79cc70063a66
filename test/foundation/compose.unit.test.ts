// No Docker engine runs here, so check that docker-compose.yml agrees with the config
// module: service names, every app variable is a declared one, ports, URLs, versions.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { allVars, loadConfig } from '../../src/shared/config.js';

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'));
const services = compose.services as Record<string, any>;

t.same(Object.keys(services).sort(), ['app', 'nats', 'timescaledb']);

t.test('nats: 2.10+ with JetStream on a volume and a health check', async (t) => {
  const [, minor] = /^nats:2\.(\d+)/.exec(services.nats.image) ?? [];
  t.ok(Number(minor) >= 10, `nats image ${services.nats.image} is 2.10+`);
  t.ok(services.nats.command.includes('-js'));
  t.match(services.nats.volumes[0], /:\/data$/);
  t.ok(services.nats.healthcheck);
});

t.test('timescaledb: community image on pg16/pg17 with a health check', async (t) => {
  t.match(services.timescaledb.image, /^timescale\/timescaledb:.*-pg1[67]$/);
  t.ok(services.timescaledb.healthcheck);
});

t.test('app: its environment is valid for the config module and points at the services', async (t) => {
  const env = services.app.environment as Record<string, string>;
  for (const name of Object.keys(env)) t.ok(name in allVars, `${name} is a declared variable`);
  const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{([A-Z_]+)(:-([^}]*)|:\?[^}]*)?\}/g, (_m, _n, _d, def) => def ?? 'compose-test-secret')]));
  const cfg = loadConfig(resolved);
  t.match(cfg.DATABASE_URL, /@timescaledb:5432\/tracker$/);
  t.equal(cfg.NATS_URL, 'nats://nats:4222');
  t.ok(services.app.ports.includes(`${cfg.PORT}:${cfg.PORT}`), 'the app port is published');
  t.equal(services.timescaledb.environment.POSTGRES_DB, 'tracker');
  t.same(Object.keys(services.app.depends_on).sort(), ['nats', 'timescaledb']);
});

t.test('the app runs with the same V8 flags everywhere: npm start, the Dockerfile, the bench', async (t) => {
  const { APP_NODE_FLAGS } = await import('../../bench/lib/children.js');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const startFlags = (pkg.scripts.start as string).split(/\s+/).filter((w) => w.startsWith('--'));
  t.same(startFlags, APP_NODE_FLAGS, 'package.json start');
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'))?.[1];
  t.same(JSON.parse(cmd ?? '[]').filter((w: string) => w.startsWith('--')), APP_NODE_FLAGS, 'Dockerfile CMD');
});
