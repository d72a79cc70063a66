// Plugin authentication at upgrade (issue 3): `X-Plugin-Secret` header or `secret`
// query parameter. Both sides are hashed first so timingSafeEqual always compares
// equal-length buffers and the secret's length does not leak through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** A checker for `secret`; without a secret every client is let in (loopback only, see config). */
export function secretChecker(secret: string | undefined): (given: string) => boolean {
  if (!secret) return () => true;
  const want = digest(secret);
  return (given) => given.length > 0 && timingSafeEqual(digest(given), want);
}
