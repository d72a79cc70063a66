// The durable pull consumer all ingest processes share (competing consumers).
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { IngestConfig } from './config.js';
import { isNotFound } from '../shared/nats.js';
import type { Logger } from '../shared/logger.js';

const NS_PER_S = 1_000_000_000;

export type ConsumerSettings = Pick<
  IngestConfig,
  'STREAM_NAME' | 'CONSUMER_NAME' | 'INGEST_ACK_WAIT_SECONDS' | 'INGEST_MAX_ACK_PENDING'
>;

export function consumerConfig(cfg: ConsumerSettings): Partial<ConsumerConfig> {
  return {
    durable_name: cfg.CONSUMER_NAME,
    description: 'telemetry tracker ingest: JetStream -> TimescaleDB projections',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: cfg.INGEST_ACK_WAIT_SECONDS * NS_PER_S,
    max_ack_pending: cfg.INGEST_MAX_ACK_PENDING,
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
  cfg: ConsumerSettings,
  log?: Logger,
): Promise<ConsumerInfo> {
  const want = consumerConfig(cfg);
  for (let attempt = 0; ; attempt++) {
    try {
      const info = await jsm.consumers.info(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
      const have = info.config;
      if (
        have.ack_wait === want.ack_wait &&
        have.max_ack_pending === want.max_ack_pending &&
        (have.max_deliver ?? -1) === want.max_deliver
      )
        return info;
      log?.info({ consumer: cfg.CONSUMER_NAME }, 'updating consumer settings');
      return await jsm.consumers.update(cfg.STREAM_NAME, cfg.CONSUMER_NAME, {
        ack_wait: want.ack_wait,
        max_ack_pending: want.max_ack_pending,
        max_deliver: want.max_deliver,
        description: want.description,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      const info = await jsm.consumers.add(cfg.STREAM_NAME, want);
      log?.info({ consumer: cfg.CONSUMER_NAME, stream: cfg.STREAM_NAME }, 'consumer created');
      return info;
    } catch (err) {
      if (attempt >= 2) throw err; // created concurrently with another config: go round once more
    }
  }
}
