// Where an import got to, per source file and table, kept in JetStream next to the
// events it describes: a small stream `<STREAM_NAME>_IMPORTS` holding one message per
// subject `<SUBJECT_PREFIX>_import.<source>.<table>` (max_msgs_per_subject = 1, so
// the newest checkpoint replaces the older one). A checkpoint says "every row up to
// this rowid is acknowledged by JetStream". It is only an optimization: a re-run that
// ignores it (`--restart`) still stores nothing twice (event-id.ts), it just reads and
// sends again. The row at the checkpoint is hashed so that another file at the same
// path, or a rewritten one, is not mistaken for the one imported (docs/import.md).
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import {
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  DiscardPolicy,
  type JetStreamManager,
  type JetStreamClient,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { canonicalJson } from '../shared/canonical-json.js';
import { isNotFound } from '../shared/nats.js';
import type { SqlRow } from './map-row.js';

export interface Checkpoint {
  /** Every row with rowid <= this is stored in JetStream. */
  rowid: number;
  /** rowHash() of the row at `rowid`. */
  rowHash: string;
  /** The whole table was imported. */
  done: boolean;
  at: string;
}

export interface CheckpointNames {
  stream: string;
  subjectPrefix: string;
}

export const checkpointNames = (streamName: string, subjectPrefix: string): CheckpointNames => ({
  stream: `${streamName}_IMPORTS`,
  subjectPrefix: `${subjectPrefix}_import`,
});

/** Identity of a source file: its real path, hashed (a subject token has no '.' or '/'). */
export const sourceId = (path: string): string =>
  createHash('sha256').update(realpathSync(path)).digest('hex').slice(0, 24);

export function rowHash(row: SqlRow): string {
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row))
    plain[k] = Buffer.isBuffer(v) ? { blob: v.toString('base64') } : typeof v === 'bigint' ? v.toString() : v;
  return createHash('sha256').update(canonicalJson(plain)).digest('base64url');
}

export class CheckpointStore {
  private constructor(
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly names: CheckpointNames,
    private readonly source: string,
  ) {}

  static async open(
    nc: NatsConnection,
    names: CheckpointNames,
    source: string,
    replicas: number,
  ): Promise<CheckpointStore> {
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(names.stream);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await jsm.streams.add({
        name: names.stream,
        subjects: [`${names.subjectPrefix}.>`],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        max_msgs_per_subject: 1,
        num_replicas: replicas,
      });
    }
    return new CheckpointStore(jsm, jetstream(nc), names, source);
  }

  private subject(table: string): string {
    return `${this.names.subjectPrefix}.${this.source}.${table}`;
  }

  async get(table: string): Promise<Checkpoint | undefined> {
    const m = await this.jsm.streams.getMessage(this.names.stream, { last_by_subj: this.subject(table) });
    return m ? (m.json() as Checkpoint) : undefined;
  }

  async put(table: string, cp: Checkpoint): Promise<void> {
    await this.js.publish(this.subject(table), JSON.stringify(cp));
  }
}
