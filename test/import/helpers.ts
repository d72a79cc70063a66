// Running `import-sqlite` as a real process against the test stack, and reading the
// results back through the read API.
import type { SpawnOptions } from 'node:child_process';
import { mainEnv, spawnMain, type MainProcess } from '../helpers/main-process.js';
import type { Config } from '../../src/config.js';

export type ImportRun = MainProcess;

export function importEnv(cfg: Config): NodeJS.ProcessEnv {
  return mainEnv(cfg, {
    STREAM_DUPLICATE_WINDOW_SECONDS: String(cfg.STREAM_DUPLICATE_WINDOW_SECONDS),
    LOG_LEVEL: 'warn',
  });
}

export const startImport = (
  env: NodeJS.ProcessEnv,
  args: string[],
  as: Pick<SpawnOptions, 'uid' | 'gid'> = {},
): ImportRun => spawnMain(env, ['import-sqlite', ...args], { as });

/**
 * A user whom file permissions bind: `nobody` when the tests run as root (root passes
 * every permission check), else the test's own user.
 */
export const PERMISSION_BOUND_USER: Pick<SpawnOptions, 'uid' | 'gid'> =
  process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/** Runs an import to its end; returns the exit code, the parsed `--json` report and stderr. */
export async function runImport(
  env: NodeJS.ProcessEnv,
  args: string[],
  as: Pick<SpawnOptions, 'uid' | 'gid'> = {},
): Promise<{ code: number | null; report: any; stderr: string }> {
  const r = startImport(env, [...args, '--json', '--no-progress'], as);
  const { code } = await r.exited;
  const line = r.stdout().trim().split('\n').pop() ?? '';
  let report: unknown;
  try {
    report = JSON.parse(line).import;
  } catch {
    report = undefined;
  }
  return { code, report, stderr: r.stderr() };
}

export const byTable = (report: any, table: string) => report.tables.find((t: any) => t.table === table);
