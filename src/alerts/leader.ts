// One alerts process evaluates at a time (docs/alerts.md "Several processes"): the one
// holding a PostgreSQL session advisory lock, named after the consumer. It writes every
// step on that same session, so a leader that lost its connection also lost the lock
// and cannot commit: no alert is raised by two processes. A standby tries again every
// ALERT_LEADER_RETRY_MS; when the leader dies, its session ends and the lock is free.
import type pg from 'pg';

const LOCK_SQL = "select pg_try_advisory_lock(hashtextextended('tracker_alerts:' || $1, 0)) as got";
const UNLOCK_SQL = "select pg_advisory_unlock(hashtextextended('tracker_alerts:' || $1, 0))";

export interface Leadership {
  /** The session holding the lock: every write of the leader goes through it. */
  readonly client: pg.PoolClient;
  /** True once the connection reported an error (the lock is gone with it). */
  readonly broken: () => boolean;
  release(): Promise<void>;
}

/** The lock on a dedicated connection, or undefined when another process holds it. */
export async function tryLeadership(pool: pg.Pool, consumerName: string): Promise<Leadership | undefined> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client whose connection dies emits 'error'; without a listener the process would crash.
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  let got = false;
  try {
    got = (await client.query<{ got: boolean }>(LOCK_SQL, [consumerName])).rows[0].got;
  } catch (err) {
    broken = err as Error;
  }
  const release = async () => {
    if (got && !broken) await client.query(UNLOCK_SQL, [consumerName]).catch((err: Error) => (broken = err));
    client.off('error', onError);
    // A broken session is closed, not pooled: the server drops its lock with it.
    client.release(broken);
  };
  if (!got) {
    await release();
    if (broken) throw broken;
    return undefined;
  }
  return { client, broken: () => broken !== undefined, release };
}
