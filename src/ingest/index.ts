// The ingest role: the durable JetStream consumer that projects the stream into
// TimescaleDB (docs/ingest.md). Several processes may run it at once.
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type pg from 'pg';
import type { Logger } from '../shared/logger.js';
import type { Runtime, RoleHandle } from '../shared/runtime.js';
import { ensureConsumer, type ConsumerOptions } from './consumer.js';
import { IngestLoop, type LoopOptions } from './loop.js';
import { createIngestMetrics, type IngestMetrics } from './metrics.js';
import { IngestState } from './state.js';
import { ingestCheck } from './health.js';
import type { ApplyMode } from './apply.js';
import type { IngestSeamOptions } from './seams.js';
import type { WriteOptions } from './write-batch.js';
import { errorMessage } from '../shared/errors.js';
import { decodeOptions } from './decode.js';

/** Everything ingest (and replay) is configured with, built by the composition root (src/config/ingest.ts). */
export interface IngestOptions {
  readonly subjectPrefix: string;
  readonly consumer: ConsumerOptions;
  /** Larger stream messages are dead-lettered unread. */
  readonly maxMessageBytes: number;
  /** TRACKER_SIGNING_KEY: messages the edge signed with it skip the second validation (docs/security.md). */
  readonly signingKey?: string;
  readonly applyMode: ApplyMode;
  /** Deliveries of a message the database refuses before it is dead-lettered. */
  readonly maxDeliver: number;
  readonly loop: LoopOptions;
  readonly unhealthyAfterSeconds: number;
  /** How often the consumer's lag is read for metrics. */
  readonly lagPollMs: number;
}

export async function startIngest(
  rt: Runtime,
  opts: IngestOptions,
  seams: IngestSeamOptions = {},
): Promise<RoleHandle> {
  const { nc } = rt;
  const log = rt.log.child({ role: 'ingest' });
  const jsm = await jetstreamManager(nc);
  await ensureConsumer(jsm, opts.consumer, log);
  const metrics = createIngestMetrics(rt.metrics);
  const state = new IngestState();
  if (seams.afterCommit || seams.midCopy)
    log.warn({ afterCommit: !!seams.afterCommit, midCopy: !!seams.midCopy }, 'TEST-ONLY fault injection is armed');
  const { streamName, consumerName } = opts.consumer;
  const applyMode = seams.applyMode ?? opts.applyMode;

  const js = jetstream(nc);
  const loop = new IngestLoop(
    {
      getConsumer: async () => {
        await ensureConsumer(jsm, opts.consumer, log);
        return js.consumers.get(streamName, consumerName);
      },
      decode: decodeOptions(opts),
      write: liveWriteOptions(rt.pool, opts, { mode: applyMode, midCopy: seams.midCopy }),
      deadLetters: { nc, prefix: opts.subjectPrefix, log },
      state,
      log,
      metrics,
      afterCommit: seams.afterCommit,
    },
    opts.loop,
  );
  loop.start();
  const lagTimer = pollLag(jsm, opts, { metrics, state, log });
  rt.health.register('ingest', ingestCheck(jsm, streamName, consumerName, state, opts.unhealthyAfterSeconds));
  log.info(
    { consumer: consumerName, stream: streamName, mode: applyMode, signed: opts.signingKey !== undefined },
    'ingest consumer started',
  );

  return {
    stop: async () => {
      clearInterval(lagTimer);
      await loop.stop();
      log.info('ingest consumer stopped');
    },
  };
}

function liveWriteOptions(pool: pg.Pool, opts: IngestOptions, apply: WriteOptions['apply']): WriteOptions {
  return { pool, stream: opts.consumer.streamName, apply, maxDeliver: opts.maxDeliver };
}

/** Polls the consumer's lag into metrics and state every `lagPollMs`, at once first. */
function pollLag(
  jsm: JetStreamManager,
  opts: Pick<IngestOptions, 'consumer' | 'lagPollMs'>,
  to: { metrics: IngestMetrics; state: IngestState; log: Logger },
): NodeJS.Timeout {
  const poll = async () => {
    try {
      const info = await jsm.consumers.info(opts.consumer.streamName, opts.consumer.consumerName);
      to.metrics.pending.set(info.num_pending);
      to.metrics.ackPending.set(info.num_ack_pending);
      to.state.observeLag(info.num_pending, info.num_ack_pending);
    } catch (err) {
      to.metrics.errors.inc({ kind: 'lag_poll' });
      to.log.debug({ err: errorMessage(err) }, 'consumer lag poll failed');
    }
  };
  void poll();
  const timer = setInterval(poll, opts.lagPollMs);
  timer.unref();
  return timer;
}
