// GET /characters: every character with stored telemetry, by name, filtered and limited.
import t from 'tap';
import { startApiUnderTest, schemaErrors } from './helpers.js';
import { insertLatest, type TelemetryRow } from './fixtures.js';
import { CharactersResponse } from '../../src/api/schemas/responses.js';

const NAMES = ['Zoë', 'Ann Lee', 'ann-2', 'Bo Rhee', "O'Brien", '100% Pure'];

t.test('/characters', async (t) => {
  const api = await startApiUnderTest();
  t.teardown(() => api.stop());
  const old = new Date(Date.now() - 40 * 86400e3).toISOString();
  await insertLatest(
    api.db,
    NAMES.map(
      (character_name, i) =>
        ({
          character_name,
          ts: i === 0 ? old : new Date(Date.now() - i * 1000).toISOString(),
          ew: i,
          ns: -i,
          z: 0,
        }) as unknown as TelemetryRow,
    ),
  );

  const all = await api.get('/characters');
  t.equal(all.status, 200);
  t.equal(schemaErrors(CharactersResponse, all.body), undefined, 'matches the response schema');
  const byName = [...NAMES].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  t.same(
    all.body.characters.map((c: { character_name: string }) => c.character_name).sort(),
    byName,
    'every character, offline ones included',
  );
  t.equal(
    all.body.characters.find((c: { character_name: string }) => c.character_name === 'Zoë').last_timestamp,
    old,
    'time of the newest sample',
  );
  t.equal(all.body.truncated, false);

  const ann = await api.get('/characters?q=ANN');
  t.same(
    ann.body.characters.map((c: { character_name: string }) => c.character_name).sort(),
    ['Ann Lee', 'ann-2'],
    'case-insensitive substring',
  );
  t.same(
    (await api.get(`/characters?q=${encodeURIComponent('%')}`)).body.characters.map(
      (c: { character_name: string }) => c.character_name,
    ),
    ['100% Pure'],
    '% is literal',
  );
  t.same(
    (await api.get(`/characters?q=${encodeURIComponent("'")}`)).body.characters.map(
      (c: { character_name: string }) => c.character_name,
    ),
    ["O'Brien"],
    'a quote is literal',
  );
  const two = await api.get('/characters?limit=2');
  t.equal(two.body.characters.length, 2);
  t.equal(two.body.truncated, true, 'cut at limit and flagged');

  for (const bad of ['limit=0', 'limit=abc', 'q=', 'nope=1', `limit=${api.cfg.API_MAX_ROWS + 1}`]) {
    const r = await api.get(`/characters?${bad}`);
    t.equal(r.status, 400, `${bad}: 400`);
    t.equal(r.body.error.code, 'bad_request');
  }
  const openapi = await api.get('/openapi.json');
  t.ok(openapi.body.paths['/characters'], '/characters is in the OpenAPI document');
});
