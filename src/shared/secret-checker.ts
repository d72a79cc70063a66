// Constant-time checks of shared secrets: the plugin secrets at /ws/position's upgrade
// (docs/protocol.md) and the read token (API_TOKEN, docs/security.md). Both sides are
// hashed first so timingSafeEqual always compares equal-length buffers and the
// secret's length does not leak through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * A checker for any of `secrets` (several while one rotates, docs/security.md);
 * without a secret every client is let in (loopback only, see config). Every secret
 * is compared, so the time taken does not tell which one matched.
 */
export function secretChecker(secrets: string | readonly string[] | undefined): (given: string) => boolean {
  const list = (typeof secrets === 'string' ? [secrets] : (secrets ?? [])).filter((s) => s.length > 0);
  if (list.length === 0) return () => true;
  const wants = list.map(digest);
  return (given) => {
    if (given.length === 0) return false;
    const got = digest(given);
    let ok = false;
    for (const want of wants) ok = timingSafeEqual(got, want) || ok;
    return ok;
  };
}
