// Bisection for poison messages (src/ingest/bisect.ts), as an algorithm: the apply
// function here stands in for one database transaction, refusing any sub-batch that
// holds a poison item the way PostgreSQL refuses a COPY (a data-class SQLSTATE).
import t from 'tap';
import { bisect } from '../../src/ingest/bisect.js';
import { isDataError } from '../../src/shared/errors.js';

const refusal = (item: number) => Object.assign(new Error(`check violation on ${item}`), { code: '23514' });
const connectionLost = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

/** An apply that refuses every batch holding one of `poison`, and counts its calls. */
function fakeApply(poison: Iterable<number>) {
  const bad = new Set(poison);
  const calls: number[][] = [];
  const apply = async (batch: readonly number[]) => {
    calls.push([...batch]);
    const found = batch.find((i) => bad.has(i));
    if (found !== undefined) throw refusal(found);
    return batch.length;
  };
  return { apply, calls };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

t.test('all good: one apply of the whole batch', async (t) => {
  const { apply, calls } = fakeApply([]);
  const out = await bisect(range(10), apply, isDataError);
  t.same(out.applied, range(10));
  t.same(out.results, [10]);
  t.same(out.refused, []);
  t.equal(calls.length, 1);
});

t.test('an empty batch applies nothing', async (t) => {
  const { apply, calls } = fakeApply([]);
  const out = await bisect([], apply, isDataError);
  t.same(out, { applied: [], results: [], refused: [] });
  t.equal(calls.length, 0);
});

for (const [where, poison] of [
  ['start', 0],
  ['middle', 4],
  ['end', 9],
] as const) {
  t.test(`one poison item at the ${where}: the rest applied, it refused with its error`, async (t) => {
    const { apply } = fakeApply([poison]);
    const out = await bisect(range(10), apply, isDataError);
    t.same(
      out.applied,
      range(10).filter((i) => i !== poison),
      'every other item applied, in input order',
    );
    t.equal(
      out.results.reduce((a, b) => a + b, 0),
      9,
      'the results cover exactly the applied items',
    );
    t.equal(out.refused.length, 1);
    t.equal(out.refused[0].item, poison);
    t.match(out.refused[0].error, { code: '23514', message: `check violation on ${poison}` });
  });
}

t.test('several poison items: each refused on its own', async (t) => {
  const poison = [1, 2, 7, 15];
  const { apply } = fakeApply(poison);
  const out = await bisect(range(16), apply, isDataError);
  t.same(
    out.refused.map((r) => r.item),
    poison,
  );
  t.same(
    out.applied,
    range(16).filter((i) => !poison.includes(i)),
  );
});

t.test('all poison: every item refused, nothing applied', async (t) => {
  const { apply, calls } = fakeApply(range(8));
  const out = await bisect(range(8), apply, isDataError);
  t.same(out.applied, []);
  t.same(out.results, []);
  t.same(
    out.refused.map((r) => r.item),
    range(8),
  );
  t.equal(calls.length, 2 * 8 - 1, 'every node of the bisection tree tried once');
});

t.test('a transient error is thrown unchanged, not bisected', async (t) => {
  let calls = 0;
  const lost = connectionLost();
  await t.rejects(
    bisect(
      range(10),
      async () => {
        calls++;
        throw lost;
      },
      isDataError,
    ),
    lost,
  );
  t.equal(calls, 1, 'no split after a transient error');
});

t.test('a transient error while bisecting ends the bisection with that error', async (t) => {
  const { apply: refuseFive, calls } = fakeApply([5]);
  const lost = connectionLost();
  const apply = async (batch: readonly number[]) => {
    if (calls.length === 2) throw lost; // the third apply: the connection dies
    return refuseFive(batch);
  };
  await t.rejects(bisect(range(10), apply, isDataError), lost);
  t.equal(calls.length, 2, 'nothing applied after the transient error');
});

t.test('applies stay O(k log n) for k poison items among n', async (t) => {
  const n = 1024;
  for (const k of [1, 2, 5, 20]) {
    const poison = Array.from({ length: k }, (_, i) => Math.floor(((i + 0.5) * n) / k));
    const { apply, calls } = fakeApply(poison);
    const out = await bisect(range(n), apply, isDataError);
    t.equal(out.refused.length, k);
    t.equal(out.applied.length, n - k);
    // Each refused item fails one batch per level on its way down (log2 n levels); each
    // failed batch costs its two halves.
    const bound = 1 + 2 * k * Math.log2(n);
    t.ok(calls.length <= bound, `k=${k}: ${calls.length} applies <= ${bound}`);
  }
});
