// The ws transport routes like uWS (docs/transports.md): per segment static beats
// `:param` beats `*`; then method routes beat `any`; then the first registered.
import t from 'tap';
import { Router } from '../../src/shared/http/ws-transport/router.js';

const router = () => {
  const r = new Router<string>();
  r.add('*', '/*', 'any catch-all');
  r.add('get', '/*', 'get catch-all');
  r.add('get', '/health', 'health');
  r.add('*', '/health', 'any health');
  r.add('get', '/players/:name', 'player');
  r.add('get', '/players/:name/trail', 'trail');
  r.add('get', '/players/top', 'top');
  r.add('get', '/', 'root');
  r.add('get', '/static/*', 'static');
  return r;
};
const best = (method: string, path: string) => router().match(method, path)[0];

t.test('static > param > wildcard, method > any, first registered', async (t) => {
  t.same(best('get', '/health'), { handler: 'health', params: [] });
  t.equal(
    router()
      .match('get', '/health')
      .map((m) => m.handler)
      .join(' | '),
    'health | any health | get catch-all | any catch-all',
    'the order handlers yield along',
  );
  t.equal(best('post', '/health').handler, 'any health');
  t.equal(best('get', '/players/top').handler, 'top');
  t.same(
    best('get', '/players/Ann%20Lee'),
    { handler: 'player', params: ['Ann%20Lee'] },
    'params are raw, as uWS gives them',
  );
  t.same(best('get', '/players/Ann/trail'), { handler: 'trail', params: ['Ann'] });
  t.equal(best('get', '/players/').handler, 'get catch-all', 'an empty segment is no param');
  t.equal(best('get', '/').handler, 'root');
  t.equal(best('get', '/static/css/site.css').handler, 'static');
  t.equal(best('get', '/nope').handler, 'get catch-all');
  t.equal(best('delete', '/nope').handler, 'any catch-all');
  t.same(new Router<string>().match('get', '/x'), [], 'nothing registered: no match');
});

t.test(
  'patterns must start with a slash; a method and pattern only once (native uWS aborts the process on a repeat)',
  async (t) => {
    t.throws(() => new Router<string>().add('get', 'health', 'x'), /must start with "\/"/);
    const r = new Router<string>();
    r.add('get', '/health', 'a');
    r.add('*', '/health', 'b');
    t.throws(() => r.add('get', '/health', 'c'), /route registered twice: get \/health/);
  },
);
