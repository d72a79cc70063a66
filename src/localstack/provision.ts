// Makes sure nats-server, a PostgreSQL server and TimescaleDB are installed, through
// scripts/provision.sh (the same path for `npm start` and the test harness).
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError } from '../shared/errors.js';
import { projectRoot } from '../shared/project-root.js';

export interface Binaries {
  natsServer: string;
  pgBinDir: string;
}

let cached: Binaries | undefined;

function findNats(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/usr/local/bin'])) {
    const p = join(dir, 'nats-server');
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

function findPgBinDir(): string | undefined {
  if (process.env.PG_CONFIG && existsSync(process.env.PG_CONFIG)) {
    return execFileSync(process.env.PG_CONFIG, ['--bindir'], { encoding: 'utf8' }).trim();
  }
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : undefined;
}

/** Installs what is missing (root + apt), or throws with what to install. */
export function ensureBinaries(): Binaries {
  if (cached) return cached;
  const script = join(projectRoot(), 'scripts', 'provision.sh');
  const r = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0)
    throw new ServiceError(
      `provisioning failed (scripts/provision.sh exited ${r.status ?? r.signal}); see the messages above`,
    );
  const natsServer = findNats();
  const pgBinDir = findPgBinDir();
  if (!natsServer || !pgBinDir) throw new ServiceError('nats-server or PostgreSQL not found after provisioning');
  cached = { natsServer, pgBinDir };
  return cached;
}
