// Worker thread running processChunk (chunk.ts): mapping, validating, serializing and
// hashing are ~90% of the import's CPU per row (docs/import.md "Speed"), so they spread
// over cores while the main thread reads SQLite and publishes.
import { parentPort } from 'node:worker_threads';
import { processChunk, type ChunkJob } from './chunk.js';

parentPort!.on('message', (msg: { id: number; job: ChunkJob }) => {
  try {
    parentPort!.postMessage({ id: msg.id, result: processChunk(msg.job) });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error).message });
  }
});
// Loaded and listening: the pool stops its start timer (chunk-pool.ts).
parentPort!.postMessage({ ready: true });
