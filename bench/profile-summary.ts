// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time and
// self time per module/package, so the team can see where the time goes.
//   node dist/bench/profile-summary.js .data/bench-profiles/<run>/<scenario>-run1/x.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { relative } from 'node:path';
import { commandLineOrExit } from '../src/shared/command-line.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Where a function lives: a package name, node internals, V8 pseudo-frames, or a project file. */
function moduleOf(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node: internals';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const path = url.replace(/^file:\/\//, '');
  return relative(process.cwd(), path) || path;
}

export function summarizeProfile(file: string, top = 20): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  if (p.samples && p.timeDeltas) {
    // Each sample's time is the delta to the NEXT sample.
    for (let i = 0; i < p.samples.length; i++) {
      const dt = p.timeDeltas[i + 1] ?? 0;
      selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + Math.max(0, dt));
    }
  } else {
    const per =
      (p.endTime - p.startTime) /
      Math.max(
        1,
        p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0),
      );
    for (const n of p.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * per);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const fns = new Map<string, number>();
  const mods = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const cf = n.callFrame;
    if (cf.functionName === '(idle)') idle += us;
    const mod = moduleOf(cf.url);
    const key = `${cf.functionName || '(anonymous)'}  ${mod}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    mods.set(mod, (mods.get(mod) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number, of: number) => `${((100 * us) / of).toFixed(1).padStart(5)}%`;
  const out: string[] = [];
  out.push(
    `profile ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${pct(busy, total).trim()}); shares below are of busy time`,
  );
  out.push('top functions by self time:');
  for (const [k, us] of [...fns]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    out.push(`  ${pct(us, busy)}  ${k}`);
  out.push('self time by module:');
  for (const [k, us] of [...mods].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    const v = k === '(native / V8)' ? us - idle : us;
    if (v > 0) out.push(`  ${pct(v, busy)}  ${k}`);
  }
  return `${out.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const usage = 'usage: node dist/bench/profile-summary.js FILE.cpuprofile... [--top N]';
  const { values, positionals: files } = commandLineOrExit(
    'profile-summary',
    usage,
    process.argv.slice(2),
    { top: { type: 'string', arg: 'N', help: 'Functions listed by self time (20).' } },
    { positionals: true },
  );
  const top = values.top === undefined ? 20 : Number(values.top);
  if (!files.length || !Number.isInteger(top) || top < 1) {
    process.stderr.write(
      `profile-summary: ${files.length ? '--top needs a whole number >= 1' : 'no FILE'}\n${usage}\n`,
    );
    process.exit(2);
  }
  for (const f of files) process.stdout.write(`== ${f}\n${summarizeProfile(f, top)}\n`);
}
