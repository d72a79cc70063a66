// CPU microseconds per event for each process of a run, from the OS's own accounting
// (/proc utime+stime, PostgreSQL's postmaster with its backends alive and reaped;
// load-generator workers by their own process.cpuUsage()). One window for every process:
// from the load's start to the end of the drain, so work a process does after the
// sending stops (ingest catching up, PostgreSQL flushing) is charged to the events too.
// See docs/benchmarks.md "Where the CPU goes".
import { cpuSecondsNow } from './proc-stats.js';

export interface CpuRow {
  process: string;
  cpuS: number;
  usPerEvent: number;
}

export interface CpuPerEvent {
  /** Seconds from the load's start to the end of the drain. */
  windowS: number;
  /** Rows landed in the window (what the CPU is divided by). */
  events: number;
  rows: CpuRow[];
  totalUsPerEvent: number;
}

export interface CpuWindow {
  /** `extra`: CPU seconds measured otherwise (load-generator workers, the bench process). */
  stop(events: number, extra: Record<string, number>): CpuPerEvent;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Rows of a CPU table from CPU seconds per process and the events they handled. */
export function cpuTable(windowS: number, events: number, cpuS: Record<string, number>): CpuPerEvent {
  const per = (s: number) => (events > 0 ? round2((s * 1e6) / events) : 0);
  const rows = Object.entries(cpuS).map(([process, s]) => ({ process, cpuS: round2(s), usPerEvent: per(s) }));
  const total = Object.values(cpuS).reduce((a, b) => a + b, 0);
  return { windowS: round2(windowS), events, rows, totalUsPerEvent: per(total) };
}

export function startCpuWindow(processes: Record<string, { pid: number; withChildren?: boolean }>): CpuWindow {
  const t0 = Date.now();
  const first: Record<string, number | undefined> = {};
  for (const [name, p] of Object.entries(processes)) first[name] = cpuSecondsNow(p.pid, p.withChildren);
  return {
    stop(events, extra) {
      const cpuS: Record<string, number> = {};
      for (const [name, p] of Object.entries(processes)) {
        const end = cpuSecondsNow(p.pid, p.withChildren);
        if (first[name] !== undefined && end !== undefined) cpuS[name] = end - first[name];
      }
      return cpuTable((Date.now() - t0) / 1000, events, { ...cpuS, ...extra });
    },
  };
}
