// Progress of an import on stderr: one bar per table with rows/s and ETA on a TTY
// (cli-progress), else a log line every `intervalMs`.
import cliProgress from 'cli-progress';

export interface Progress {
  start(table: string, total: number, done: number): void;
  update(table: string, done: number): void;
  stop(): void;
}

interface Track {
  total: number;
  done: number;
  startDone: number;
  startedAt: number;
  bar?: cliProgress.SingleBar;
}

const rate = (t: Track, now: number) =>
  Math.round((t.done - t.startDone) / Math.max(0.001, (now - t.startedAt) / 1000));

export function createProgress(opts: { tty: boolean; intervalMs: number; out?: NodeJS.WriteStream }): Progress {
  const out = opts.out ?? process.stderr;
  const tracks = new Map<string, Track>();
  const multi = opts.tty
    ? new cliProgress.MultiBar(
        {
          stream: out,
          format: '{table} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}',
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const logLine = () => {
    const now = Date.now();
    for (const [table, t] of tracks) {
      if (t.done >= t.total && t.total > 0) continue;
      const r = rate(t, now);
      const eta = r > 0 ? Math.round((t.total - t.done) / r) : NaN;
      out.write(
        `[import-sqlite] ${table}: ${t.done}/${t.total} rows, ${r} rows/s, ETA ${Number.isFinite(eta) ? `${eta} s` : '?'}\n`,
      );
    }
  };
  const timer = multi ? undefined : setInterval(logLine, opts.intervalMs);
  timer?.unref();
  return {
    start(table, total, done) {
      const t: Track = { total, done, startDone: done, startedAt: Date.now() };
      t.bar = multi?.create(total, done, { table, rate: 0 });
      tracks.set(table, t);
      if (!multi) out.write(`[import-sqlite] ${table}: ${total} rows${done ? `, ${done} already imported` : ''}\n`);
    },
    update(table, done) {
      const t = tracks.get(table);
      if (!t) return;
      t.done = done;
      t.bar?.update(done, { table, rate: rate(t, Date.now()) });
    },
    stop() {
      if (timer) clearInterval(timer);
      multi?.stop();
    },
  };
}
