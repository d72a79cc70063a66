// The durable pull consumer all ingest processes share (competing consumers).
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { isNotFound } from '../shared/nats.js';
import type { Logger } from '../shared/logger.js';

const NS_PER_S = 1_000_000_000;

export interface ConsumerOptions {
  readonly streamName: string;
  /** The durable's name, shared by every ingest process. */
  readonly consumerName: string;
  readonly ackWaitSeconds: number;
  /** Shared by every process of the consumer (docs/dependencies.md "NATS JetStream"). */
  readonly maxAckPending: number;
}

export function consumerConfig(opts: ConsumerOptions): Partial<ConsumerConfig> {
  return {
    durable_name: opts.consumerName,
    description: 'telemetry tracker ingest: JetStream -> TimescaleDB projections',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: opts.ackWaitSeconds * NS_PER_S,
    max_ack_pending: opts.maxAckPending,
    // Unlimited on the server, on purpose (INGEST_MAX_DELIVER is NOT passed here).
    // The server counts EVERY redelivery, including those caused by a database outage
    // (messages buffered by a blocked consumer time out) or by crashes; once it reaches
    // max_deliver it never delivers the message again, so a long enough outage would
    // silently drop good events from the projections. The consumer counts deliveries
    // itself (msg.info.deliveryCount) and dead-letters only messages the database
    // REFUSED on their INGEST_MAX_DELIVER-th delivery (docs/ingest.md "Failures").
    max_deliver: -1,
    // No filter: the stream holds exactly <prefix>.{telemetry,spawn,rare}.>, and several
    // filter_subjects need nats-server 2.10 while CI runs 2.9 (docs/dependencies.md "NATS JetStream").
  };
}

/**
 * Creates the durable or brings it to the configured settings: info() then update(),
 * because `add` on an existing durable with another config fails on 2.10+ and silently
 * updates on 2.9 (docs/dependencies.md "NATS JetStream", nats-server#4217). Two processes racing to create it are
 * fine: the loser's add sees an identical config (accepted) or retries via update.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  opts: ConsumerOptions,
  log?: Logger,
): Promise<ConsumerInfo> {
  const want = consumerConfig(opts);
  for (let attempt = 0; ; attempt++) {
    try {
      const info = await jsm.consumers.info(opts.streamName, opts.consumerName);
      const have = info.config;
      if (
        have.ack_wait === want.ack_wait &&
        have.max_ack_pending === want.max_ack_pending &&
        (have.max_deliver ?? -1) === want.max_deliver
      )
        return info;
      log?.info({ consumer: opts.consumerName }, 'updating consumer settings');
      return await jsm.consumers.update(opts.streamName, opts.consumerName, {
        ack_wait: want.ack_wait,
        max_ack_pending: want.max_ack_pending,
        max_deliver: want.max_deliver,
        description: want.description,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      const info = await jsm.consumers.add(opts.streamName, want);
      log?.info({ consumer: opts.consumerName, stream: opts.streamName }, 'consumer created');
      return info;
    } catch (err) {
      if (attempt >= 2) throw err; // created concurrently with another config: go round once more
    }
  }
}
