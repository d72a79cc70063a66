// URL patterns as uWS matches them: per segment a static name beats `:param` beats
// `*` (which takes the rest of the path); then method routes beat `any`; then the
// first registered wins. The raw path is matched (no percent-decoding), like uWS.
export type SegmentKind = 0 | 1 | 2; // static, param, wildcard

interface Route<H> {
  method: string;
  pattern: string;
  segments: Array<{ kind: SegmentKind; name: string }>;
  handler: H;
  order: number;
}

export interface Match<H> {
  handler: H;
  params: string[];
}

const ANY = '*';

function parse(pattern: string) {
  return pattern
    .split('/')
    .slice(1)
    .map((s) => ({ kind: (s.startsWith('*') ? 2 : s.startsWith(':') ? 1 : 0) as SegmentKind, name: s }));
}

export class Router<H> {
  private readonly routes: Array<Route<H>> = [];

  /** `method` lower-case, or `*` for any method. */
  add(method: string, pattern: string, handler: H): void {
    if (!pattern.startsWith('/')) throw new Error(`route pattern must start with "/": ${pattern}`);
    // Native uWS aborts the whole process ("Internal routing error") on a repeat: fail
    // as early, but catchably.
    if (this.routes.some((r) => r.method === method && r.pattern === pattern))
      throw new Error(`route registered twice: ${method} ${pattern}`);
    this.routes.push({ method, pattern, segments: parse(pattern), handler, order: this.routes.length });
  }

  /** Every route for a lower-case method and a path (no query string), best first (a handler may yield to the next). */
  match(method: string, path: string): Array<Match<H>> {
    const parts = path.split('/').slice(1);
    const found: Array<{ rank: number[]; m: Match<H> }> = [];
    for (const route of this.routes) {
      if (route.method !== method && route.method !== ANY) continue;
      const m = matchSegments(route.segments, parts);
      if (!m) continue;
      found.push({
        rank: [...m.rank, route.method === ANY ? 1 : 0, route.order],
        m: { handler: route.handler, params: m.params },
      });
    }
    if (found.length > 1) found.sort((a, b) => (lessThan(a.rank, b.rank) ? -1 : lessThan(b.rank, a.rank) ? 1 : 0));
    return found.map((f) => f.m);
  }
}

function matchSegments(
  segments: Route<unknown>['segments'],
  parts: string[],
): { rank: number[]; params: string[] } | undefined {
  const rank: number[] = [];
  const params: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s.kind === 2) {
      rank.push(2);
      return { rank, params };
    }
    if (i >= parts.length) return undefined;
    if (s.kind === 1) {
      if (parts[i] === '') return undefined;
      params.push(parts[i]);
    } else if (s.name !== parts[i]) return undefined;
    rank.push(s.kind);
  }
  return segments.length === parts.length ? { rank, params } : undefined;
}

function lessThan(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i];
  return a.length > b.length; // deeper static match first
}
