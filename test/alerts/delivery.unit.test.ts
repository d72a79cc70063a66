// The webhook sender's rules without services: which body a URL gets, the SSRF guard at
// config load, the backoff, Retry-After and which statuses are retried (docs/alerts.md "Webhooks").
import t from 'tap';
import { alertDeliveryOptions, loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/shared/errors.js';
import { isLoopbackHost, webhookFormat, webhookLabel } from '../../src/alerts/delivery/webhook-url.js';
import { backoffMs, isRetryableStatus, outcomeOfStatus, retryAfterMs } from '../../src/alerts/delivery/schedule.js';
import { dashboardUrl, notificationText, type Notification } from '../../src/alerts/delivery/message.js';

t.test('the body format is decided by the path shape on the service hosts and on loopback', async (t) => {
  const cases: [string, string][] = [
    ['https://discord.com/api/webhooks/123/abc', 'discord'],
    ['https://discordapp.com/api/webhooks/123/abc', 'discord'],
    ['https://canary.discord.com/api/v10/webhooks/123/abc', 'discord'],
    ['http://127.0.0.1:8080/api/webhooks/1/abc', 'discord'],
    ['http://[::1]:8080/api/webhooks/1/abc', 'discord'],
    ['https://hooks.slack.com/services/T0/B0/xyz', 'slack'],
    ['http://localhost:9/services/T0/B0/xyz', 'slack'],
    ['https://discord.com/api/webhooks/123', 'generic'],
    ['https://example.com/api/webhooks/123/abc', 'generic'],
    ['https://hooks.example.com/services/T0/B0/xyz', 'generic'],
    ['https://ops.example/hook', 'generic'],
  ];
  for (const [url, want] of cases) t.equal(webhookFormat(url), want, url);
  t.ok(isLoopbackHost('127.8.9.10'));
  t.notOk(isLoopbackHost('128.0.0.1'));
  t.notOk(isLoopbackHost('127.0.0.1.example.com'));
});

t.test('the SSRF guard: https, or http on loopback or when allowed; a clear error naming the variable', async (t) => {
  const ok = ['https://discord.com/api/webhooks/1/a', 'http://127.0.0.1:9/x', 'http://localhost/x', 'http://[::1]/x'];
  t.same(alertDeliveryOptions(loadConfig({ ALERT_WEBHOOK_URLS: ok.join(' , ') })).webhookUrls, ok, 'trimmed, in order');
  t.same(alertDeliveryOptions(loadConfig({})).webhookUrls, [], 'unset: no webhooks');
  for (const [urls, pattern] of [
    [
      'https://a.example/x,http://10.0.0.5/hook',
      /^ALERT_WEBHOOK_URLS entry 2 \(http:\/\/10\.0\.0\.5\) must be https unless/,
    ],
    ['ftp://a.example/x', /entry 1 \(ftp:\/\/a\.example\) must be https/],
    ['not a url', /entry 1 is not a URL/],
    ['https://user:pw@a.example/x', /must not carry credentials/],
  ] as const) {
    t.throws(() => loadConfig({ ALERT_WEBHOOK_URLS: urls }), ConfigError, urls);
    try {
      loadConfig({ ALERT_WEBHOOK_URLS: urls });
    } catch (err) {
      t.match((err as ConfigError).message, pattern);
      t.equal((err as ConfigError).variable, 'ALERT_WEBHOOK_URLS');
      t.notMatch((err as Error).message, /\/hook|\/x|pw/, 'the path (the secret) is not in the message');
    }
  }
  t.same(
    alertDeliveryOptions(loadConfig({ ALERT_WEBHOOK_URLS: 'http://10.0.0.5/hook', ALERT_WEBHOOK_ALLOW_HTTP: 'true' }))
      .webhookUrls,
    ['http://10.0.0.5/hook'],
    'ALERT_WEBHOOK_ALLOW_HTTP=true lets http through',
  );
  t.throws(
    () => loadConfig({ ALERT_WEBHOOK_BACKOFF_MIN_MS: '5000', ALERT_WEBHOOK_BACKOFF_MAX_MS: '1000' }),
    /ALERT_WEBHOOK_BACKOFF_MAX_MS must be at least ALERT_WEBHOOK_BACKOFF_MIN_MS/,
  );
  t.throws(() => loadConfig({ ALERT_DASHBOARD_URL: 'javascript:alert(1)' }), /ALERT_DASHBOARD_URL must be a URL/);
});

t.test('options: the lease outlasts the request', async (t) => {
  const o = alertDeliveryOptions(loadConfig({ ALERT_WEBHOOK_TIMEOUT_MS: '3000' }));
  t.ok(o.leaseMs > o.timeoutMs, `lease ${o.leaseMs} ms > timeout ${o.timeoutMs} ms`);
  t.equal(o.retryAfterMaxMs, 3600_000);
});

t.test('backoff: full jitter under a doubling, capped nominal', async (t) => {
  const opts = { backoffMinMs: 100, backoffMaxMs: 1000 };
  t.same(
    [1, 2, 3, 4, 5, 40].map((a) => backoffMs(opts, a, () => 1)),
    [100, 200, 400, 800, 1000, 1000],
  );
  t.equal(
    backoffMs(opts, 3, () => 0),
    0,
    'anywhere from 0',
  );
  for (let i = 0; i < 200; i++) {
    const d = backoffMs(opts, 3);
    if (d < 0 || d > 400) t.fail(`out of [0, 400]: ${d}`);
  }
});

t.test('Retry-After: seconds or an HTTP-date; anything else is ignored', async (t) => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  t.equal(retryAfterMs('3', now), 3000);
  t.equal(retryAfterMs('0.5', now), 500);
  t.equal(retryAfterMs('Fri, 04 Dec 2026 12:00:10 GMT', now), 10_000);
  t.equal(retryAfterMs('Fri, 04 Dec 2026 11:00:00 GMT', now), 0, 'a date in the past: now');
  t.equal(retryAfterMs(null, now), undefined);
  t.equal(retryAfterMs('soon', now), undefined);
  t.equal(retryAfterMs('-1', now), undefined);
});

t.test('which statuses are retried', async (t) => {
  t.same(
    [200, 204, 301, 400, 401, 404, 408, 413, 425, 429, 500, 503].map((s) => [
      s,
      outcomeOfStatus(s),
      isRetryableStatus(s),
    ]),
    [
      [200, 'delivered', false],
      [204, 'delivered', false],
      [301, 'redirect', false],
      [400, 'client_error', false],
      [401, 'client_error', false],
      [404, 'client_error', false],
      [408, 'server_error', true],
      [413, 'client_error', false],
      [425, 'server_error', true],
      [429, 'rate_limited', true],
      [500, 'server_error', true],
      [503, 'server_error', true],
    ],
  );
});

t.test('message text: one line, clipped; dashboard link; labels hide the token', async (t) => {
  const n: Notification = {
    id: '1',
    alertId: 'a',
    state: 'open',
    webhookUrl: 'https://discord.com/api/webhooks/1/secret-token',
    attempts: 1,
    createdAt: new Date(),
    character: 'Line\nBreak',
    kind: 'idle',
    startedAt: new Date('2026-12-04T10:00:00Z'),
    resolvedAt: null,
    detail: { note: 'x'.repeat(5000) },
  };
  const text = notificationText(n, null);
  t.notMatch(text, /\n/);
  t.ok(text.length <= 1900, `${text.length} characters`);
  t.match(text, /^\[ALERT\] Line Break is idle \(idle, since 2026-12-04T10:00:00.000Z\)/);
  t.equal(dashboardUrl('https://t.example/app', 'Ann Lee'), 'https://t.example/app?character=Ann+Lee');
  t.equal(dashboardUrl(undefined, 'Ann'), null);
  t.match(webhookLabel(n.webhookUrl), /^discord\.com#[0-9a-f]{8}$/);
});
