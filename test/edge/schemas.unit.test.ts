// The schemas against the fixtures (test/fixtures/<type>.{valid,invalid}.json and
// frames.invalid.json), through the same checks the edge runs, and the committed
// JSON Schema files against the TypeBox source.
import { SizeBudget } from '../../src/edge/size-budget.js';
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseFrame, checkEvent, isErrorReply, type FrameOptions } from '../../src/edge/frame.js';
import { exportedSchemas, jsonDir } from '../../scripts/export-schemas.js';
import { normalizeEvent, DEFAULT_NORMALIZE_OPTIONS } from '../../schemas/normalize.js';
import { EVENT_TYPES } from '../../src/shared/subjects.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const load = (name: string) => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));
const MAX_EVENTS_PER_FRAME = 1000;
const limits: FrameOptions = { subjectPrefix: 'tracker', maxEventDepth: 16, budget: new SizeBudget(1024 * 1024) };
/** Fixtures marked `strict` are refused only with both timestamp rules set to `refuse` (docs/protocol.md "Older plugins"). */
const strict: FrameOptions = { ...limits, normalize: { zonelessTimestamps: 'refuse', missingTimestamp: 'refuse' } };

/** What the edge does with one frame's text: the first reply, or the accepted events. */
function run(text: string, frameOptions = limits) {
  const p = parseFrame(text, 1, MAX_EVENTS_PER_FRAME);
  if (!p.ok) return [p.error];
  return p.events.map((e, i) => checkEvent(e, p.isArray ? i : undefined, 1, p.checkStrings, frameOptions));
}

for (const type of EVENT_TYPES) {
  t.test(`${type}: valid fixtures are accepted as sent`, async (t) => {
    for (const ev of load(`${type}.valid.json`)) {
      const [r] = run(JSON.stringify(ev));
      t.notOk(isErrorReply(r), `accepted: ${JSON.stringify(ev).slice(0, 80)}`);
      if (!isErrorReply(r)) {
        const canonical = normalizeEvent(ev, DEFAULT_NORMALIZE_OPTIONS, () => '').event;
        t.same(
          JSON.parse(r.json),
          canonical,
          'kept as sent (numbers sent as text become numbers), unknown fields included',
        );
        t.equal(r.type, type);
      }
    }
  });
  t.test(`${type}: each invalid fixture is rejected at its path`, async (t) => {
    for (const c of load(`${type}.invalid.json`)) {
      const [r] = run(JSON.stringify(c.event), c.strict ? strict : limits);
      t.ok(isErrorReply(r), c.case);
      if (c.strict) t.notOk(isErrorReply(run(JSON.stringify(c.event))[0]), `${c.case}: accepted by default`);
      if (!isErrorReply(r)) continue;
      t.equal(r.code, 'invalid_event', `${c.case}: code`);
      t.equal(r.errors?.[0]?.path, c.path, `${c.case}: path`);
      if (typeof c.event.event_id === 'string')
        t.equal(r.event_id, c.event.event_id.slice(0, 128), `${c.case}: event_id echoed`);
    }
  });
}

t.test('invalid frames get their documented code', async (t) => {
  for (const c of load('frames.invalid.json')) {
    const [r] = run(c.frame);
    t.ok(isErrorReply(r), c.case);
    if (!isErrorReply(r)) continue;
    t.equal(r.code, c.code, `${c.case}: code`);
    if (c.path) t.equal(r.errors?.[0]?.path, c.path, `${c.case}: path`);
    if (c.index !== undefined) t.equal(r.index, c.index, `${c.case}: index`);
  }
});

t.test('too many events in one frame', async (t) => {
  const p = parseFrame(JSON.stringify(new Array(1001).fill({})), 3, 1000);
  t.equal(p.ok, false);
  if (!p.ok) {
    t.equal(p.error.code, 'too_many_events');
    t.equal(p.error.frame, 3);
  }
});

t.test('committed schemas/json files match the TypeBox source (npm run schemas:export)', async (t) => {
  const files = exportedSchemas();
  t.equal(files.size, EVENT_TYPES.length + 1, 'one per event type, plus extension types');
  for (const [file, text] of files) t.equal(readFileSync(join(jsonDir, file), 'utf8'), text, file);
});

t.test(
  'the exported JSON Schemas alone accept the valid fixtures and reject the invalid ones (for other-language clients)',
  async (t) => {
    type FormatsPlugin = typeof addFormatsModule.default;
    const addFormats: FormatsPlugin =
      (addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
      (addFormatsModule as unknown as FormatsPlugin);
    const ajv = new Ajv({ strict: true });
    addFormats(ajv);
    for (const type of EVENT_TYPES) {
      const validate = ajv.compile(JSON.parse(readFileSync(join(jsonDir, `${type}.schema.json`), 'utf8')));
      for (const ev of load(`${type}.valid.json`)) t.ok(validate(ev), `${type} valid`);
      // Unknown-field NUL/surrogate checks are the edge's, beyond JSON Schema.
      for (const c of load(`${type}.invalid.json`))
        if (!/unknown|nested/.test(c.case)) t.notOk(validate(c.event), `${type}: ${c.case}`);
    }
  },
);
