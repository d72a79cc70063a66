// Runs processChunk on `workers` worker threads (0 = on this thread). Results keep the
// order of the calls only through the caller awaiting them in order (import-table.ts).
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { processChunk, type ChunkJob, type ChunkResult } from './chunk.js';

// Compiled: dist/src/import/chunk-worker.js. Under tsx (tests, `node --import tsx`) the
// sources are .ts, and on Node 20 a worker does not get tsx's loader from execArgv, so it
// registers tsx itself before importing the worker module.
const self = fileURLToPath(import.meta.url);
const workerFile = self.replace(/chunk-pool\.(ts|js)$/, (_m, ext: string) => `chunk-worker.${ext}`);
const startWorker = (): Worker =>
  workerFile.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(workerFile).href)}); ` +
          `})`,
        { eval: true },
      )
    : new Worker(workerFile);

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve(r: ChunkResult): void; reject(e: Error): void }>;
  dead?: Error;
}

type WorkerMessage = { ready: true } | { id: number; result?: ChunkResult; error?: string };

export class ChunkPool {
  private readonly slots: Slot[] = [];
  private next = 0;
  private closing = false;
  private seq = 0;

  /**
   * `startTimeoutMs`: a worker that has not said it is ready by then is given up, and
   * its jobs fail (the import stops with an error and resumes on a re-run) rather than
   * wait forever. `start` makes the worker (tests pass one that never gets ready).
   */
  constructor(
    readonly workers: number,
    startTimeoutMs = 60_000,
    start: () => Worker = startWorker,
  ) {
    for (let i = 0; i < workers; i++) this.slots.push(this.startSlot(start(), startTimeoutMs));
  }

  private startSlot(worker: Worker, startTimeoutMs: number): Slot {
    const slot: Slot = { worker, pending: new Map() };
    // A worker that died answers nothing more: fail what it held and every later job.
    const die = (err: Error) => {
      slot.dead ??= err;
      for (const p of slot.pending.values()) p.reject(slot.dead);
      slot.pending.clear();
    };
    const startTimer = setTimeout(() => {
      die(new Error(`a chunk worker did not start within ${startTimeoutMs} ms (--worker-start-timeout-ms)`));
      void worker.terminate();
    }, startTimeoutMs);
    startTimer.unref();
    worker.on('message', (m: WorkerMessage) => {
      if ('ready' in m) return clearTimeout(startTimer);
      const p = slot.pending.get(m.id);
      slot.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.result!);
    });
    worker.on('error', die);
    worker.on('exit', (code) => {
      clearTimeout(startTimer);
      if (!this.closing) die(new Error(`chunk worker exited (${code})`));
    });
    return slot;
  }

  run(job: ChunkJob): Promise<ChunkResult> {
    if (this.slots.length === 0) {
      try {
        return Promise.resolve(processChunk(job));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const slot = this.slots[this.next++ % this.slots.length];
    if (slot.dead) return Promise.reject(slot.dead);
    const id = ++this.seq;
    return new Promise<ChunkResult>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
