// The one retry policy (src/shared/retry.ts) the publisher, the ingest loop and replay share.
import t from 'tap';
import { retryDelayMs, withRetry } from '../../src/shared/retry.js';

t.test('capped exponential backoff, jitter within [50%, 100%]', async (t) => {
  const p = { minMs: 50, maxMs: 2000, jitter: false };
  t.same(
    [1, 2, 3, 4, 5, 6, 7, 100].map((a) => retryDelayMs(p, a)),
    [50, 100, 200, 400, 800, 1600, 2000, 2000],
  );
  const j = { ...p, jitter: true };
  t.equal(
    retryDelayMs(j, 3, () => 0),
    100,
    'lowest: half',
  );
  t.equal(
    retryDelayMs(j, 3, () => 1),
    200,
    'highest: the nominal delay',
  );
});

t.test('withRetry: retries until success, stops on what is not retryable', async (t) => {
  const waits: number[] = [];
  let calls = 0;
  const v = await withRetry(
    async () => {
      if (++calls < 4) throw new Error(`try ${calls}`);
      return 'done';
    },
    {
      policy: { minMs: 10, maxMs: 25, jitter: false },
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
  );
  t.equal(v, 'done');
  t.same(waits, [10, 20, 25], 'waits between the four tries');
  let tries = 0;
  await t.rejects(
    withRetry(
      async () => {
        tries++;
        throw new Error('for good');
      },
      {
        policy: { minMs: 1, maxMs: 1, jitter: false },
        retryable: (_e, attempt) => attempt < 3,
        sleep: async () => {},
      },
    ),
    /for good/,
  );
  t.equal(tries, 3, 'the third failure is not retried');
});
