import t from 'tap';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/shared/errors.js';

t.test('defaults', async (t) => {
  const cfg = loadConfig({});
  t.equal(cfg.PORT, 8765);
  t.equal(cfg.HOST, '127.0.0.1');
  t.same(cfg.ROLES, ['edge', 'ingest', 'api', 'alerts']);
  t.ok(Object.isFrozen(cfg));
});

t.test('bad values are rejected with one line naming the variable', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^PORT must be an integer from 0 to 65535, got "abc"$/],
    [{ PORT: '70000' }, /^PORT must be an integer from 0 to 65535, got "70000"$/],
    [
      { DATABASE_URL: 'mysql://x' },
      /^DATABASE_URL must be a URL starting with postgres:\/\/ or postgresql:\/\/, got <hidden>$/,
    ],
    [{ NATS_URL: 'localhost:4222' }, /^NATS_URL must be a URL starting with nats:\/\//],
    [{ ROLES: 'edge,web' }, /^ROLES must be a comma-separated list of edge, ingest, api, alerts, got "edge,web"$/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    [{ MIGRATE_ON_START: 'maybe' }, /^MIGRATE_ON_START must be true or false/],
    [{ PLUGIN_SECRET: 'short' }, /^PLUGIN_SECRET must be a string of at least 8 characters, got <hidden>$/],
    [{ HOST: '0.0.0.0' }, /^PLUGIN_SECRET must be set when HOST \(0\.0\.0\.0\) is not a loopback address$/],
    [
      { INGEST_PULL_MAX_MESSAGES: '5000', INGEST_MAX_ACK_PENDING: '10' },
      /^INGEST_MAX_ACK_PENDING must be at least INGEST_PULL_MAX_MESSAGES \(5000\), got 10$/,
    ],
    [
      { STREAM_MAX_AGE_SECONDS: '40' },
      /^STREAM_DUPLICATE_WINDOW_SECONDS must be at most STREAM_MAX_AGE_SECONDS \(40\), got 120$/,
    ],
  ];
  for (const [env, re] of cases) {
    const err = t.throws(() => loadConfig(env)) as ConfigError;
    t.type(err, ConfigError);
    t.match(err.message, re, JSON.stringify(env));
    t.notMatch(err.message, /\n/, 'one line');
  }
});

t.test('the process exits non-zero with the one-line error', async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'check-config'], {
    env: { ...process.env, PORT: 'nope' },
    encoding: 'utf8',
  });
  t.equal(r.status, 2, 'exit code 2 = configuration error');
  t.equal(r.stderr.trim(), 'config error: PORT must be an integer from 0 to 65535, got "nope"');
});
