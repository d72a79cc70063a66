// Routing, answered by native uWS and by the ws transport for the same routes and
// requests (docs/transports.md): the same handler answers, with the same parameters,
// query and yield behaviour. Where native does not load, ws is checked alone against
// the answers native gave on Node 20 (written out below).
import t from 'tap';
import { selectTransport, type Transport } from '../../src/shared/http/transport.js';
import {
  loadNativeUws,
  type TemplatedApp,
  type us_listen_socket,
  type HttpResponse,
  type HttpRequest,
} from '../../src/shared/http/uws.js';

const REQUESTS: Array<[string, string]> = [
  ['GET', '/health'],
  ['GET', '/health?yield=1'],
  ['POST', '/health'],
  ['GET', '/players/top'],
  ['GET', '/players/Ann%20Lee?x=1&y=%20z'],
  ['GET', '/players/Ann/trail'],
  ['GET', '/players/'],
  ['GET', '/'],
  ['GET', '/static/css/site.css'],
  ['GET', '/nope'],
  ['DELETE', '/nope'],
  ['PUT', '/health'],
];
const NATIVE = [
  '200 health  yield:',
  '200 any health  yield:1',
  '200 any health  yield:',
  '200 top  yield:',
  '200 player Ann%20Lee yield: q=x=1&y=%20z',
  '200 trail Ann yield:',
  '200 get catch-all  yield:',
  '200 root  yield:',
  '200 static  yield:',
  '200 get catch-all  yield:',
  '200 any catch-all  yield:',
  '200 any health  yield:',
];

function routes(app: TemplatedApp): void {
  const answer = (name: string, yieldOn?: boolean) => (res: HttpResponse, req: HttpRequest) => {
    const q = req.getQuery();
    if (yieldOn && req.getQuery('yield') === '1') {
      req.setYield(true);
      return;
    }
    res.end(
      `${name} ${req.getParameter(0) ?? ''} yield:${req.getQuery('yield') ?? ''}${q === undefined || q.includes('yield') ? '' : ` q=${q}`}`,
    );
  };
  app.any('/*', answer('any catch-all'));
  app.get('/*', answer('get catch-all'));
  app.get('/health', answer('health', true));
  app.any('/health', answer('any health'));
  app.get('/players/:name', answer('player'));
  app.get('/players/:name/trail', answer('trail'));
  app.get('/players/top', answer('top'));
  app.get('/', answer('root'));
  app.get('/static/*', answer('static'));
}

async function answers(transport: Transport): Promise<string[]> {
  const app = transport.App();
  routes(app);
  const socket = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('listen')))),
  );
  try {
    const out = [];
    for (const [method, path] of REQUESTS) {
      const r = await fetch(`http://127.0.0.1:${transport.localPort(socket)}${path}`, { method });
      out.push(`${r.status} ${await r.text()}`);
    }
    return out;
  } finally {
    transport.closeListen(socket);
  }
}

t.test('the same handler answers on both transports', async (t) => {
  const ws = await answers(selectTransport('true'));
  if (loadNativeUws().ok) t.same(await answers(selectTransport('false')), NATIVE, 'native answers as recorded');
  t.same(ws, NATIVE, 'ws transport answers as native does');
});
