// The edge role: /ws/position (plugins -> validated events -> JetStream, chat -> core
// NATS) and /ws/live (NATS -> browsers). Wire protocol: docs/protocol.md.
import type { Runtime, RoleHandle } from '../shared/runtime.js';
import type { Health } from '../shared/health.js';
import type { Logger } from '../shared/logger.js';
import { createEdgeMetrics, type EdgeMetrics } from './metrics.js';
import { Publisher, type PublisherOptions } from './publisher.js';
import { JetStreamPublisher } from './jetstream-publish.js';
import { AckTrackers } from './ack-tracker.js';
import { addPositionRoute } from './position-route.js';
import type { PositionConn, PositionLimitOptions } from './position-frame.js';
import { addLiveRoute, LiveFeed, type LiveConn, type LiveLimitOptions } from './live-route.js';
import { SizeBudget } from './size-budget.js';
import { messageSigner } from '../shared/message-signature.js';
import { createQuarantine, type Quarantine } from './quarantine.js';
import { frameOptionsOf, type ExtensionTypes } from './frame.js';
import type { NormalizeOptions } from '../../schemas/normalize.js';

/** Everything the edge is configured with, built by the composition root (src/config/edge.ts). */
export interface EdgeOptions {
  readonly subjectPrefix: string;
  /** Every accepted plugin secret; empty = no auth (docs/security.md). */
  readonly pluginSecrets: readonly string[];
  /** TRACKER_SIGNING_KEY: JetStream messages are signed with it (docs/security.md "Signed messages"). */
  readonly signingKey?: string;
  readonly maxEventDepth: number;
  /** How older plugins' events are made canonical (docs/protocol.md "Older plugins"). */
  readonly normalize: NormalizeOptions;
  /** Extension types kept in the log (docs/protocol.md "Extension types"). */
  readonly extensionTypes: ExtensionTypes;
  readonly ackTimeoutMs: number;
  readonly unhealthyAfterSeconds: number;
  readonly shutdownTimeoutMs: number;
  /** The size budget is the server's max_payload, known only once connected. */
  readonly publisher: Omit<PublisherOptions, 'budget'>;
  readonly position: PositionLimitOptions;
  readonly live: LiveLimitOptions;
}

/** NATS's default max_payload, used when the server did not say. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export async function startEdge(rt: Runtime, opts: EdgeOptions): Promise<RoleHandle> {
  const { log, nc, app } = rt;
  const metrics = createEdgeMetrics(rt.metrics);
  // Read once at start; a server that later announces a smaller max_payload makes
  // publishes fail for size, which the publisher isolates per event (docs/edge.md).
  const maxMessageBytes = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  const signer = opts.signingKey === undefined ? undefined : messageSigner(opts.signingKey);
  const budget = new SizeBudget(maxMessageBytes, signer !== undefined);
  const jsPublisher = new JetStreamPublisher(nc, signer);
  const publisher = createPublisher(opts.publisher, jsPublisher, budget, metrics, log);
  const acks = new AckTrackers(opts.ackTimeoutMs);
  let stopping = false;
  const isStopping = () => stopping;
  const sockets = { position: new Set<PositionConn>(), live: new Set<LiveConn>() };
  const secrets = opts.pluginSecrets;
  const frameOptions = frameOptionsOf(opts, budget);
  const quarantine = edgeQuarantine(rt, opts.subjectPrefix, budget, metrics);
  addPositionRoute(
    app,
    { log, nc, publisher, acks, metrics, isStopping, limits: opts.position, secrets, frameOptions, quarantine },
    sockets.position,
  );
  const feed = new LiveFeed(await rt.connectNats('tracker-edge-live'), app, opts.subjectPrefix, metrics, log);
  addLiveRoute(app, opts.live, metrics, feed, sockets.live, isStopping);
  registerEdgeCheck(rt.health, publisher, feed, sockets, opts.unhealthyAfterSeconds);
  log.info(
    {
      mode: opts.publisher.mode,
      maxMessageBytes,
      auth: secrets.length > 0,
      plugin_secrets: secrets.length,
      signed: signer !== undefined,
    },
    'edge ready: /ws/position, /ws/live',
  );

  return {
    stop: async () => {
      stopping = true;
      await stopEdge({ publisher, jsPublisher, acks, sockets, feed }, opts.shutdownTimeoutMs, log);
    },
  };
}

/**
 * After new frames and upgrades are refused: store what was accepted (bounded, so the
 * acks still reach their clients), then close every socket: us_listen_socket_close
 * does not (docs/dependencies.md "uWebSockets.js", uWS.js#663).
 */
async function stopEdge(
  parts: {
    publisher: Publisher;
    jsPublisher: JetStreamPublisher;
    acks: AckTrackers;
    sockets: { position: Set<PositionConn>; live: Set<LiveConn> };
    feed: LiveFeed;
  },
  shutdownTimeoutMs: number,
  log: Logger,
): Promise<void> {
  const { publisher, sockets } = parts;
  const drained = await publisher.drain(Math.floor(shutdownTimeoutMs / 2));
  if (!drained)
    log.error({ lost_events: publisher.buffered }, 'edge stopped before every accepted event was stored in JetStream');
  publisher.close();
  parts.jsPublisher.close();
  parts.acks.close();
  for (const c of [...sockets.position]) c.ws?.end(1001, 'server shutting down');
  for (const c of [...sockets.live]) c.ws?.end(1001, 'server shutting down');
  await parts.feed.close();
}

/** Where refused events are kept (docs/protocol.md "Refused events"): raw text up to one event's size limit. */
function edgeQuarantine(rt: Runtime, subjectPrefix: string, budget: SizeBudget, metrics: EdgeMetrics): Quarantine {
  return createQuarantine({
    nc: rt.nc,
    subjectPrefix,
    maxRawBytes: budget.maxEventBytes('telemetry'),
    maxMessageBytes: budget.maxPayload,
    metrics,
    log: rt.log.child({ component: 'edge-quarantine' }),
  });
}

function createPublisher(
  opts: EdgeOptions['publisher'],
  jsPublisher: JetStreamPublisher,
  budget: SizeBudget,
  metrics: EdgeMetrics,
  log: Logger,
): Publisher {
  return new Publisher(jsPublisher.publish, { ...opts, budget }, metrics, log.child({ component: 'edge-publisher' }));
}

/** The `edge` check of /health: failing publishes, a full buffer, or a stall (docs/edge.md). */
function registerEdgeCheck(
  health: Health,
  publisher: Publisher,
  feed: LiveFeed,
  sockets: { position: Set<PositionConn>; live: Set<LiveConn> },
  unhealthyAfterSeconds: number,
): void {
  health.register('edge', async () => {
    const failure = publisher.failure;
    const saturated = !publisher.canAccept(1);
    const stalledS = publisher.stalledForMs() / 1000;
    const reason =
      failure.since !== undefined
        ? `JetStream publishes failing since ${new Date(failure.since).toISOString()}: ${failure.error}`
        : saturated
          ? 'buffer of unstored events is full (EDGE_MAX_BUFFERED_EVENTS)'
          : stalledS > unhealthyAfterSeconds
            ? `no JetStream message stored for ${Math.round(stalledS)} s while ${publisher.buffered} events wait ` +
              `(EDGE_UNHEALTHY_AFTER_SECONDS)`
            : undefined;
    return {
      ok: reason === undefined,
      reason,
      detail: {
        buffered_events: publisher.buffered,
        inflight_publishes: publisher.inflightPublishes,
        position_connections: sockets.position.size,
        live_connections: sockets.live.size,
        live_subscribed_types: feed.subscribedTypes,
      },
    };
  });
}
