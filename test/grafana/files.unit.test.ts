// Grafana's files without Grafana: the provisioning YAML and dashboard JSON parse, the
// committed JSON is what grafana/src generates, uids are unique, every datasource
// reference points at a provisioned uid, no import placeholders, and every SQL query
// uses the time macros in a form the macro regex can expand.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { dashboards, render, renderDoc, DASHBOARD_DIR, DOC_PATH } from '../../grafana/src/build.js';
import type { Dashboard, SqlTarget, PromTarget } from '../../grafana/src/model.js';

const root = new URL('../../grafana/', import.meta.url);
const yaml = (path: string) => parse(readFileSync(new URL(path, root), 'utf8'));
const datasources = yaml('provisioning/datasources/datasources.yml');
const providers = yaml('provisioning/dashboards/dashboards.yml');
const files = readdirSync(DASHBOARD_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const committed = Object.fromEntries(
  files.map((f) => [f, JSON.parse(readFileSync(DASHBOARD_DIR + f, 'utf8')) as Dashboard]),
);
const generated = dashboards();

t.test('datasources: fixed uids, TimescaleDB flag, secrets from the environment', async (t) => {
  t.equal(datasources.apiVersion, 1);
  const byUid = Object.fromEntries(datasources.datasources.map((d: any) => [d.uid, d]));
  t.equal(Object.keys(byUid).length, datasources.datasources.length, 'uids are unique');
  const pg = byUid['tracker-timescaledb'];
  t.equal(pg.type, 'grafana-postgresql-datasource');
  t.equal(pg.jsonData.timescaledb, true, 'jsonData.timescaledb makes $__timeGroup emit time_bucket');
  t.type(pg.jsonData.postgresVersion, 'number', 'postgresVersion is a number');
  t.equal(pg.jsonData.postgresVersion, 1600, 'PostgreSQL 16, the timescaledb image of docker-compose.yml');
  t.match(pg.secureJsonData.password, /^\$[A-Z_]+$/, 'password comes from the environment');
  t.match(pg.user, /^\$[A-Z_]+$/, 'user comes from the environment');
  t.notOk('password' in pg, 'no cleartext password field');
  const prom = byUid['tracker-prometheus'];
  t.equal(prom.type, 'prometheus');
  t.equal(prom.url, 'http://prometheus:9090');
});

t.test('dashboard provider: a read-only file provider over the mounted dashboards', async (t) => {
  t.equal(providers.apiVersion, 1);
  t.equal(providers.providers.length, 1);
  const p = providers.providers[0];
  t.equal(p.type, 'file');
  t.equal(p.allowUiUpdates, false);
  t.equal(p.options.path, '/etc/grafana/dashboards');
});

t.test('committed JSON is what grafana/src generates (run `npx tsx grafana/src/build.ts --write`)', async (t) => {
  t.same(files, Object.keys(generated).sort(), 'one file per dashboard, no strays');
  for (const [file, d] of Object.entries(generated))
    t.equal(readFileSync(DASHBOARD_DIR + file, 'utf8'), render(d), file);
  t.equal(readFileSync(DOC_PATH, 'utf8'), renderDoc(), 'docs/dashboards.md');
});

t.test('uids, titles, no placeholders, every reference provisioned', async (t) => {
  const provisioned = new Map<string, string>(datasources.datasources.map((d: any) => [d.uid, d.type]));
  const uids = files.map((f) => committed[f].uid);
  t.equal(new Set(uids).size, uids.length, `dashboard uids are unique: ${uids.join(', ')}`);
  t.equal(new Set(files.map((f) => committed[f].title)).size, files.length, 'titles are unique');
  for (const f of files) {
    const d = committed[f];
    const text = readFileSync(DASHBOARD_DIR + f, 'utf8');
    t.match(d.uid, /^[a-zA-Z0-9_-]{1,40}$/, `${f}: uid fits Grafana's 40-character limit`);
    t.notOk('__inputs' in d, `${f}: no __inputs`);
    t.notMatch(text, /\$\{DS_/, `${f}: no \${DS_…} placeholders`);
    const refs: Array<{ where: string; ref: any }> = [];
    for (const p of d.panels) {
      refs.push({ where: `panel ${p.title}`, ref: p.datasource });
      for (const q of p.targets) refs.push({ where: `panel ${p.title} ${q.refId}`, ref: q.datasource });
    }
    for (const v of d.templating.list) if (v.datasource) refs.push({ where: `variable ${v.name}`, ref: v.datasource });
    for (const a of d.annotations.list) {
      refs.push({ where: `annotation ${a.name}`, ref: a.datasource });
      refs.push({ where: `annotation ${a.name} target`, ref: a.target.datasource });
    }
    for (const { where, ref } of refs) {
      t.ok(ref && typeof ref === 'object', `${f} ${where}: datasource is an object reference`);
      t.equal(provisioned.get(ref.uid), ref.type, `${f} ${where}: ${ref.uid} is provisioned with type ${ref.type}`);
    }
    const ids = d.panels.map((p) => p.id);
    t.equal(new Set(ids).size, ids.length, `${f}: panel ids unique`);
    for (const p of d.panels) t.ok(p.description.length > 20, `${f} ${p.title}: has a description`);
    for (const p of d.panels) t.ok(p.pluginVersion, `${f} ${p.title}: has a pluginVersion (no save-model migration)`);
  }
});

t.test('every SQL panel follows the time picker and the variables, in expandable form', async (t) => {
  for (const d of Object.values(generated)) {
    const vars = d.templating.list.map((v) => v.name);
    for (const p of d.panels)
      for (const q of p.targets) {
        if (!('rawSql' in q)) continue;
        const s = (q as SqlTarget).rawSql;
        const what = `${d.title} / ${p.title}`;
        t.match(s, /\$__timeFilter\(|\$__timeFrom\(\)|\$__timeTo\(\)/, `${what}: uses the time range macros`);
        if ((q as SqlTarget).shape.kind === 'time_series')
          t.match(s, /\$__timeGroupAlias\([^)]*\$__interval/, `${what}: groups by $__interval`);
        if (!(q as SqlTarget).communityOnly && p.title !== 'Hypertables: rows, size, chunks') {
          t.ok(
            vars.some((v) => s.includes(`$${v}`)),
            `${what}: uses a template variable`,
          );
        }
        // Newer Grafana versions strip SQL comments before expansion; none here, so every version runs the same text.
        t.notMatch(s, /--|\/\*/, `${what}: no SQL comments`);
        for (const m of s.matchAll(/\$__\w+\(([^)]*)\)/g))
          t.notMatch(
            m[1],
            /\(/,
            `${what}: macro argument "${m[1]}" has no "(" (the macro regex stops at the first ")")`,
          );
        t.notMatch(s, /\$__timeGroup\([^)]*\),/, `${what}: no "$__timeGroup(…)," (Grafana would add AS "time" there)`);
      }
  }
});

t.test('annotation queries follow the time picker and the variables, in expandable form', async (t) => {
  const telemetry = generated['telemetry-performance.json'];
  t.same(
    telemetry.annotations.list.map((a) => a.name),
    ['Alerts'],
    'the telemetry dashboard annotates alerts',
  );
  for (const d of Object.values(generated))
    for (const a of d.annotations.list) {
      const s = a.target.rawSql;
      t.equal(a.target.format, 'table', `${a.name}: a table frame (Grafana maps time, timeend, text, tags by name)`);
      t.match(s, /\$__timeFrom\(\)/, `${a.name}: follows the time range`);
      t.ok(
        d.templating.list.some((v) => s.includes(`$${v.name}`)),
        `${a.name}: uses a template variable`,
      );
      t.notMatch(s, /--|\/\*/, `${a.name}: no SQL comments`);
      for (const m of s.matchAll(/\$__\w+\(([^)]*)\)/g)) t.notMatch(m[1], /\(/, `${a.name}: macro argument has no "("`);
    }
});

t.test('spatial panels: XY chart v2 options mapping ew, ns and count', async (t) => {
  for (const f of ['spawns.json', 'rares.json']) {
    const p = committed[f].panels.find((x) => x.type === 'xychart')!;
    const [series] = p.options.series as any[];
    t.equal(p.options.mapping, 'manual');
    t.same(
      [series.x.matcher.options, series.y.matcher.options, series.size.matcher.options, series.color.matcher.options],
      ['ew', 'ns', 'count', 'count'],
      `${f}: x = ew, y = ns, size and colour = count`,
    );
    t.match(p.description, /heatmap panel/, `${f}: says why not the heatmap panel`);
    const shape = (generated[f].panels.find((x) => x.type === 'xychart')!.targets[0] as SqlTarget).shape;
    t.same(shape, { kind: 'xy', x: 'ew', y: 'ns', size: 'count' }, 'and the query test checks those fields');
  }
});

t.test('every Prometheus panel uses $__rate_interval for rates, never a fixed window', async (t) => {
  for (const d of Object.values(generated))
    for (const p of d.panels)
      for (const q of p.targets) {
        if (!('expr' in q)) continue;
        const e = (q as PromTarget).expr;
        for (const w of e.matchAll(/\[([^\]]+)\]/g)) t.equal(w[1], '$__rate_interval', `${p.title}: range ${w[1]}`);
      }
});
