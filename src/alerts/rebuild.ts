// `npm run replay -- --alerts` (docs/alerts.md "Rebuild"): the alert history rebuilt from
// the log. The same evaluator as the live role reads the whole stream in order, with the
// arrival times in the log as its clock, then the wall clock at the end; the alerts it
// raises replace the table in one transaction, marked `rebuilt`, with their outbox rows
// stored as delivered (nothing is sent for the past), and the state and checkpoint it
// ends with are where the live role resumes. It takes the leader lock: with an alerts
// process running it refuses, rather than race it.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { Logger } from '../shared/logger.js';
import { ReplayError } from '../shared/errors.js';
import { isNotFound } from '../shared/nats.js';
import { Evaluator } from './evaluate.js';
import { samplesOf } from './decode.js';
import { anyPattern, muteTest } from './mutes.js';
import { inTransaction, loadMutes, writeStep } from './store.js';
import { tryLeadership } from './leader.js';
import type { AlertChange } from './types.js';
import type { AlertsOptions } from './index.js';

const NS_PER_S = 1_000_000_000;
const PULL_MAX_MESSAGES = 1000;

export interface RebuildResult {
  messages: number;
  samples: number;
  alerts: number;
  open: number;
  toSeq: number;
}

export async function rebuildAlerts(
  opts: AlertsOptions,
  nc: NatsConnection,
  pool: pg.Pool,
  log: Logger,
): Promise<RebuildResult> {
  const lead = await tryLeadership(pool, opts.consumer.consumerName);
  if (!lead)
    throw new ReplayError(
      'an alerts process is running (it holds the leader lock): stop every process with the alerts role, then rebuild',
    );
  try {
    const evaluator = new Evaluator(opts.evaluation);
    // Today's mutes: the log does not say which were set when (docs/alerts.md "Rebuild").
    evaluator.setMutes(muteTest(await loadMutes(lead.client)));
    const changes: AlertChange[] = [];
    const read = await evaluateLog(opts, nc, evaluator, changes);
    evaluator.tick(Math.max(Date.now(), read.clock), changes);
    const states = evaluator.takeDirty();
    await inTransaction(lead.client, async () => {
      await lead.client.query('delete from alerts');
      await lead.client.query('delete from alert_character_state where consumer_name = $1', [
        opts.consumer.consumerName,
      ]);
      await lead.client.query('delete from alert_checkpoint where consumer_name = $1', [opts.consumer.consumerName]);
      const write = { consumerName: opts.consumer.consumerName, seq: read.toSeq, changes, states };
      await writeStep(lead.client, { ...write, webhookUrls: opts.webhookUrls, rebuilt: true });
    });
    const alerts = changes.filter((c) => c.op === 'open').length;
    const open = [...evaluator.characters.values()].reduce(
      (n, st) => n + Object.values(st.open).filter((o) => !o.muted).length,
      0,
    );
    log.info({ ...read, alerts, open }, 'alert history rebuilt');
    return { messages: read.messages, samples: read.samples, alerts, open, toSeq: read.toSeq };
  } finally {
    await lead.release();
  }
}

/** Reads the stream up to its last sequence at start, evaluating as the live role would. */
async function evaluateLog(
  opts: AlertsOptions,
  nc: NatsConnection,
  evaluator: Evaluator,
  changes: AlertChange[],
): Promise<{ messages: number; samples: number; toSeq: number; clock: number }> {
  const jsm = await jetstreamManager(nc);
  const stream = await jsm.streams.info(opts.consumer.streamName).catch((err: unknown) => {
    throw isNotFound(err)
      ? new ReplayError(`stream ${opts.consumer.streamName} does not exist: nothing to rebuild`)
      : err;
  });
  const out = { messages: 0, samples: 0, toSeq: stream.state.last_seq, clock: 0 };
  if (stream.state.messages === 0) return out;
  const info = await jsm.consumers.add(opts.consumer.streamName, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    mem_storage: true,
    inactive_threshold: 60 * NS_PER_S, // the server removes it if the rebuild dies
    description: 'telemetry tracker alerts rebuild',
  });
  const ignored = anyPattern(opts.ignoreCharacters);
  let lastTick = 0;
  try {
    const consumer = await jetstream(nc).consumers.get(opts.consumer.streamName, info.name);
    const messages = await consumer.consume({ max_messages: PULL_MAX_MESSAGES });
    for await (const msg of messages) {
      out.messages++;
      for (const s of samplesOf(opts.subjectPrefix, msg.subject, msg.data)) {
        if (ignored(s.character)) continue;
        out.clock = Math.max(out.clock, s.receivedAt);
        // The live clock ticks every ALERT_TICK_MS of arrivals: so does this one.
        if (out.clock - lastTick >= opts.tickMs) {
          evaluator.tick(out.clock, changes);
          lastTick = out.clock;
        }
        evaluator.apply(s, changes);
        out.samples++;
      }
      if (msg.seq >= out.toSeq || msg.info.pending === 0) break;
    }
    messages.stop();
  } finally {
    await jsm.consumers.delete(opts.consumer.streamName, info.name).catch(() => {});
  }
  return out;
}
