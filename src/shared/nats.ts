// NATS connection and the JetStream stream that is the system of record.
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  DiscardPolicy,
  type StreamConfig,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { readFileSync } from 'node:fs';
import type { SharedConfig } from './config-vars.js';
import { streamSubjects } from './subjects.js';
import { quarantineStreamConfig, type QuarantineSettings } from './quarantine.js';
import type { Logger } from './logger.js';

const NS_PER_S = 1_000_000_000;

export async function connectNats(
  cfg: Pick<SharedConfig, 'NATS_URL' | 'NATS_CREDS_FILE'>,
  name: string,
  log?: Logger,
): Promise<NatsConnection> {
  if (!cfg.NATS_URL) throw new Error('NATS_URL is not set');
  const nc = await connect({
    servers: cfg.NATS_URL.split(',').map((s) => s.trim()),
    name,
    // Keep trying forever: a NATS restart is an outage to ride out, not a crash.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 10_000,
    // nats.js builds an Error per request/publish for async stack traces: 22-28% of the
    // edge's CPU in the per-event profile (docs/edge.md). Not worth it on the hot path.
    noAsyncTraces: true,
    authenticator: cfg.NATS_CREDS_FILE ? credsAuthenticator(readFileSync(cfg.NATS_CREDS_FILE)) : undefined,
  });
  if (log) {
    (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error')
          log.warn({ nats: s.type, data: String((s as { data?: unknown }).data ?? '') }, 'nats status');
      }
    })().catch(() => {});
  }
  return nc;
}

/** What /health reports about the client's link to NATS. */
export interface ConnectionState {
  readonly connected: boolean;
  readonly disconnectedSince?: number;
  readonly reconnects: number;
}

/**
 * Follows the client's status events. While nats.js reconnects, `isClosed()` stays
 * false and `getServer()` still names the lost server, so neither shows an outage
 * (the NATS outage drill, docs/operations.md "Drills").
 */
export function watchConnection(nc: NatsConnection): ConnectionState {
  const state: { connected: boolean; disconnectedSince?: number; reconnects: number } = {
    connected: true,
    reconnects: 0,
  };
  (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'close') {
        state.connected = false;
        state.disconnectedSince ??= Date.now();
      } else if (s.type === 'reconnect') {
        state.connected = true;
        state.disconnectedSince = undefined;
        state.reconnects++;
      }
    }
  })().catch(() => {});
  return state;
}

/** The variables that define the stream (README "Configuration"). */
export type TrackerStreamConfig = Pick<
  SharedConfig,
  | 'STREAM_NAME'
  | 'SUBJECT_PREFIX'
  | 'STREAM_MAX_AGE_SECONDS'
  | 'STREAM_MAX_BYTES'
  | 'STREAM_DUPLICATE_WINDOW_SECONDS'
  | 'STREAM_REPLICAS'
>;

/**
 * `discard: new`: at STREAM_MAX_BYTES JetStream refuses the publish, and the edge keeps
 * the events (answering ack-mode clients `unavailable`), instead of deleting the oldest
 * messages, which ingest may not have stored yet (issue 23: `discard: old` lost 34,177
 * acked events). Only max_age deletes, and its default outlives the raw-telemetry
 * retention (docs/operations.md "Limits").
 */
export function streamConfig(cfg: TrackerStreamConfig): Partial<StreamConfig> & { name: string } {
  return {
    name: cfg.STREAM_NAME,
    subjects: streamSubjects(cfg.SUBJECT_PREFIX),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    max_age: cfg.STREAM_MAX_AGE_SECONDS * NS_PER_S,
    max_bytes: cfg.STREAM_MAX_BYTES,
    duplicate_window: cfg.STREAM_DUPLICATE_WINDOW_SECONDS * NS_PER_S,
    num_replicas: cfg.STREAM_REPLICAS,
  };
}

/**
 * Creates the stream or brings an existing one to the configured settings.
 * info() then update(): `add` on an existing stream with another config fails on 2.10+.
 */
export async function ensureStream(
  nc: NatsConnection,
  cfg: TrackerStreamConfig,
  log?: Logger,
): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  await ensureStreamConfig(jsm, streamConfig(cfg), log);
  return jsm;
}

/** The quarantine stream of refused events (src/shared/quarantine.ts), created or updated like the log. */
export async function ensureQuarantineStream(
  jsm: JetStreamManager,
  cfg: QuarantineSettings,
  log?: Logger,
): Promise<void> {
  await ensureStreamConfig(jsm, quarantineStreamConfig(cfg), log);
}

async function ensureStreamConfig(
  jsm: JetStreamManager,
  want: Partial<StreamConfig> & { name: string },
  log?: Logger,
): Promise<void> {
  try {
    const info = await jsm.streams.info(want.name);
    const have = info.config;
    const same =
      (want.discard === undefined || have.discard === want.discard) &&
      have.max_age === want.max_age &&
      have.max_bytes === want.max_bytes &&
      (want.duplicate_window === undefined || have.duplicate_window === want.duplicate_window) &&
      JSON.stringify([...have.subjects].sort()) === JSON.stringify([...(want.subjects ?? [])].sort()) &&
      have.num_replicas === want.num_replicas;
    if (!same) {
      await jsm.streams.update(want.name, {
        ...want,
        storage: undefined,
        retention: undefined,
      } as Partial<StreamConfig>);
      log?.info({ stream: want.name }, 'stream updated');
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(want);
    log?.info({ stream: want.name }, 'stream created');
  }
}

/** A JetStream API "stream not found" or "consumer not found" answer (nats.js's own error class and codes). */
export function isNotFound(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound)
  );
}
