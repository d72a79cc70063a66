// Load for the drills: plugin-like WebSocket clients spread over the edges.
// Ack-mode clients follow the recommended plugin loop (docs/protocol.md, "Acks"): one
// frame outstanding, unique event_ids, resend the same events on `unavailable`, on a
// close or when no final reply comes, with capped backoff. Fire-and-forget clients
// send and never resend; a frame is accepted unless the edge answers it with an error.
import WebSocket from 'ws';
import { eventKey } from '../../src/shared/envelope.js';
import { sleep } from '../../src/localstack/process.js';
import { whenCaughtUp } from '../helpers/stack.js';

export interface LoadOptions {
  /** Edge base URLs (ws://127.0.0.1:port); client i uses edges[i % edges.length]. */
  edges: string[];
  clients: number;
  ack: boolean;
  eventsPerFrame: number;
  /** Pause between frames of one client (pacing, so a drill lasts long enough to fault mid-stream). */
  frameIntervalMs: number;
  /** Character name prefix and event_id prefix: unique per load. */
  tag: string;
  /** Longest wait for a frame's final reply before the client resends it on a new connection. */
  replyTimeoutMs?: number;
}

type Ev = {
  type: 'telemetry';
  character_name: string;
  event_id: string;
  timestamp: string;
  ew: number;
  ns: number;
  z: number;
};

const BASE = Date.parse('2026-12-01T00:00:00.000Z');

export class Load {
  /** Events generated (each once, whatever the resends). */
  sent = 0;
  /** Frames written to a socket, resends included. */
  frames = 0;
  /** Ack mode: events in acked frames. Fire-and-forget: events in frames not answered with an error. */
  readonly acceptedKeys = new Set<string>();
  readonly sentKeys = new Set<string>();
  /** Error replies by code (`unavailable`, …). */
  readonly errors: Record<string, number> = {};
  reconnects = 0;
  private running = true;
  private aborted = false;
  private readonly conns = new Set<Conn>();
  private readonly loops: Promise<void>[] = [];
  /** Unacked or unanswered events per client. */
  private readonly open = new Map<number, number>();

  constructor(private readonly o: LoadOptions) {
    for (let i = 0; i < o.clients; i++) this.loops.push(o.ack ? this.ackClient(i) : this.plainClient(i));
  }

  get accepted(): number {
    return this.acceptedKeys.size;
  }

  /** Stops making new frames; resolves when every client has its last frame settled. */
  async stop(timeoutMs = 120000): Promise<void> {
    this.running = false;
    await whenCaughtUp(
      async () => {
        await Promise.race([Promise.all(this.loops), sleep(200)]);
        return [...this.open.values()].every((n) => n === 0);
      },
      { timeoutMs, what: 'every frame of the load settled' },
    );
    await Promise.all(this.loops);
  }

  /** For teardown after a failure: stops every client at once, settled or not. */
  abort(): void {
    this.running = false;
    this.aborted = true;
    for (const c of this.conns) c.close();
  }

  private async connect(i: number): Promise<Conn | undefined> {
    const c = await Conn.open(this.url(i)).catch(() => undefined);
    if (c) this.conns.add(c);
    return c;
  }

  private frame(i: number, n: number): Ev[] {
    return Array.from({ length: this.o.eventsPerFrame }, (_, k) => {
      const seq = n * this.o.eventsPerFrame + k;
      return {
        type: 'telemetry',
        character_name: `${this.o.tag} ${i}`,
        event_id: `${this.o.tag}-${i}-${seq}`,
        timestamp: new Date(BASE + seq * 10).toISOString(),
        ew: i + seq / 1000,
        ns: -seq / 1000,
        z: 0,
      };
    });
  }

  private note(events: Ev[]): string[] {
    const keys = events.map((e) => eventKey(e));
    for (const k of keys) this.sentKeys.add(k);
    this.sent += events.length;
    return keys;
  }

  private url(i: number): string {
    return `${this.o.edges[i % this.o.edges.length]}/ws/position${this.o.ack ? '?ack=1' : ''}`;
  }

  private async ackClient(i: number): Promise<void> {
    let conn: Conn | undefined;
    let backoff = 50;
    for (let n = 0; this.running; n++) {
      const events = this.frame(i, n);
      const keys = this.note(events);
      this.open.set(i, events.length);
      for (;;) {
        if (this.aborted) return;
        if (!conn || conn.closed) {
          if (conn) this.reconnects++;
          conn = await this.connect(i);
          if (!conn) {
            await sleep(backoff);
            backoff = Math.min(backoff * 2, 1000);
            continue;
          }
        }
        const reply = await conn.request(JSON.stringify(events), this.o.replyTimeoutMs ?? 20000);
        this.frames++;
        if (reply?.type === 'ack' && reply.accepted === events.length) {
          for (const k of keys) this.acceptedKeys.add(k);
          backoff = 50;
          break;
        }
        const code = reply?.type === 'error' ? String(reply.code) : reply ? `unexpected_${reply.type}` : 'no_reply';
        this.errors[code] = (this.errors[code] ?? 0) + 1;
        if (!reply) conn.close();
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 1000);
      }
      this.open.set(i, 0);
      await sleep(this.o.frameIntervalMs);
    }
    conn?.close();
  }

  private async plainClient(i: number): Promise<void> {
    let conn: Conn | undefined;
    for (let n = 0; this.running; n++) {
      if (!conn || conn.closed) {
        if (conn) this.reconnects++;
        conn = await this.connect(i);
        if (!conn) {
          await sleep(200);
          n--;
          continue;
        }
      }
      const events = this.frame(i, n);
      const keys = this.note(events);
      this.open.set(i, events.length);
      // No reply means accepted; refusals (capacity) are answered before the next
      // frame is read, so a marker frame answered after it settles this one.
      const refused = await conn.sendPlain(JSON.stringify(events), this.o.replyTimeoutMs ?? 20000);
      this.frames++;
      if (refused === undefined) {
        this.errors.no_reply = (this.errors.no_reply ?? 0) + 1;
        conn.close();
      } else if (refused) this.errors[refused] = (this.errors[refused] ?? 0) + 1;
      else for (const k of keys) this.acceptedKeys.add(k);
      this.open.set(i, 0);
      await sleep(this.o.frameIntervalMs);
    }
    conn?.close();
  }
}

/** One WebSocket with replies matched by frame number. */
class Conn {
  closed = false;
  private frame = 0;
  private readonly waiting = new Map<number, (m: any) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let m: any;
      try {
        m = JSON.parse(data.toString());
      } catch {
        return;
      }
      // Per-event errors come before the frame's final reply; only final replies settle.
      if (m.type === 'error' && m.index !== undefined) return;
      this.waiting.get(m.frame)?.(m);
    });
    ws.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.values()) w(undefined);
    });
    ws.on('error', () => {});
  }

  static open(url: string): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new Conn(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends a frame and resolves with its final reply, or undefined on close or timeout. */
  request(text: string, timeoutMs: number): Promise<any> {
    const n = ++this.frame;
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiting.delete(n);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(n, (m) => {
        clearTimeout(t);
        this.waiting.delete(n);
        resolve(m);
      });
      if (this.closed) {
        this.waiting.get(n)?.(undefined);
        return;
      }
      this.ws.send(text);
    });
  }

  /**
   * Fire and forget: sends the frame, then a malformed marker frame (always answered
   * `malformed_json`). Resolves with the frame's error code, '' when it had no error
   * reply (accepted), undefined when the socket closed first.
   */
  async sendPlain(text: string, timeoutMs: number): Promise<string | undefined> {
    const n = this.frame + 1;
    let refused = '';
    this.waiting.set(n, (m) => {
      if (m) refused = String(m.code);
    });
    this.frame = n;
    if (this.closed) return undefined;
    this.ws.send(text);
    const marker = await this.request('marker, not json', timeoutMs);
    this.waiting.delete(n);
    return marker ? refused : undefined;
  }

  close(): void {
    this.closed = true;
    this.ws.close();
  }
}
