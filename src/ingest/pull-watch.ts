// Notices a pull that has died without ending its iterator, and stops the iterator so
// the loop recreates the consumer (docs/ingest.md "How it works", consume).
// consumer_deleted / repeated missed heartbeats / consumer_not_found end it at once
// (docs/dependencies.md "NATS JetStream"). Plus a watchdog: on a NATS cluster, after the
// consumer's leader died, a process was seen receiving neither messages nor heartbeats
// for good while nats.js's own recovery kept timing out (leader kill drill,
// docs/operations.md): with no sign of life for two pull lifetimes, start over.
import type { ConsumerMessages } from '@nats-io/jetstream';
import type { Logger } from '../shared/logger.js';

export interface PullWatchOptions {
  /** Pull request lifetime; nats.js's 30 s when absent. */
  readonly pullExpiresMs?: number;
  /** True while the loop holds messages: a satisfied pull is silent on purpose then. */
  readonly busy: () => boolean;
  /** Told why the pull is given up (logged already; the iterator is stopped next). */
  readonly onLost: (why: string) => void;
  readonly log: Logger;
}

export interface PullWatch {
  /** A message arrived: the pull is alive. */
  alive(): void;
}

export function watchPull(messages: ConsumerMessages, opts: PullWatchOptions): PullWatch {
  let lastActivityAt = Date.now();
  const silentLimitMs = 2 * (opts.pullExpiresMs ?? 30_000);
  const lost = (why: string) => {
    opts.onLost(why);
    clearInterval(dog);
    messages.stop();
  };
  const dog = setInterval(
    () => {
      if (opts.busy()) lastActivityAt = Date.now();
      if (Date.now() - lastActivityAt <= silentLimitMs) return;
      opts.log.warn(
        { silent_ms: Date.now() - lastActivityAt },
        'no message or heartbeat on the pull; recreating the consumer',
      );
      lost('pull silent');
    },
    Math.max(500, silentLimitMs / 4),
  );
  dog.unref();
  void messages.closed().finally(() => clearInterval(dog));
  (async () => {
    for await (const st of messages.status()) {
      if (st.type === 'heartbeat') lastActivityAt = Date.now();
      if (
        st.type === 'consumer_deleted' ||
        (st.type === 'heartbeats_missed' && st.count >= 2) ||
        (st.type === 'consumer_not_found' && st.count >= 2)
      ) {
        opts.log.warn({ status: st.type }, 'ingest consumer lost; recreating it');
        lost(st.type);
        return;
      }
    }
  })().catch(() => {});
  return {
    alive: () => {
      lastActivityAt = Date.now();
    },
  };
}
