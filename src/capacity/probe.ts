// Reads how full the stores are: the stream against its limits, the JetStream account,
// the database size and, on the embedded default, the free space of both data
// directories. One probe asks NATS and PostgreSQL at most once per `ttlMs`, whoever
// asks (a scrape of /metrics, /health, the sampling timer): never per event.
import { statfs } from 'node:fs/promises';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Pool } from '../shared/db.js';
import type { CapacitySample } from './projection.js';

export interface DirSpace {
  readonly path: string;
  readonly freeBytes: number;
  readonly sizeBytes: number;
}

export interface CapacityReading {
  readonly atMs: number;
  readonly stream: {
    readonly name: string;
    readonly bytes: number;
    readonly messages: number;
    /** -1 = unlimited, as JetStream reports it. */
    readonly maxBytes: number;
    readonly maxMessages: number;
  };
  readonly account: {
    readonly storageBytes: number;
    readonly reservedStorageBytes: number;
    readonly maxStorageBytes: number;
  };
  readonly databaseBytes: number;
  readonly dirs: { readonly nats?: DirSpace; readonly postgres?: DirSpace };
}

/** Where the embedded nats-server and PostgreSQL keep their data; absent when they are external. */
export interface StoreDirs {
  readonly nats?: string;
  readonly postgres?: string;
}

export interface ProbeServices {
  readonly jsm: JetStreamManager;
  readonly pool: Pool;
  readonly streamName: string;
  readonly dirs: StoreDirs;
}

async function dirSpace(path: string | undefined): Promise<DirSpace | undefined> {
  if (!path) return undefined;
  const s = await statfs(path);
  // bavail, not bfree: blocks reserved for root are no room for a store run as a user.
  return { path, freeBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize };
}

export async function readCapacity(svc: ProbeServices): Promise<CapacityReading> {
  const [info, account, db, nats, postgres] = await Promise.all([
    svc.jsm.streams.info(svc.streamName),
    svc.jsm.getAccountInfo(),
    svc.pool.query<{ bytes: string }>('select pg_database_size(current_database())::text as bytes'),
    dirSpace(svc.dirs.nats),
    dirSpace(svc.dirs.postgres),
  ]);
  const maxStorage = account.limits?.max_storage;
  return {
    atMs: Date.now(),
    stream: {
      name: svc.streamName,
      bytes: info.state.bytes,
      messages: info.state.messages,
      maxBytes: info.config.max_bytes > 0 ? info.config.max_bytes : -1,
      maxMessages: info.config.max_msgs > 0 ? info.config.max_msgs : -1,
    },
    account: {
      storageBytes: account.storage,
      reservedStorageBytes: account.reserved_storage ?? 0,
      maxStorageBytes: typeof maxStorage === 'number' && maxStorage > 0 ? maxStorage : -1,
    },
    databaseBytes: Number(db.rows[0].bytes),
    dirs: { nats, postgres },
  };
}

/**
 * The stream's sample: full at its max_bytes when capped, else at the JetStream
 * account's max_storage, else when the NATS data directory's disk is full; unknown
 * otherwise (an external server without limits: its disk is not visible from here).
 */
export function streamSample(r: CapacityReading): CapacitySample {
  const base = { atMs: r.atMs, usedBytes: r.stream.bytes };
  if (r.stream.maxBytes > 0)
    return {
      ...base,
      limit: 'stream max_bytes',
      limitBytes: r.stream.maxBytes,
      leftBytes: r.stream.maxBytes - r.stream.bytes,
    };
  if (r.account.maxStorageBytes > 0)
    return {
      ...base,
      limit: 'JetStream account max_storage',
      limitBytes: r.account.maxStorageBytes,
      leftBytes: r.account.maxStorageBytes - r.account.storageBytes,
    };
  if (r.dirs.nats)
    return {
      ...base,
      limit: `free space of ${r.dirs.nats.path}`,
      limitBytes: r.dirs.nats.sizeBytes,
      leftBytes: r.dirs.nats.freeBytes,
    };
  return {
    ...base,
    limit: 'unknown: no stream or account limit, and the NATS disk is not visible from here',
    limitBytes: null,
    leftBytes: null,
  };
}

/** The database's sample: full when its data directory's disk is, known only on the embedded default. */
export function databaseSample(r: CapacityReading): CapacitySample {
  const base = { atMs: r.atMs, usedBytes: r.databaseBytes };
  if (r.dirs.postgres)
    return {
      ...base,
      limit: `free space of ${r.dirs.postgres.path}`,
      limitBytes: r.dirs.postgres.sizeBytes,
      leftBytes: r.dirs.postgres.freeBytes,
    };
  return {
    ...base,
    limit: 'unknown: PostgreSQL is external, its disk is not visible from here',
    limitBytes: null,
    leftBytes: null,
  };
}

/** Caches one reading for `ttlMs`; concurrent callers share the one in flight. */
export function cachedProbe(svc: ProbeServices, ttlMs: number): () => Promise<CapacityReading> {
  let last: CapacityReading | undefined;
  let pending: Promise<CapacityReading> | undefined;
  return () => {
    if (last && Date.now() - last.atMs < ttlMs) return Promise.resolve(last);
    pending ??= readCapacity(svc)
      .then((r) => {
        last = r;
        return r;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
