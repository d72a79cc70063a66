// The ingest role: the durable JetStream consumer that projects the stream into
// TimescaleDB (docs/ingest.md). Several processes may run it at once.
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type pg from 'pg';
import type { Logger } from '../shared/logger.js';
import type { Runtime, RoleHandle } from '../shared/runtime.js';
import type { IngestConfig } from './config.js';
import { ensureConsumer } from './consumer.js';
import { IngestLoop, type LoopSettings } from './loop.js';
import { createIngestMetrics, type IngestMetrics } from './metrics.js';
import { IngestState } from './state.js';
import { ingestCheck } from './health.js';
import { faultHook } from './fault.js';
import type { WriteContext } from './write-batch.js';
import { errorMessage } from '../shared/errors.js';

export async function startIngest(rt: Runtime, cfg: IngestConfig): Promise<RoleHandle> {
  const { nc } = rt;
  const log = rt.log.child({ role: 'ingest' });
  const jsm = await jetstreamManager(nc);
  await ensureConsumer(jsm, cfg, log);
  const metrics = createIngestMetrics(rt.metrics);
  const state = new IngestState();
  if (cfg.INGEST_FAULT !== 'none') log.warn({ fault: cfg.INGEST_FAULT }, 'TEST-ONLY fault injection is armed');

  const js = jetstream(nc);
  const loop = new IngestLoop(
    {
      getConsumer: async () => {
        await ensureConsumer(jsm, cfg, log);
        return js.consumers.get(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
      },
      decode: { prefix: cfg.SUBJECT_PREFIX, maxMessageBytes: cfg.INGEST_MAX_MESSAGE_BYTES },
      write: liveWriteContext(rt.pool, cfg),
      deadLetters: { nc, prefix: cfg.SUBJECT_PREFIX, log },
      state,
      log,
      metrics,
      afterCommit: faultHook(cfg.INGEST_FAULT, 'exit-after-commit'),
    },
    loopSettings(cfg),
  );
  loop.start();
  const lagTimer = pollLag(jsm, cfg, { metrics, state, log });
  rt.health.register(
    'ingest',
    ingestCheck(jsm, cfg.STREAM_NAME, cfg.CONSUMER_NAME, state, cfg.INGEST_UNHEALTHY_AFTER_SECONDS),
  );
  log.info(
    { consumer: cfg.CONSUMER_NAME, stream: cfg.STREAM_NAME, mode: cfg.INGEST_APPLY_MODE },
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

function liveWriteContext(
  pool: pg.Pool,
  cfg: Pick<IngestConfig, 'STREAM_NAME' | 'INGEST_APPLY_MODE' | 'INGEST_FAULT' | 'INGEST_MAX_DELIVER'>,
): WriteContext {
  return {
    pool,
    stream: cfg.STREAM_NAME,
    apply: { mode: cfg.INGEST_APPLY_MODE, midCopy: faultHook(cfg.INGEST_FAULT, 'exit-mid-copy') },
    maxDeliver: cfg.INGEST_MAX_DELIVER,
  };
}

function loopSettings(
  cfg: Pick<
    IngestConfig,
    | 'INGEST_BATCH_MAX_EVENTS'
    | 'INGEST_BATCH_MAX_WAIT_MS'
    | 'INGEST_PULL_MAX_MESSAGES'
    | 'INGEST_PULL_EXPIRES_MS'
    | 'INGEST_ACK_WAIT_SECONDS'
    | 'INGEST_RETRY_MIN_MS'
    | 'INGEST_RETRY_MAX_MS'
    | 'INGEST_WRITERS'
    | 'INGEST_POISON_NAK_DELAY_MS'
  >,
): LoopSettings {
  return {
    batchMaxEvents: cfg.INGEST_BATCH_MAX_EVENTS,
    batchMaxWaitMs: cfg.INGEST_BATCH_MAX_WAIT_MS,
    pullMaxMessages: cfg.INGEST_PULL_MAX_MESSAGES,
    pullExpiresMs: cfg.INGEST_PULL_EXPIRES_MS,
    ackWaitMs: cfg.INGEST_ACK_WAIT_SECONDS * 1000,
    retryMinMs: cfg.INGEST_RETRY_MIN_MS,
    retryMaxMs: cfg.INGEST_RETRY_MAX_MS,
    writers: cfg.INGEST_WRITERS,
    nakDelayMs: cfg.INGEST_POISON_NAK_DELAY_MS,
  };
}

/** Polls the consumer's lag into metrics and state every INGEST_LAG_POLL_MS, at once first. */
function pollLag(
  jsm: JetStreamManager,
  cfg: Pick<IngestConfig, 'STREAM_NAME' | 'CONSUMER_NAME' | 'INGEST_LAG_POLL_MS'>,
  to: { metrics: IngestMetrics; state: IngestState; log: Logger },
): NodeJS.Timeout {
  const poll = async () => {
    try {
      const info = await jsm.consumers.info(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
      to.metrics.pending.set(info.num_pending);
      to.metrics.ackPending.set(info.num_ack_pending);
      to.state.observeLag(info.num_pending, info.num_ack_pending);
    } catch (err) {
      to.metrics.errors.inc({ kind: 'lag_poll' });
      to.log.debug({ err: errorMessage(err) }, 'consumer lag poll failed');
    }
  };
  void poll();
  const timer = setInterval(poll, cfg.INGEST_LAG_POLL_MS);
  timer.unref();
  return timer;
}
