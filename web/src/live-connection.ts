// The /ws/live feed: connect, take a fresh snapshot, then apply deltas; on any drop,
// reconnect with backoff and start over with a new snapshot (docs/web.md: reconnects).
// Messages that arrive while the snapshot loads are held and applied after it, so
// nothing between the snapshot and the first delta is lost.
import { backoffDelay } from './backoff.js';
import type { LiveMessage } from './types.js';

export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'snapshot'; attempt: number }
  | { kind: 'live'; since: number }
  | { kind: 'reconnecting'; attempt: number; retryAt: number; reason: string };

export interface LiveConnectionOptions {
  url: string;
  loadSnapshot: () => Promise<void>;
  onMessage: (m: LiveMessage) => void;
  onState: (s: ConnectionState) => void;
  /**
   * Why the server refused the WebSocket, when it never opened (a browser does not see
   * the HTTP status of a refused upgrade); undefined when the cause is not known.
   */
  whyRefused?: () => Promise<string | undefined>;
}

export class LiveConnection {
  private ws?: WebSocket;
  private attempt = 0;
  private held: LiveMessage[] | undefined;
  private timer?: ReturnType<typeof setTimeout>;
  state: ConnectionState = { kind: 'connecting', attempt: 0 };
  /** Snapshots taken so far (one per successful (re)connection). */
  snapshots = 0;

  constructor(private readonly o: LiveConnectionOptions) {}

  start(): void {
    this.connect();
  }

  private set(s: ConnectionState): void {
    this.state = s;
    this.o.onState(s);
  }

  private connect(): void {
    this.set({ kind: 'connecting', attempt: this.attempt });
    const ws = new WebSocket(this.o.url);
    this.ws = ws;
    this.held = [];
    ws.onopen = () => {
      void this.snapshot(ws);
    };
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') return;
      let m: LiveMessage;
      try {
        m = JSON.parse(e.data) as LiveMessage;
      } catch {
        return;
      }
      if (this.held) this.held.push(m);
      else this.o.onMessage(m);
    };
    let opened = false;
    ws.addEventListener('open', () => {
      opened = true;
    });
    ws.onclose = (e) => {
      const reason = e.code === 1000 ? 'closed' : `closed (${e.code})`;
      if (opened || !this.o.whyRefused) return this.retry(ws, reason);
      void this.o.whyRefused().then(
        (why) => this.retry(ws, why ?? reason),
        () => this.retry(ws, reason),
      );
    };
    // An error is always followed by close; the close handler reconnects.
    ws.onerror = () => {};
  }

  private async snapshot(ws: WebSocket): Promise<void> {
    this.set({ kind: 'snapshot', attempt: this.attempt });
    try {
      await this.o.loadSnapshot();
    } catch (err) {
      if (this.ws === ws) {
        ws.close();
        this.retry(ws, `snapshot failed: ${(err as Error).message}`);
      }
      return;
    }
    if (this.ws !== ws || ws.readyState !== WebSocket.OPEN) return;
    const held = this.held ?? [];
    this.held = undefined;
    for (const m of held) this.o.onMessage(m);
    this.snapshots++;
    this.attempt = 0;
    this.set({ kind: 'live', since: Date.now() });
  }

  private retry(ws: WebSocket, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    clearTimeout(this.timer);
    const delay = backoffDelay(this.attempt++);
    this.set({ kind: 'reconnecting', attempt: this.attempt, retryAt: Date.now() + delay, reason });
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
