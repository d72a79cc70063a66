// Every field of every stored event type arrives intact, hostile strings included;
// a resent event is stored once; player_latest keeps the newest row per character.
import t from 'tap';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { testConfig } from '../helpers/stack.js';
import {
  dbFor,
  natsFor,
  publish,
  rareEv,
  spawnEv,
  telemetry,
  waitForCounts,
  at,
  envelope,
  whenConsumerIdle,
} from './fixtures.js';

const HOSTILE = [
  'tab\there',
  'new\nline',
  'cr\rlf\r\n',
  'back\\slash',
  '\\N',
  '\\',
  'ends with backslash\\',
  '"double" \'single\'',
  'emoji 🐉🔥',
  'non-BMP 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎',
  'Zoë, ñ, 日本語',
  '',
  ' leading and trailing ',
  'a.b*>',
  "'; drop table telemetry; --",
  '\\t literal backslash-t',
  'ctrl \u0001\u001f\u007f',
];

t.test('fields, hostile strings, resend, player_latest', async (t) => {
  const cfg = await testConfig({ ROLES: 'ingest', INGEST_BATCH_MAX_WAIT_MS: '20' });
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  t.teardown(() => app.stop());
  const { nc, js, close } = await natsFor(cfg);
  t.teardown(close);
  const db = await dbFor(cfg);
  t.teardown(() => db.end());

  // One character per hostile string (names are hostile too), one full telemetry event each.
  const full = HOSTILE.map((s, i) =>
    telemetry(`P ${i} ${s}`.slice(0, 64), i, {
      event_id: `full-${i}`,
      char_tag: s.slice(0, 32),
      session_id: s,
      kills: 1234567890123,
      deaths: 0,
      rares_found: 7,
      prismatic_taper_count: 42,
      kills_per_hour: i % 2 ? 12.5 : '99.25',
      onlinetime: '1d 02:03:04',
      vt_state: s.slice(0, 32),
      latency_ms: 12.75,
      mem_mb: 512.5,
      cpu_pct: 99.9,
      mem_handles: 4096,
      unknown_extra: { kept: 'in the stream only' },
    }),
  );
  for (const e of full) await publish(js, cfg.SUBJECT_PREFIX, [e]);
  const minimal = telemetry('Minimal', 1, { kills: undefined });
  delete minimal.kills;
  await publish(js, cfg.SUBJECT_PREFIX, [minimal]);
  const spawns = HOSTILE.map((s, i) => spawnEv('Spawner', i, { mob: `m ${s}`, z: i % 2 ? undefined : -1.5 }));
  const rares = HOSTILE.map((s, i) => rareEv('Rarer', i, { name: `r ${s}` }));
  await publish(js, cfg.SUBJECT_PREFIX, spawns);
  await publish(js, cfg.SUBJECT_PREFIX, rares);

  // Resends: the same event in another message (different Nats-Msg-Id, so JetStream keeps both).
  await publish(js, cfg.SUBJECT_PREFIX, [full[0]], { msgID: 'resend-1' });
  await publish(js, cfg.SUBJECT_PREFIX, [spawns[0], spawns[1]], { msgID: 'resend-2' });

  await waitForCounts(db, { telemetry: full.length + 1, spawn_events: spawns.length, rare_events: rares.length });
  // Wait until the resent messages were processed as well (acked), then count exactly.
  await whenConsumerIdle(nc, cfg);
  const {
    rows: [tel],
  } = await db.query('select count(*)::int as n from telemetry');
  t.equal(tel.n, full.length + 1, 'telemetry: one row per distinct event');

  for (const [i, e] of full.entries()) {
    const { rows } = await db.query('select * from telemetry where character_name = $1', [e.character_name]);
    t.equal(rows.length, 1, `one row for ${JSON.stringify(e.character_name)}`);
    const r = rows[0];
    t.same(
      {
        ts: r.ts.toISOString(),
        character_name: r.character_name,
        char_tag: r.char_tag,
        session_id: r.session_id,
        vt_state: r.vt_state,
        ew: r.ew,
        ns: r.ns,
        z: r.z,
        kills: r.kills,
        deaths: r.deaths,
        rares_found: r.rares_found,
        prismatic_taper_count: r.prismatic_taper_count,
        kills_per_hour: r.kills_per_hour,
        onlinetime: r.onlinetime,
        latency_ms: r.latency_ms,
        mem_mb: r.mem_mb,
        cpu_pct: r.cpu_pct,
        mem_handles: r.mem_handles,
        event_key: r.event_key,
        received_at: r.received_at.toISOString(),
      },
      {
        ts: at(i),
        character_name: e.character_name,
        char_tag: HOSTILE[i].slice(0, 32),
        session_id: HOSTILE[i],
        vt_state: HOSTILE[i].slice(0, 32),
        ew: e.ew,
        ns: e.ns,
        z: 0.5,
        kills: '1234567890123',
        deaths: '0',
        rares_found: '7',
        prismatic_taper_count: '42',
        kills_per_hour: i % 2 ? 12.5 : 99.25,
        onlinetime: '1d 02:03:04',
        latency_ms: 12.75,
        mem_mb: 512.5,
        cpu_pct: 99.9,
        mem_handles: '4096',
        event_key: envelope('telemetry', [e]).ids[0],
        received_at: envelope('telemetry', [e]).received_at,
      },
      `telemetry fields intact for hostile string #${i} ${JSON.stringify(HOSTILE[i])}`,
    );
  }
  const {
    rows: [m],
  } = await db.query("select kills, char_tag, latency_ms, mem_handles from telemetry where character_name = 'Minimal'");
  t.same(
    m,
    { kills: null, char_tag: null, latency_ms: null, mem_handles: null },
    'absent optional fields are NULL, not empty strings or zero',
  );

  const { rows: sp } = await db.query('select mob, z, ew, ns, ts from spawn_events order by ts');
  t.same(
    sp.map((r) => r.mob),
    HOSTILE.map((s) => `m ${s}`),
    'spawn mob strings intact',
  );
  t.same(
    sp.map((r) => r.z),
    HOSTILE.map((_, i) => (i % 2 ? null : -1.5)),
    'optional spawn z',
  );
  const { rows: rr } = await db.query('select name from rare_events order by ts');
  t.same(
    rr.map((r) => r.name),
    HOSTILE.map((s) => `r ${s}`),
    'rare name strings intact',
  );

  // player_latest: newest wins, whatever the arrival order.
  const newer = telemetry('Mover', 50, { ew: 1 });
  const older = telemetry('Mover', 10, { ew: 2 });
  await publish(js, cfg.SUBJECT_PREFIX, [newer]);
  await publish(js, cfg.SUBJECT_PREFIX, [older]);
  await waitForCounts(db, { telemetry: full.length + 3 });
  const { rows: pl } = await db.query("select ew, ts from player_latest where character_name = 'Mover'");
  t.same(
    pl.map((r) => [r.ew, r.ts.toISOString()]),
    [[1, at(50)]],
    'player_latest holds the newest event, not the last applied',
  );
  // Events under one timestamp text (a client batching them): the greatest event key
  // wins, as PostgreSQL orders uuids, whichever message or batch applied it.
  const tied = [0, 1, 2, 3, 4].map((k) => telemetry('Tie', 60, { ew: k, event_id: `tie-${k}` }));
  await publish(js, cfg.SUBJECT_PREFIX, tied.slice(3));
  await publish(js, cfg.SUBJECT_PREFIX, tied.slice(0, 3).reverse());
  await waitForCounts(db, { telemetry: full.length + 3 + tied.length });
  const {
    rows: [want],
  } = await db.query("select ew from telemetry where character_name = 'Tie' order by ts desc, event_key desc limit 1");
  const { rows: tie } = await db.query("select ew from player_latest where character_name = 'Tie'");
  t.same(tie, [want], 'tied timestamps: the row with the greatest event key');
  const {
    rows: [plc],
  } = await db.query('select count(*)::int as n from player_latest');
  t.equal(plc.n, full.length + 3, 'one player_latest row per character');

  // Resends were acked and produced no rows: the consumer has nothing pending.
  const health = await app.rt.health.run();
  t.ok(health.checks.ingest?.ok, 'ingest health ok');
  t.equal(
    (await db.query('select count(*)::int as n from spawn_events')).rows[0].n,
    spawns.length,
    'spawn resend stored once',
  );
});
