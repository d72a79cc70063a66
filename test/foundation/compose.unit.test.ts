// No Docker engine runs here, so check that docker-compose.yml agrees with the config
// module: service names, every app variable is a declared one, ports, URLs, versions.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { allVars, loadConfig } from '../../src/config.js';

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'));
const services = compose.services as Record<string, any>;

t.same(Object.keys(services).sort(), ['app', 'grafana', 'nats', 'prometheus', 'timescaledb']);

t.test('nats: 2.10+ with JetStream on a volume and a health check', async (t) => {
  const [, minor] = /^nats:2\.(\d+)/.exec(services.nats.image) ?? [];
  t.ok(Number(minor) >= 10, `nats image ${services.nats.image} is 2.10+`);
  // The same release line as the tests and `npm start` run: scripts/provision.sh installs
  // at least NATS_MIN (Debian trixie's 2.10.27 on bookworm), and the image is pinned.
  const [, provisioned] =
    /^NATS_MIN=(\d+\.\d+)\./m.exec(readFileSync(new URL('../../scripts/provision.sh', import.meta.url), 'utf8')) ?? [];
  t.match(
    services.nats.image,
    new RegExp(`^nats:${provisioned.replace('.', '\\.')}\\.\\d+-alpine$`),
    `pinned to a ${provisioned}.x release`,
  );
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
  const resolved = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      String(v).replace(/\$\{([A-Z_]+)(:-([^}]*)|:\?[^}]*)?\}/g, (_m, _n, _d, def) => def ?? 'compose-test-secret'),
    ]),
  );
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
  t.same(
    JSON.parse(cmd ?? '[]').filter((w: string) => w.startsWith('--')),
    APP_NODE_FLAGS,
    'Dockerfile CMD',
  );
});

t.test(
  'grafana: pinned image, provisioning and dashboards read-only, admin password from the environment, no anonymous access, port 3000',
  async (t) => {
    const g = services.grafana;
    t.match(g.image, /^grafana\/grafana(-oss)?:\d+\.\d+\.\d+$/, `pinned: ${g.image}`);
    const { GRAFANA_VERSION } = await import('../../grafana/src/model.js');
    t.equal(
      g.image.split(':')[1],
      GRAFANA_VERSION,
      'the dashboards are written for this Grafana version (panel pluginVersion)',
    );
    t.ok(g.volumes.includes('./grafana/provisioning:/etc/grafana/provisioning:ro'));
    t.ok(g.volumes.includes('./grafana/dashboards:/etc/grafana/dashboards:ro'));
    t.match(
      g.environment.GF_SECURITY_ADMIN_PASSWORD,
      /^\$\{GRAFANA_ADMIN_PASSWORD:\?/,
      'required from the environment, no default',
    );
    t.equal(g.environment.GF_AUTH_ANONYMOUS_ENABLED, 'false');
    t.ok(g.ports.includes('3000:3000'));
    const ds = parse(
      readFileSync(new URL('../../grafana/provisioning/datasources/datasources.yml', import.meta.url), 'utf8'),
    );
    const pg = ds.datasources.find((d: any) => d.type === 'grafana-postgresql-datasource');
    for (const ref of [pg.user, pg.secureJsonData.password])
      t.ok(String(ref).slice(1) in g.environment, `${ref} is set in grafana's environment`);
    t.equal(pg.url, `timescaledb:5432`, 'the datasource points at the timescaledb service');
    t.equal(pg.jsonData.database, services.timescaledb.environment.POSTGRES_DB);
    const [, pgMajor] = /-pg(\d+)$/.exec(services.timescaledb.image) ?? [];
    t.equal(pg.jsonData.postgresVersion, Number(pgMajor) * 100, 'postgresVersion matches the timescaledb image');
    t.ok(
      services.timescaledb.volumes.some((v: string) =>
        v.startsWith('./grafana/postgres-init/grafana-reader.sh:/docker-entrypoint-initdb.d/'),
      ),
      'the read-only role is created at first init',
    );
    t.equal(services.timescaledb.environment.GRAFANA_DB_USER, g.environment.GRAFANA_DB_USER);
  },
);

t.test('prometheus: pinned image, scrapes the app /metrics', async (t) => {
  const p = services.prometheus;
  t.match(p.image, /^prom\/prometheus:v\d+\.\d+\.\d+$/, `pinned: ${p.image}`);
  t.ok(p.volumes.includes('./grafana/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro'));
  const cfg = parse(readFileSync(new URL('../../grafana/prometheus/prometheus.yml', import.meta.url), 'utf8'));
  const job = cfg.scrape_configs.find((j: any) => j.job_name === 'tracker');
  t.equal(job.metrics_path, '/metrics');
  const port = (services.app.environment as Record<string, string>).PORT;
  t.same(job.static_configs[0].targets, [`app:${port}`]);
  const ds = parse(
    readFileSync(new URL('../../grafana/provisioning/datasources/datasources.yml', import.meta.url), 'utf8'),
  );
  t.equal(
    ds.datasources.find((d: any) => d.type === 'prometheus').jsonData.timeInterval,
    cfg.global.scrape_interval,
    'the datasource knows the scrape interval',
  );
});
