// The alerts role's durable consumer (docs/alerts.md "Checkpoint"). Its position is the
// checkpoint in PostgreSQL, not the consumer's ack floor: each leader session creates it
// anew starting right after the checkpointed sequence, so evaluation always sees the
// stream in order from there (a redelivery after an ack timeout would come out of order).
// Only the leader (./leader.ts) touches it.
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { isNotFound } from '../shared/nats.js';

const NS_PER_S = 1_000_000_000;

export interface AlertConsumerOptions {
  readonly streamName: string;
  readonly consumerName: string;
}

/** Long enough for a step's commit; a late ack only means a redelivery the checkpoint skips. */
const ACK_WAIT_S = 60;
/** One leader pulls: its pulls and the batch in hand bound what is unacknowledged. */
const MAX_ACK_PENDING = 20_000;

export function alertConsumerConfig(o: AlertConsumerOptions, afterSeq: number): Partial<ConsumerConfig> {
  return {
    durable_name: o.consumerName,
    description: 'telemetry tracker alerts: evaluation from the checkpoint (docs/alerts.md)',
    ack_policy: AckPolicy.Explicit,
    ack_wait: ACK_WAIT_S * NS_PER_S,
    max_ack_pending: MAX_ACK_PENDING,
    max_deliver: -1,
    ...(afterSeq > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 }
      : { deliver_policy: DeliverPolicy.All }),
  };
}

/** Deletes the durable (whatever position it had) and creates it at `afterSeq + 1`. */
export async function recreateConsumer(
  jsm: JetStreamManager,
  o: AlertConsumerOptions,
  afterSeq: number,
): Promise<ConsumerInfo> {
  await jsm.consumers.delete(o.streamName, o.consumerName).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  return jsm.consumers.add(o.streamName, alertConsumerConfig(o, afterSeq));
}
