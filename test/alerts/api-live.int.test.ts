// The alerts contract end to end in one app (ROLES=edge,api,alerts): telemetry from a
// plugin over /ws/position, mutes from ALERT_IGNORE_CHARACTERS and PUT /alerts/mutes
// (behind API_TOKEN), GET /alerts and /ws/live?types=alert (docs/api.md "Alerts",
// docs/alerts.md "Mutes" and "Live").
import t from 'tap';
import { schemaErrors } from '../api/helpers.js';
import { startEdgeApp, openClient, openPlugin, telemetry } from '../edge/helpers.js';
import { QUICK, checkpointSeq } from './fixtures.js';
import { Alert } from '../../src/api/schemas/alerts.js';
import { whenCaughtUp } from '../helpers/stack.js';

const TOKEN = 'alerts-test-token-0123456789';

t.test('mutes, GET /alerts and the live alert feed', async (t) => {
  const edge = await startEdgeApp({
    ROLES: 'edge,api,alerts',
    MIGRATE_ON_START: 'true',
    API_TOKEN: TOKEN,
    ...QUICK,
    ALERT_GRACE_SECONDS: '0',
    ALERT_IGNORE_CHARACTERS: 'Bot *, zed',
  });
  t.teardown(() => edge.stop());
  const http = (path: string, init: RequestInit = {}, token = TOKEN) =>
    fetch(`http://127.0.0.1:${edge.app.port}${path}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    });

  const mutes = { mutes: [{ character: 'mute*', kinds: ['death'] }, { character: 'Quiet' }] };
  t.equal((await http('/alerts/mutes', { method: 'PUT', body: JSON.stringify(mutes) }, '')).status, 401);
  const bad = await http('/alerts/mutes', {
    method: 'PUT',
    body: JSON.stringify({ mutes: [{ character: 'x', kinds: ['nap'] }] }),
  });
  t.equal(bad.status, 400, 'an unknown kind is refused');
  t.match(((await bad.json()) as any).error, { code: 'bad_request', message: /kinds/ });
  t.equal((await http('/alerts/mutes', { method: 'PUT', body: '{"mutes":' })).status, 400, 'not JSON: 400');
  const put = await http('/alerts/mutes', { method: 'PUT', body: JSON.stringify(mutes) });
  t.equal(put.status, 200);
  t.same(
    await (await http('/alerts/mutes')).json(),
    {
      mutes: [
        { character: 'mute*', kinds: ['death'] },
        { character: 'Quiet', kinds: [] },
      ],
    },
    'GET /alerts/mutes answers the stored set',
  );

  const live = await openClient(`ws://127.0.0.1:${edge.app.port}/ws/live?types=alert&token=${TOKEN}`);
  t.teardown(() => live.close());
  await whenCaughtUp(
    async () => {
      const h = (await (await http('/health')).json()) as any;
      return h.checks.edge.detail.live_subscribed_types.includes('alert') && h.checks.alerts.detail.role === 'leader';
    },
    { what: 'the live alert subscription and the alerts leader' },
  );

  const plugin = await openPlugin(edge, '?ack=1');
  t.teardown(() => plugin.close());
  const names = ['Bot 7', 'Zed', 'Mute Me', 'Quiet', 'Ann'];
  plugin.send(names.map((name) => telemetry(name, { deaths: 0 })));
  plugin.send(names.map((name) => telemetry(name, { deaths: 1 })));
  await plugin.next((m) => m.type === 'ack' && m.frame === 2);
  const last = (await edge.jsm.streams.info(edge.cfg.STREAM_NAME)).state.last_seq;
  await whenCaughtUp(async () => (await checkpointSeq(edge.cfg)) >= last, { what: 'evaluated' });

  const message = await live.next((m) => m.type === 'alert');
  t.match(message, { type: 'alert', character_name: 'Ann', kind: 'death', state: 'resolved', detail: { count: 1 } });
  const { type, ...alert } = message;
  t.equal(schemaErrors(Alert, alert), undefined, 'the live message is an Alert plus "type"');
  const listed = (await (await http('/alerts')).json()) as any;
  t.same(listed, { alerts: [alert], truncated: false }, 'GET /alerts lists the same object; the others are muted');
  t.same(((await (await http('/alerts?state=open')).json()) as any).alerts, [], 'a death is never open');
  t.equal(((await (await http('/alerts?kind=death&character=Ann&limit=1')).json()) as any).alerts.length, 1);
  t.equal((await http('/alerts?state=later')).status, 400, 'a bad state: 400');
  t.equal((await http('/alerts', {}, '')).status, 401, 'GET /alerts needs the token');
  t.equal(live.received.filter((m) => m.type === 'alert').length, 1, 'one live message');
});
