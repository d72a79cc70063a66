// Who may read what over HTTP (docs/security.md): an optional bearer token for the
// read API, /metrics and /ws/live (API_TOKEN), a CORS allow-list for pages served from
// another origin (API_CORS_ORIGINS), and the security headers every reply carries.
import { secretChecker } from '../secret-checker.js';

export interface HttpAccess {
  /** Whether a reader must send a token (API_TOKEN is set). */
  readonly tokenRequired: boolean;
  /** Constant-time check of a given token (hashed once, at start). */
  readonly tokenMatches: (given: string) => boolean;
  /** Origins (scheme://host[:port]) whose pages may read cross-origin. */
  readonly corsOrigins: readonly string[];
}

/** The access rules of API_TOKEN and API_CORS_ORIGINS. */
export function httpAccess(token: string | undefined, corsOrigins: readonly string[]): HttpAccess {
  return { tokenRequired: Boolean(token), tokenMatches: secretChecker(token), corsOrigins };
}

export const OPEN_ACCESS: HttpAccess = httpAccess(undefined, []);

/**
 * True when the request may read: no token configured, or `Authorization: Bearer <token>`
 * (or, where a browser cannot set headers, `?token=` when a query is passed) matches it.
 * Compared as hashes in constant time, like the plugin secret.
 */
export function mayRead(
  access: HttpAccess,
  headers: Readonly<Record<string, string>>,
  query?: URLSearchParams,
): boolean {
  if (!access.tokenRequired) return true;
  const auth = headers.authorization ?? '';
  const given = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() ?? query?.get('token') ?? '';
  return access.tokenMatches(given);
}

/** Headers on every HTTP reply: no MIME sniffing, no referrer, no framing; JSON needs no CSP sources. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/** CORS headers for a request from `origin`: only for allow-listed origins. */
export function corsHeaders(access: HttpAccess, origin: string | undefined): Record<string, string> {
  if (!origin || !access.corsOrigins.includes(origin)) return {};
  return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': 'content-type' };
}

/** The answer to a CORS preflight (OPTIONS) from an allow-listed origin. */
export function preflightHeaders(access: HttpAccess, origin: string | undefined): Record<string, string> {
  const base = corsHeaders(access, origin);
  if (!base['access-control-allow-origin']) return {};
  return {
    ...base,
    'access-control-allow-methods': 'GET, OPTIONS',
    'access-control-allow-headers': 'authorization',
    'access-control-max-age': '600',
  };
}

/** Parses API_CORS_ORIGINS: comma-separated origins, each scheme://host[:port] without a path. */
export function parseOrigins(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
