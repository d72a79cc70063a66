// Helpers for edge tests: the app in-process on the shared real NATS, `ws` clients,
// and reading back what JetStream stored.
import WebSocket from 'ws';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { startApp, type RunningApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { decodeEnvelope, type Envelope } from '../../src/shared/envelope.js';
import type { ResolvedConfig } from '../../src/config.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';

export const SECRET = 'test-secret-123';

export interface EdgeUnderTest {
  app: RunningApp;
  cfg: ResolvedConfig;
  nc: NatsConnection;
  jsm: JetStreamManager;
  url(path: string): string;
  /** Messages in the test's stream. */
  count(): Promise<number>;
  /** Every stored message, decoded, with its subject. */
  stored(): Promise<Array<{ subject: string; msgId?: string; env: Envelope }>>;
  stop(): Promise<void>;
}

export async function startEdgeApp(overrides: Record<string, string> = {}): Promise<EdgeUnderTest> {
  const cfg = await testConfig({ ROLES: 'edge', PLUGIN_SECRET: SECRET, MIGRATE_ON_START: 'false', ...overrides });
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL, 'edge-test'));
  const nc = await connect({ servers: cfg.NATS_URL! });
  const jsm = await jetstreamManager(nc);
  const count = async () => (await jsm.streams.info(cfg.STREAM_NAME)).state.messages;
  return {
    app,
    cfg,
    nc,
    jsm,
    count,
    url: (path) => `ws://127.0.0.1:${app.port}${path}`,
    stored: async () => {
      const info = await jsm.streams.info(cfg.STREAM_NAME);
      const out = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(cfg.STREAM_NAME, { seq });
        if (!m) continue;
        out.push({ subject: m.subject, msgId: m.header?.get('Nats-Msg-Id'), env: decodeEnvelope(m.data) });
      }
      return out;
    },
    stop: async () => {
      await nc.close();
      await app.stop();
    },
  };
}

export interface Client {
  ws: WebSocket;
  /** Every text message received, parsed. */
  received: any[];
  /** Resolves with the first received message matching `pred` (already received ones count). */
  next(pred?: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  send(data: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens a WebSocket; rejects with the HTTP status when the upgrade is refused. */
export function openClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const received: any[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('message', (data, isBinary) => {
      if (!isBinary) received.push(JSON.parse(data.toString()));
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c;
      });
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        received,
        closed,
        send: (data) => ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data)),
        close: () => ws.close(),
        next: (pred = () => true, timeoutMs = 10000) =>
          whenCaughtUp(() => received.find(pred), { timeoutMs, what: 'a matching reply' }),
      }),
    );
  });
}

export const positionUrl = (edge: EdgeUnderTest, query = '') => edge.url(`/ws/position${query}`);

/** Opens an authenticated plugin connection. */
export const openPlugin = (edge: EdgeUnderTest, query = '') =>
  openClient(positionUrl(edge, query), { 'X-Plugin-Secret': SECRET });

let n = 0;
export const ts = () => new Date(Date.UTC(2026, 10, 25, 12, 0, 0, n++)).toISOString();

export const telemetry = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'telemetry',
  character_name: name,
  timestamp: ts(),
  ew: 12.5,
  ns: -3.25,
  z: 0,
  ...extra,
});
export const spawn = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'spawn',
  character_name: name,
  timestamp: ts(),
  mob: 'Drudge Skulker',
  ew: 1,
  ns: 2,
  ...extra,
});
export const rare = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'rare',
  character_name: name,
  timestamp: ts(),
  name: 'Pyreal Sword',
  ew: 1,
  ns: 2,
  z: 3,
  ...extra,
});
export const chat = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'chat',
  character_name: name,
  timestamp: ts(),
  text: 'hello there',
  ...extra,
});

/**
 * Opens a /ws/live client and waits until the edge's NATS subscriptions for `types`
 * are confirmed (GET /health), so nothing published afterwards can be missed.
 */
export async function openLive(
  edge: EdgeUnderTest,
  query = '',
  types: string[] = ['telemetry', 'spawn', 'rare', 'chat'],
): Promise<Client> {
  const c = await openClient(edge.url(`/ws/live${query}`));
  await whenCaughtUp(
    async () => {
      const h = (await (await fetch(`http://127.0.0.1:${edge.app.port}/health`)).json()) as {
        checks: { edge: { detail: { live_subscribed_types: string[] } } };
      };
      return types.every((t) => h.checks.edge.detail.live_subscribed_types.includes(t));
    },
    { what: `live subscriptions for ${types.join(',')}` },
  );
  return c;
}
