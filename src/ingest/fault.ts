// TEST-ONLY fault injection (INGEST_FAULT), used by test/ingest/crash.e2e.test.ts to kill
// a real consumer process at the two moments that matter for exactly-once:
//   exit-after-commit  SIGKILL after the first batch COMMITTED and before any ack
//                      -> JetStream redelivers it; the idempotent apply must skip it.
//   exit-mid-copy      SIGKILL halfway through the first COPY
//                      -> PostgreSQL rolls the transaction back; redelivery applies it.
// SIGKILL (not exit()) so nothing gets to clean up, exactly like a crash.
import type { Fault } from './config.js';

export function faultHook(configured: Fault, at: Exclude<Fault, 'none'>): (() => void) | undefined {
  if (configured !== at) return undefined;
  return () => {
    process.stderr.write(`INGEST_FAULT=${at}: killing process ${process.pid}\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}
