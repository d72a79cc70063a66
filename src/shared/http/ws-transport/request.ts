// uWS `HttpRequest` over a node:http IncomingMessage. Same return values as uWS v20:
// lower-case method, path without the query, getQuery() undefined when there is none.
import type { IncomingMessage } from 'node:http';
import type { HttpRequest } from '../uws.js';

export class WsHttpRequest implements HttpRequest {
  private readonly path: string;
  private readonly query: string | undefined;
  private yielded = false;

  constructor(
    readonly raw: IncomingMessage,
    private params: string[] = [],
  ) {
    const url = raw.url ?? '/';
    const q = url.indexOf('?');
    this.path = q < 0 ? url : url.slice(0, q);
    this.query = q < 0 ? undefined : url.slice(q + 1);
  }

  get url(): string {
    return this.path;
  }
  setParams(params: string[]): void {
    this.params = params;
  }
  get didYield(): boolean {
    return this.yielded;
  }

  getHeader(lowerCaseKey: unknown): string {
    const v = this.raw.headers[String(lowerCaseKey)];
    return v === undefined ? '' : Array.isArray(v) ? v.join(', ') : v;
  }
  getParameter(index: number): string {
    return this.params[index] ?? '';
  }
  getUrl(): string {
    return this.path;
  }
  getMethod(): string {
    return (this.raw.method ?? 'GET').toLowerCase();
  }
  getCaseSensitiveMethod(): string {
    return this.raw.method ?? 'GET';
  }
  getQuery(): string;
  getQuery(key: string): string;
  getQuery(key?: string): string {
    if (key === undefined) return this.query as string; // undefined without a query, as uWS
    return (this.query === undefined ? undefined : (new URLSearchParams(this.query).get(key) ?? undefined)) as string;
  }
  forEach(cb: (key: string, value: string) => void): void {
    const h = this.raw.rawHeaders;
    for (let i = 0; i < h.length; i += 2) cb(h[i].toLowerCase(), h[i + 1]);
  }
  setYield(y: boolean): HttpRequest {
    this.yielded = y;
    return this;
  }
}
