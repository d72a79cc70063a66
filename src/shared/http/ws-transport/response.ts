// uWS `HttpResponse` on two kinds of node sockets: a node:http ServerResponse (plain
// requests) or the raw socket of an upgrade request that is answered with HTTP instead
// (refused upgrades: 401, 400, 503; upgrade requests to plain routes). The rules of
// uWS hold where they matter to callers: writeStatus takes "200 OK", headers may
// repeat, onAborted fires only when the client left before end().
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpResponse, RecognizedString, us_socket_context_t } from '../uws.js';
import { toBuffer, toLatin1 } from './bytes.js';

export interface UpgradeTarget {
  upgrade(userData: unknown, key: string, protocol: string, extensions: string, context: us_socket_context_t): void;
}

/** Where a response goes. */
interface Sink {
  send(
    status: number,
    reason: string,
    headers: Array<[string, string]>,
    body: Buffer | undefined,
    last: boolean,
  ): boolean;
  readonly writableLength: number;
  onClose(fn: () => void): void;
  onDrain(fn: () => void): void;
  cork(): void;
  uncork(): void;
  destroy(): void;
  readonly remoteAddress: string | undefined;
}

export function serverResponseSink(res: ServerResponse): Sink {
  return {
    send(status, reason, headers, body, last) {
      if (!res.headersSent) {
        res.statusCode = status;
        if (reason) res.statusMessage = reason;
        for (const [k, v] of headers) res.appendHeader(k, v);
      }
      if (last) {
        res.end(body);
        return true;
      }
      return body ? res.write(body) : true;
    },
    get writableLength() {
      return res.writableLength;
    },
    onClose: (fn) => res.on('close', fn),
    onDrain: (fn) => res.on('drain', fn),
    cork: () => res.cork(),
    uncork: () => res.uncork(),
    destroy: () => res.destroy(),
    get remoteAddress() {
      return res.socket?.remoteAddress;
    },
  };
}

/** HTTP/1.1 written by hand on a socket node:http handed over for an upgrade; closes after the response. */
export function rawSocketSink(socket: Socket): Sink {
  const pending: Buffer[] = [];
  let head: string | undefined;
  return {
    send(status, reason, headers, body, last) {
      head ??= `HTTP/1.1 ${status} ${reason}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}`;
      if (body) pending.push(body);
      if (!last) return true;
      const payload = Buffer.concat(pending);
      socket.end(
        Buffer.concat([
          Buffer.from(`${head}content-length: ${payload.length}\r\nconnection: close\r\n\r\n`, 'latin1'),
          payload,
        ]),
      );
      return true;
    },
    get writableLength() {
      return socket.writableLength;
    },
    onClose: (fn) => socket.on('close', fn),
    onDrain: (fn) => socket.on('drain', fn),
    cork: () => socket.cork(),
    uncork: () => socket.uncork(),
    destroy: () => socket.destroy(),
    get remoteAddress() {
      return socket.remoteAddress;
    },
  };
}

export class WsHttpResponse implements HttpResponse {
  // biome-ignore lint/suspicious/noExplicitAny: uWS's HttpResponse declares this index signature; implementing it needs the same.
  [key: string]: any;
  private status = 200;
  private reason = 'OK';
  private readonly headers: Array<[string, string]> = [];
  private ended = false;
  private aborted = false;
  private abortHandler?: () => void;
  private writeOffset = 0;
  private totalSize?: number;

  constructor(
    private readonly sink: Sink,
    private readonly upgrader?: UpgradeTarget,
    private readonly body?: NodeJS.ReadableStream,
  ) {
    sink.onClose(() => {
      if (this.ended) return;
      this.aborted = true;
      this.abortHandler?.();
    });
  }

  /** True once end() ran or the client went away: writes are then ignored. */
  get done(): boolean {
    return this.ended || this.aborted;
  }
  markUpgraded(): void {
    this.ended = true;
  }

  pause(): void {
    (this.body as { pause?: () => void })?.pause?.();
  }
  resume(): void {
    (this.body as { resume?: () => void })?.resume?.();
  }

  writeStatus(status: RecognizedString): HttpResponse {
    const s = toLatin1(status);
    const sp = s.indexOf(' ');
    this.status = Number(sp < 0 ? s : s.slice(0, sp));
    this.reason = sp < 0 ? '' : s.slice(sp + 1);
    return this;
  }

  writeHeader(key: RecognizedString, value: RecognizedString): HttpResponse {
    this.headers.push([toLatin1(key), toLatin1(value)]);
    return this;
  }

  write(chunk: RecognizedString): boolean {
    if (this.done) return false;
    const b = toBuffer(chunk);
    this.writeOffset += b.length;
    return this.sink.send(this.status, this.reason, this.headers, b, false);
  }

  end(body?: RecognizedString, closeConnection?: boolean): HttpResponse {
    if (this.done) return this;
    if (closeConnection) this.headers.push(['connection', 'close']);
    const b = body === undefined ? undefined : toBuffer(body);
    this.writeOffset += b?.length ?? 0;
    this.ended = true;
    this.sink.send(this.status, this.reason, this.headers, b, true);
    return this;
  }

  endWithoutBody(reportedContentLength?: number, closeConnection?: boolean): HttpResponse {
    if (reportedContentLength !== undefined) this.headers.push(['content-length', String(reportedContentLength)]);
    return this.end(undefined, closeConnection);
  }

  tryEnd(fullBodyOrChunk: RecognizedString, totalSize: number): [boolean, boolean] {
    if (this.done) return [true, true];
    if (this.totalSize === undefined) {
      this.totalSize = totalSize;
      this.headers.push(['content-length', String(totalSize)]);
    }
    const b = toBuffer(fullBodyOrChunk);
    if (this.writeOffset + b.length >= totalSize) {
      this.end(b);
      return [true, true];
    }
    return [this.write(b), false];
  }

  close(): HttpResponse {
    this.ended = true;
    this.sink.destroy();
    return this;
  }
  getWriteOffset(): number {
    return this.writeOffset;
  }

  onWritable(handler: (offset: number) => boolean): HttpResponse {
    this.sink.onDrain(() => {
      if (!this.done) handler(this.writeOffset);
    });
    return this;
  }

  onAborted(handler: () => void): HttpResponse {
    this.abortHandler = handler;
    return this;
  }

  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): HttpResponse {
    const body = this.body;
    if (!body) {
      queueMicrotask(() => handler(new ArrayBuffer(0), true));
      return this;
    }
    body.on('data', (c: Buffer) =>
      handler(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength) as ArrayBuffer, false),
    );
    body.on('end', () => handler(new ArrayBuffer(0), true));
    return this;
  }

  getRemoteAddress(): ArrayBuffer {
    return textBuffer(this.sink.remoteAddress ?? '');
  }
  getRemoteAddressAsText(): ArrayBuffer {
    return textBuffer(this.sink.remoteAddress ?? '');
  }
  getProxiedRemoteAddress(): ArrayBuffer {
    return new ArrayBuffer(0);
  }
  getProxiedRemoteAddressAsText(): ArrayBuffer {
    return new ArrayBuffer(0);
  }

  cork(cb: () => void): HttpResponse {
    this.sink.cork();
    try {
      cb();
    } finally {
      this.sink.uncork();
    }
    return this;
  }

  upgrade<UserData>(
    userData: UserData,
    secWebSocketKey: RecognizedString,
    secWebSocketProtocol: RecognizedString,
    secWebSocketExtensions: RecognizedString,
    context: us_socket_context_t,
  ): void {
    if (!this.upgrader) throw new Error('HttpResponse.upgrade: this request is not a WebSocket upgrade');
    if (this.done) return;
    this.ended = true;
    this.upgrader.upgrade(
      userData,
      toLatin1(secWebSocketKey),
      toLatin1(secWebSocketProtocol),
      toLatin1(secWebSocketExtensions),
      context,
    );
  }
}

const textBuffer = (s: string) => {
  const b = Buffer.from(s, 'latin1');
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
};
