// RSS and CPU of a process (optionally with its descendants) from /proc/<pid>/stat
// and /proc/<pid>/status, sampled on an interval. Linux only; elsewhere it reports
// nothing rather than failing the run.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* keep 100 */
}

interface Snapshot {
  cpuTicks: number;
  rssKb: number;
}

/** utime+stime of one process, and cutime+cstime: what its exited (reaped) children used. */
function readOne(pid: number): (Snapshot & { ppid: number; reapedTicks: number }) | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const reapedTicks = Number(rest[13]) + Number(rest[14]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(status);
    return { ppid, cpuTicks: utime + stime, reapedTicks, rssKb: rss ? Number(rss[1]) : 0 };
  } catch {
    return undefined;
  }
}

/** pid and every descendant (PostgreSQL forks a backend per connection). */
function tree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = readOne(Number(d));
    if (s) parent.set(Number(d), s.ppid);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parent) if (pp === out[i]) out.push(p);
  return out;
}

/**
 * With children (PostgreSQL: the postmaster and its backends), the root's reaped-children
 * time counts too, so a backend that exits within the window (a closed connection) keeps
 * the CPU it used instead of vanishing from the sum.
 */
function snapshot(pid: number, withChildren: boolean): Snapshot | undefined {
  const pids = withChildren ? tree(pid) : [pid];
  let cpuTicks = 0;
  let rssKb = 0;
  let any = false;
  for (const p of pids) {
    const s = readOne(p);
    if (!s) continue;
    any = true;
    cpuTicks += s.cpuTicks + (withChildren && p === pid ? s.reapedTicks : 0);
    rssKb += s.rssKb;
  }
  return any ? { cpuTicks, rssKb } : undefined;
}

/** CPU seconds a process (with its children, alive and reaped) has used so far; undefined when it is gone. */
export function cpuSecondsNow(pid: number, withChildren = false): number | undefined {
  const s = snapshot(pid, withChildren);
  return s ? s.cpuTicks / clkTck : undefined;
}

/** Resident set size now, in MB (undefined when the process is gone). */
export function rssMb(pid: number, withChildren = false): number | undefined {
  const s = snapshot(pid, withChildren);
  return s ? round1(s.rssKb / 1024) : undefined;
}

export interface ProcStats {
  /** Average CPU over the sampled window, in % of one core (200 = both cores of this machine). */
  cpuPct: number;
  /** CPU seconds used in the window. */
  cpuSeconds: number;
  peakRssMb: number;
  lastRssMb: number;
  /** RSS with every client connected, before any load (set by measure()). */
  connectedRssMb?: number;
  samples: number;
}

export interface ProcSampler {
  stop(): ProcStats | undefined;
}

/**
 * Samples pid every intervalMs until stop(). The CPU figure covers the time from
 * start to stop; RSS is the peak and the last sample (resident set, incl. shared pages).
 */
export function sampleProcess(pid: number, opts: { intervalMs?: number; withChildren?: boolean } = {}): ProcSampler {
  const withChildren = opts.withChildren ?? false;
  const first = snapshot(pid, withChildren);
  const t0 = process.hrtime.bigint();
  let last = first;
  let peakKb = first?.rssKb ?? 0;
  let samples = first ? 1 : 0;
  const timer = setInterval(() => {
    const s = snapshot(pid, withChildren);
    if (!s) return;
    last = s;
    samples++;
    if (s.rssKb > peakKb) peakKb = s.rssKb;
  }, opts.intervalMs ?? 250);
  return {
    stop() {
      clearInterval(timer);
      const end = snapshot(pid, withChildren) ?? last;
      if (!first || !end) return undefined;
      if (end.rssKb > peakKb) peakKb = end.rssKb;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpuSeconds = (end.cpuTicks - first.cpuTicks) / clkTck;
      return {
        cpuPct: round1((cpuSeconds / seconds) * 100),
        cpuSeconds: round1(cpuSeconds),
        peakRssMb: round1(peakKb / 1024),
        lastRssMb: round1(end.rssKb / 1024),
        samples: samples + 1,
      };
    },
  };
}

export const round1 = (x: number) => Math.round(x * 10) / 10;
