// The chunk pool's worker threads, for real: a worker that loads gets its jobs done; one
// that never gets ready fails its jobs after the start timeout instead of stalling the
// import (docs/import.md "Options", --worker-start-timeout-ms).
import t from 'tap';
import { Worker } from 'node:worker_threads';
import { ChunkPool } from '../../src/import/chunk-pool.js';
import type { ChunkJob } from '../../src/import/chunk.js';

const job: ChunkJob = {
  type: 'spawn',
  table: 'spawn_log',
  columns: [],
  rows: [],
  limits: { subjectPrefix: 'tracker', maxEventDepth: 16, eventsPerMessage: 10, maxMessageBytes: 1024 * 1024 },
  receivedAt: '2025-01-01T00:00:00.000Z',
};

t.test('a worker that loads runs its jobs', async (t) => {
  const pool = new ChunkPool(1, 60_000);
  t.teardown(() => pool.close());
  const r = await pool.run(job);
  t.equal(r.read, 0, 'an empty chunk reads nothing');
  t.same(r.messages, []);
});

t.test('a worker that never says it is ready fails its jobs after the start timeout', async (t) => {
  // A real thread that runs and never answers: a worker stuck while loading.
  const stuck = () => new Worker('setInterval(() => {}, 1000);', { eval: true });
  const pool = new ChunkPool(1, 1_000, stuck);
  t.teardown(() => pool.close());
  const started = Date.now();
  await t.rejects(pool.run(job), /a chunk worker did not start within 1000 ms \(--worker-start-timeout-ms\)/);
  t.ok(Date.now() - started >= 900, 'it waited for the timeout');
  await t.rejects(pool.run(job), /did not start/, 'later jobs fail at once');
});
