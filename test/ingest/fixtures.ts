// Fixtures for the ingest tests: events, envelopes published exactly as the edge
// publishes them (src/shared/envelope.ts), child ingest processes, row counts.
import { mainEnv, SEAMED_MAIN, spawnMain, type MainProcess } from '../helpers/main-process.js';
import type { Fault } from '../helpers/seamed-main.js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import pg from 'pg';
import { encodeEnvelope, eventKey, messageId, type Envelope } from '../../src/shared/envelope.js';
import { subjectFor, type StoredType } from '../../src/shared/subjects.js';
import { ensureStream } from '../../src/shared/nats.js';
import type { Config } from '../../src/config.js';
import { decodeMessage, type DecodedMessage } from '../../src/ingest/decode.js';
import { whenCaughtUp } from '../helpers/stack.js';

export type Ev = Record<string, unknown> & { type: string; character_name: string; event_id?: string };

const BASE = Date.parse('2026-11-25T12:00:00.000Z');
export const at = (i: number) => new Date(BASE + i * 1000).toISOString();

export function telemetry(name: string, i: number, extra: Record<string, unknown> = {}): Ev {
  return {
    type: 'telemetry',
    character_name: name,
    timestamp: at(i),
    ew: 10 + i / 8,
    ns: -20 - i / 4,
    z: 0.5,
    kills: i,
    ...extra,
  };
}
export const spawnEv = (name: string, i: number, extra: Record<string, unknown> = {}): Ev => ({
  type: 'spawn',
  character_name: name,
  timestamp: at(i),
  mob: `Mob ${i}`,
  ew: i,
  ns: -i,
  ...extra,
});
export const rareEv = (name: string, i: number, extra: Record<string, unknown> = {}): Ev => ({
  type: 'rare',
  character_name: name,
  timestamp: at(i),
  name: `Rare ${i}`,
  ew: i,
  ns: i,
  z: 1,
  ...extra,
});

export function envelope(type: StoredType, events: Ev[]): Envelope {
  return {
    v: 1,
    type,
    received_at: new Date(BASE + 3_600_000).toISOString(),
    ids: events.map((e) => eventKey(e)),
    events,
  };
}

/** Publishes events of one type and character as ONE message, like the edge. Returns its stream sequence. */
export async function publish(
  js: JetStreamClient,
  prefix: string,
  events: Ev[],
  opts: { msgID?: string } = {},
): Promise<number> {
  const env = envelope(events[0].type as StoredType, events);
  const ack = await js.publish(subjectFor(prefix, env.type, events[0].character_name), encodeEnvelope(env), {
    msgID: opts.msgID ?? messageId(env.ids),
  });
  return ack.seq;
}

let decodedSeq = 0;
/** Events of one type and character as ingest decodes them from one message (prefix `tracker`), for applyBatch. */
export const decodedMessage = (type: StoredType, who: string, events: Ev[]): DecodedMessage =>
  decodeMessage(
    { prefix: 'tracker', maxMessageBytes: 1 << 20 },
    subjectFor('tracker', type, who),
    encodeEnvelope(envelope(type, events)),
    ++decodedSeq,
  );

/** Publishes raw bytes on a stream subject (for poison messages). */
export async function publishRaw(
  js: JetStreamClient,
  subject: string,
  data: string | Uint8Array,
  msgID: string,
): Promise<number> {
  return (await js.publish(subject, data, { msgID })).seq;
}

export interface Nats {
  nc: NatsConnection;
  js: JetStreamClient;
  close(): Promise<void>;
}

/** A NATS connection with the test's stream in place (the app would create it too). */
export async function natsFor(cfg: Config): Promise<Nats> {
  const nc = await connect({ servers: cfg.NATS_URL! });
  await ensureStream(nc, cfg);
  return { nc, js: jetstream(nc), close: () => nc.close() };
}

export async function dbFor(cfg: Config): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: cfg.DATABASE_URL! });
  await c.connect();
  return c;
}

export async function counts(db: pg.Client): Promise<{ telemetry: number; spawn_events: number; rare_events: number }> {
  const {
    rows: [r],
  } = await db.query(`select (select count(*)::int from telemetry) as telemetry,
    (select count(*)::int from spawn_events) as spawn_events, (select count(*)::int from rare_events) as rare_events`);
  return r;
}

export async function waitForCounts(
  db: pg.Client,
  want: Partial<Record<'telemetry' | 'spawn_events' | 'rare_events', number>>,
  timeoutMs = 30000,
) {
  return whenCaughtUp(
    async () => {
      const c = await counts(db);
      return Object.entries(want).every(([k, v]) => c[k as keyof typeof c] >= v!) ? c : undefined;
    },
    { timeoutMs, what: `row counts ${JSON.stringify(want)}` },
  );
}

/** Environment of a child process running `src/main.ts start` with the ingest role only. */
export function childEnv(cfg: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return mainEnv(cfg, {
    CONSUMER_NAME: cfg.CONSUMER_NAME,
    ROLES: 'ingest',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    INGEST_ACK_WAIT_SECONDS: String(cfg.INGEST_ACK_WAIT_SECONDS),
    INGEST_BATCH_MAX_EVENTS: String(cfg.INGEST_BATCH_MAX_EVENTS),
    INGEST_MAX_ACK_PENDING: String(cfg.INGEST_MAX_ACK_PENDING),
    ...extra,
  });
}

export type Child = MainProcess;

export const startChild = (env: NodeJS.ProcessEnv, args: string[] = ['start']): Child => spawnMain(env, args);

/** An ingest child that SIGKILLs itself at `fault` (test/helpers/seamed-main.ts). */
export const startFaultyChild = (env: NodeJS.ProcessEnv, fault: Fault): Child =>
  spawnMain(env, ['--fault', fault], { entry: SEAMED_MAIN });

export async function stopChild(c: Child): Promise<void> {
  if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
  await c.exited;
}

/** Waits until the durable has delivered and had acked (or termed) every message. */
export async function whenConsumerIdle(nc: NatsConnection, cfg: Config, timeoutMs = 30000): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await whenCaughtUp(
    async () => {
      const i = await jsm.consumers.info(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
      return i.num_pending === 0 && i.num_ack_pending === 0 && i.num_redelivered >= 0;
    },
    { timeoutMs, what: 'consumer idle (nothing pending, nothing unacked)' },
  );
}
