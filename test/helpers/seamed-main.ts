// `src/main.ts start` with the ingest role's test seams (src/ingest/seams.ts) set from
// its arguments, never from the environment: a real process the crash tests and the
// drills can kill at the moments that matter for exactly-once.
//   node --import tsx test/helpers/seamed-main.ts --fault exit-after-commit|exit-mid-copy
// The services must be given (NATS_URL, DATABASE_URL): it starts no private ones.
import { parseArgs } from 'node:util';
import { loadConfig, resolveServices } from '../../src/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { run } from '../../src/run.js';
import type { IngestSeamOptions } from '../../src/ingest/seams.js';

export const FAULTS = ['exit-after-commit', 'exit-mid-copy'] as const;
export type Fault = (typeof FAULTS)[number];

/**
 * SIGKILL (not exit()) so nothing gets to clean up, exactly like a crash. The line it
 * writes first is what the tests look for in the output.
 */
function killer(fault: Fault): () => void {
  return () => {
    process.stderr.write(`INGEST_FAULT=${fault}: killing process ${process.pid}\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}

/** `exit-after-commit`: after the first batch COMMITted, before any ack; `exit-mid-copy`: halfway through the first COPY. */
export function faultSeams(fault: Fault): IngestSeamOptions {
  return fault === 'exit-after-commit' ? { afterCommit: killer(fault) } : { midCopy: killer(fault) };
}

async function main(): Promise<number> {
  let fault: Fault;
  try {
    fault = parseArgs({ options: { fault: { type: 'string' } }, strict: true }).values.fault as Fault;
  } catch (err) {
    process.stderr.write(`seamed-main: ${(err as Error).message}\n`);
    return 2;
  }
  if (!FAULTS.includes(fault)) {
    process.stderr.write(`seamed-main: --fault must be one of ${FAULTS.join(', ')}\n`);
    return 2;
  }
  const cfg = resolveServices(loadConfig(process.env), {});
  return run(cfg, createLogger(cfg.LOG_LEVEL), undefined, { ingest: faultSeams(fault) });
}

if (process.argv[1]?.endsWith('seamed-main.ts')) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      process.stderr.write(`fatal: ${err?.message ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
