// uWS `WebSocket` over a `ws` socket, with uWS's semantics where callers or clients
// can tell the difference (measured against the native binary, docs/transports.md):
// - end()/close() call the close handler at once; any later use throws, as in uWS;
// - send() returns 1 sent, 0 buffered, 2 dropped over maxBackpressure (then, with
//   closeOnBackpressureLimit, the socket is dropped: the client sees 1006);
// - a frame over maxPayloadLength, invalid UTF-8 or any protocol error drops the
//   connection without a close frame (client sees 1006), like uWS; `ws` alone would
//   send a close frame (1009, 1007);
// - `drain` fires when the socket's write buffer empties;
// - idle timeout and automatic pings: see ./idle.ts.
import type { Socket } from 'node:net';
import type WsSocket from 'ws';
import type { RecognizedString, WebSocket, WebSocketBehavior } from '../uws.js';
import { toArrayBuffer, toBuffer } from './bytes.js';
import type { Topics } from './topics.js';
import { idlePlan, type IdleState } from './idle.js';

export const SUCCESS = 1;
export const BACKPRESSURE = 0;
export const DROPPED = 2;

/** Close reasons uWS hands its close handler for connections it drops. */
const DROP_REASON: Record<string, string> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'Received too big message',
  WS_ERR_INVALID_UTF8: 'Received invalid UTF-8',
};
export const IDLE_REASON = 'WebSocket timed out from inactivity';
/** RFC 6455: the reason of a close frame fits in 123 bytes. */
const MAX_REASON_BYTES = 123;

const closedError = () => new Error('Invalid access of closed uWS.WebSocket/SSLWebSocket.');

export class WsWebSocket<UserData> implements WebSocket<UserData> {
  closed = false;
  readonly idle: IdleState;
  private ending = false;
  private dropScheduled = false;
  private dropReason = '';
  private corkDepth = 0;
  private corkBase = 0;

  constructor(
    private readonly internal: WsSocket,
    private readonly socket: Socket,
    private readonly userData: UserData,
    private readonly behavior: WebSocketBehavior<UserData>,
    private readonly topics: Topics,
    private readonly onGone: (ws: WsWebSocket<UserData>) => void,
  ) {
    this.idle = idlePlan(behavior.idleTimeout ?? 120, behavior.sendPingsAutomatically ?? true);
    internal.binaryType = 'arraybuffer';
    // Protocol errors: `ws` closes with a close frame; uWS drops the connection. Calls
    // from end() (ending) and the echo of a client's close frame keep the close frame.
    const closeWithFrame = internal.close.bind(internal);
    internal.close = (code?: number, data?: string | Buffer) => {
      if (this.ending || (internal as unknown as { _closeFrameReceived: boolean })._closeFrameReceived)
        closeWithFrame(code, data);
      else internal.terminate();
    };
    // Auto-cork, as uWS does: every reply written while `ws` parses one TCP read (it
    // emits the read's messages synchronously in its own 'data' listener) leaves in one
    // write. Ours run before and after that listener.
    socket.prependListener('data', () => {
      this.idle.sawData();
      this.corkStart();
    });
    socket.on('data', () => this.corkEnd());
    socket.on('drain', () => {
      if (!this.closed) behavior.drain?.(this);
    });
    internal.on('error', (err: Error & { code?: string }) => {
      this.dropReason ||= DROP_REASON[err.code ?? ''] ?? err.message;
    });
    internal.on('message', (data, isBinary) => {
      if (!this.closed) void behavior.message?.(this, data as ArrayBuffer, isBinary);
    });
    internal.on('ping', (data) => {
      if (!this.closed) behavior.ping?.(this, toArrayBuffer(data));
    });
    internal.on('pong', (data) => {
      if (!this.closed) behavior.pong?.(this, toArrayBuffer(data));
    });
    internal.on('close', (code, reason) => this.finish(code, this.dropReason || reason.toString('utf8')));
  }

  /** Runs the close handler once and forgets the socket. */
  private finish(code: number, reason: string): void {
    if (!this.closed) {
      this.closed = true;
      this.topics.unsubscribeAll(this);
      this.onGone(this);
      this.behavior.close?.(this, code, toArrayBuffer(Buffer.from(reason, 'utf8')));
    }
  }

  private assertOpen(): void {
    if (this.closed) throw closedError();
  }

  /** Drops the TCP connection: the client sees 1006, the close handler gets `code`. */
  drop(code: number, reason: string): void {
    if (this.closed) return;
    this.internal.terminate();
    this.finish(code, reason);
  }

  send(message: RecognizedString, isBinary = false, _compress = false): number {
    this.assertOpen();
    const max = this.behavior.maxBackpressure ?? 64 * 1024;
    if (this.dropScheduled || (max > 0 && this.getBufferedAmount() > max)) {
      if (this.behavior.closeOnBackpressureLimit && !this.dropScheduled) {
        // uWS shuts the socket down and reports the close later, never inside send().
        this.dropScheduled = true;
        setImmediate(() => this.drop(1006, ''));
      }
      return DROPPED;
    }
    this.internal.send(typeof message === 'string' ? message : toBuffer(message), {
      binary: isBinary,
      compress: false,
    });
    const waiting = this.corkDepth > 0 ? this.corkBase : this.socket.writableLength;
    return waiting > 0 ? BACKPRESSURE : SUCCESS;
  }

  sendFirstFragment(message: RecognizedString, isBinary = false): boolean {
    return this.fragment(message, isBinary, false);
  }
  sendFragment(message: RecognizedString): boolean {
    return this.fragment(message, this.fragmentBinary, false);
  }
  sendLastFragment(message: RecognizedString): boolean {
    return this.fragment(message, this.fragmentBinary, true);
  }
  private fragmentBinary = false;
  private fragment(message: RecognizedString, isBinary: boolean, fin: boolean): boolean {
    this.assertOpen();
    this.fragmentBinary = isBinary;
    this.internal.send(toBuffer(message), { binary: isBinary, fin, compress: false });
    return this.socket.writableLength === 0;
  }

  getBufferedAmount(): number {
    return this.internal.bufferedAmount;
  }

  end(code = 1000, shortMessage: RecognizedString = ''): void {
    this.assertOpen();
    const reason = toBuffer(shortMessage).subarray(0, MAX_REASON_BYTES);
    this.ending = true;
    try {
      this.internal.close(code, reason);
    } catch {
      this.internal.close(1000, reason); // `ws` refuses codes RFC 6455 reserves; uWS sends them
    }
    this.finish(code, reason.toString('utf8'));
  }

  close(): void {
    this.assertOpen();
    this.drop(1006, '');
  }

  ping(message?: RecognizedString): number {
    this.assertOpen();
    this.internal.ping(message === undefined ? undefined : toBuffer(message));
    return this.socket.writableLength > 0 ? BACKPRESSURE : SUCCESS;
  }

  subscribe(topic: RecognizedString): boolean {
    this.assertOpen();
    return this.topics.subscribe(this, String(topic));
  }
  unsubscribe(topic: RecognizedString): boolean {
    this.assertOpen();
    return this.topics.unsubscribe(this, String(topic));
  }
  isSubscribed(topic: RecognizedString): boolean {
    this.assertOpen();
    return this.topics.isSubscribed(this, String(topic));
  }
  getTopics(): string[] {
    this.assertOpen();
    return this.topics.topicsOf(this);
  }
  publish(topic: RecognizedString, message: RecognizedString, isBinary = false, _compress = false): boolean {
    this.assertOpen();
    return this.topics.publish(String(topic), message, isBinary, this);
  }

  cork(cb: () => void): WebSocket<UserData> {
    this.assertOpen();
    this.corkStart();
    try {
      cb();
    } finally {
      this.corkEnd();
    }
    return this;
  }

  /** While corked, send() reports backpressure only for bytes queued before the cork. */
  private corkStart(): void {
    if (this.corkDepth++ === 0) {
      this.corkBase = this.socket.writableLength;
      this.socket.cork();
    }
  }
  private corkEnd(): void {
    if (this.corkDepth > 0 && --this.corkDepth === 0) this.socket.uncork();
  }

  getRemoteAddress(): ArrayBuffer {
    return toArrayBuffer(Buffer.from(this.socket.remoteAddress ?? '', 'latin1'));
  }
  getRemoteAddressAsText(): ArrayBuffer {
    return toArrayBuffer(Buffer.from(this.socket.remoteAddress ?? '', 'latin1'));
  }
  getUserData(): UserData {
    return this.userData;
  }

  /** Called by the idle sweep (./idle.ts). */
  sendIdlePing(): void {
    if (!this.closed) this.internal.ping();
  }
}
