// The ingest role: the durable JetStream consumer that projects the stream into
// TimescaleDB (docs/ingest.md). Several processes may run it at once.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Runtime, RoleHandle } from '../shared/runtime.js';
import type { IngestConfig } from './config.js';
import { ensureConsumer } from './consumer.js';
import { poolApplier } from './isolate.js';
import { IngestLoop } from './loop.js';
import { createIngestMetrics } from './metrics.js';
import { IngestState } from './state.js';
import { ingestCheck } from './health.js';
import { faultHook } from './fault.js';
import { errorMessage } from '../shared/errors.js';

export async function startIngest(rt: Runtime, cfg: IngestConfig): Promise<RoleHandle> {
  const { nc, pool } = rt;
  const log = rt.log.child({ role: 'ingest' });
  const jsm = await jetstreamManager(nc);
  await ensureConsumer(jsm, cfg, log);
  const js = jetstream(nc);
  const metrics = createIngestMetrics(rt.metrics);
  const state = new IngestState();
  if (cfg.INGEST_FAULT !== 'none') log.warn({ fault: cfg.INGEST_FAULT }, 'TEST-ONLY fault injection is armed');

  const loop = new IngestLoop(
    async () => {
      await ensureConsumer(jsm, cfg, log);
      return js.consumers.get(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
    },
    {
      nc,
      pool,
      log,
      metrics,
      prefix: cfg.SUBJECT_PREFIX,
      maxMessageBytes: cfg.INGEST_MAX_MESSAGE_BYTES,
      stream: cfg.STREAM_NAME,
      applier: poolApplier(pool, {
        mode: cfg.INGEST_APPLY_MODE,
        midCopy: faultHook(cfg.INGEST_FAULT, 'exit-mid-copy'),
      }),
      maxDeliver: cfg.INGEST_MAX_DELIVER,
      nakDelayMs: cfg.INGEST_POISON_NAK_DELAY_MS,
      settle: true,
      afterCommit: faultHook(cfg.INGEST_FAULT, 'exit-after-commit'),
    },
    {
      batchMaxEvents: cfg.INGEST_BATCH_MAX_EVENTS,
      batchMaxWaitMs: cfg.INGEST_BATCH_MAX_WAIT_MS,
      pullMaxMessages: cfg.INGEST_PULL_MAX_MESSAGES,
      pullExpiresMs: cfg.INGEST_PULL_EXPIRES_MS,
      ackWaitMs: cfg.INGEST_ACK_WAIT_SECONDS * 1000,
      retryMinMs: cfg.INGEST_RETRY_MIN_MS,
      retryMaxMs: cfg.INGEST_RETRY_MAX_MS,
      writers: cfg.INGEST_WRITERS,
    },
    state,
    log,
    metrics,
  );
  loop.start();

  const pollLag = async () => {
    try {
      const info = await jsm.consumers.info(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
      metrics.pending.set(info.num_pending);
      metrics.ackPending.set(info.num_ack_pending);
      state.observeLag(info.num_pending, info.num_ack_pending);
    } catch (err) {
      metrics.errors.inc({ kind: 'lag_poll' });
      log.debug({ err: errorMessage(err) }, 'consumer lag poll failed');
    }
  };
  void pollLag();
  const lagTimer = setInterval(pollLag, cfg.INGEST_LAG_POLL_MS);
  lagTimer.unref();
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
