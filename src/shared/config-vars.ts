// Variables shared by every role. Role-specific variables live beside each role
// (src/config/edge.ts, src/config/ingest.ts, src/config/api.ts).
import { str, int, url, oneOf, list, bool, matching, type ParsedVars, type VarSpecs } from './env-vars.js';

export const ROLES = ['edge', 'ingest', 'api', 'alerts'] as const;

/**
 * The raw-telemetry retention's default (`raw_telemetry_retention`, sql/100_aggregate_mode.sql)
 * plus a week: a message older than this would only be stored to be dropped by the
 * retention, and ingest may be down for a week without one unstored event aging out.
 */
const RAW_RETENTION_DEFAULT_DAYS = 30;
const STREAM_AGE_MARGIN_DAYS = 7;
const STREAM_MAX_AGE_DEFAULT_S = (RAW_RETENTION_DEFAULT_DAYS + STREAM_AGE_MARGIN_DAYS) * 86400;

export const sharedVars = {
  DATABASE_URL: url(
    'PostgreSQL/TimescaleDB connection URL. Unset: `npm start` runs a private cluster under DATA_DIR.',
    ['postgres', 'postgresql'],
    { secret: true },
  ),
  NATS_URL: url(
    'NATS server URL(s), comma-separated for a cluster. Unset: `npm start` runs a private nats-server with JetStream ' +
      'under DATA_DIR.',
    ['nats', 'tls', 'ws', 'wss'],
  ),
  NATS_CREDS_FILE: str('Path to a NATS .creds file (optional).'),
  HOST: str('Address the HTTP/WebSocket server binds to.', { default: '127.0.0.1', minLength: 1 }),
  PORT: int(
    'Port of the HTTP/WebSocket server (ingest at /ws/position, live feed at /ws/live, read API); 0 = any free port.',
    8765,
    0,
    65535,
  ),
  PLUGIN_SECRET: str(
    'Shared secret game plugins send in `X-Plugin-Secret` (or `?secret=`). Unset (and no PLUGIN_SECRETS): no auth, ' +
      'allowed only when HOST is loopback.',
    { secret: true, minLength: 8 },
  ),
  PLUGIN_SECRETS: str(
    'More accepted plugin secrets, comma-separated (each at least 8 characters), on top of PLUGIN_SECRET: to rotate, ' +
      'add the new one, move the plugins over, then remove the old one.',
    { secret: true },
  ),
  TRACKER_SIGNING_KEY: str(
    'Secret the edge signs its JetStream messages with (HMAC-SHA256, header `Tracker-Sig`) and ingest checks them ' +
      'with: a signed message skips its second schema validation (docs/security.md "Signed messages"). Every edge ' +
      'and ingest process of a deployment must share it (e.g. `openssl rand -hex 32`). Unset: the private stack ' +
      'keeps a generated one in DATA_DIR, a process running both edge and ingest makes one for itself; otherwise ' +
      'nothing is signed and ingest checks every event in full.',
    { secret: true, minLength: 32 },
  ),
  API_TOKEN: str(
    'Bearer token required on the read API, /metrics, /openapi.json and /ws/live (`Authorization: Bearer <token>`, ' +
      'or `?token=` on /ws/live). Unset: reads are open. /health stays open. See docs/security.md.',
    { secret: true, minLength: 16 },
  ),
  API_CORS_ORIGINS: str(
    'Origins (scheme://host[:port], comma-separated) whose pages may call the read API cross-origin; unset: same ' +
      'origin only.',
  ),
  ROLES: list('Roles this process runs: edge, ingest, api, alerts (any combination; docs/alerts.md).', ROLES, [
    ...ROLES,
  ]),
  LOG_LEVEL: oneOf('pino log level.', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  DATA_DIR: str('Where the private NATS and PostgreSQL keep their data when no URLs are given.', {
    default: './.data',
    minLength: 1,
  }),
  LOCAL_NATS_PORT: int('Port of the private nats-server (only without NATS_URL).', 14222, 1, 65535),
  NATS_SYNC_INTERVAL: matching(
    "How often the private nats-server fsyncs JetStream writes (only without NATS_URL): `default` keeps the server's " +
      'own (every 2 minutes: a machine crash can lose acknowledged events), `always` syncs every write before its ' +
      'ack, or a duration such as `1s`. Needs nats-server 2.10+ (provisioning installs it) unless `default`; ' +
      'see docs/ingest.md "Durability" for what `always` costs.',
    '^(default|always|[1-9][0-9]*(ms|s|m|h))$',
    'default, always, or a duration such as 500ms, 1s, 2m',
    'default',
  ),
  LOCAL_PG_PORT: int('Port of the private PostgreSQL (only without DATABASE_URL).', 15432, 1, 65535),
  STREAM_NAME: str('JetStream stream holding telemetry, spawn and rare events (the system of record).', {
    default: 'TRACKER',
    minLength: 1,
    maxLength: 64,
  }),
  SUBJECT_PREFIX: str('First token of every subject: <prefix>.<type>.<character token>.', {
    default: 'tracker',
    minLength: 1,
    maxLength: 32,
  }),
  STREAM_MAX_AGE_SECONDS: int(
    'Oldest event JetStream keeps (0 = forever). Replay can only rebuild what the stream still holds. The default, ' +
      '37 days, is the raw-telemetry retention (30 days) plus a week for ingest to be down without losing an ' +
      'unstored event (docs/operations.md "Limits"); keep it above raw_telemetry_retention if you raise that.',
    STREAM_MAX_AGE_DEFAULT_S,
    0,
    100 * 365 * 86400,
  ),
  STREAM_MAX_BYTES: int(
    'Maximum stream size in bytes (-1 = unlimited). When reached, JetStream refuses new events (`discard: new`) ' +
      'and ack-mode clients get `unavailable`; nothing stored is dropped (docs/operations.md "Limits").',
    -1,
    -1,
    Number.MAX_SAFE_INTEGER,
  ),
  STREAM_DUPLICATE_WINDOW_SECONDS: int('JetStream de-duplication window for Nats-Msg-Id.', 120, 1, 86400),
  STREAM_REPLICAS: int('Stream replicas (1 on a single server; 3 on a cluster).', 1, 1, 5),
  QUARANTINE_MAX_AGE_SECONDS: int(
    'Oldest refused event the quarantine stream <STREAM_NAME>_QUARANTINE keeps (docs/operations.md "Quarantine"); ' +
      '0 = forever.',
    30 * 86400,
    0,
    100 * 365 * 86400,
  ),
  QUARANTINE_MAX_BYTES: int(
    'Size cap of the quarantine stream in bytes (-1 = unlimited); when full it drops its oldest records, never an ' +
      'accepted event. JetStream reserves it in its store at start (a server without room logs a warning and keeps ' +
      'no quarantine). The default holds about 400,000 refused events (~600 bytes each).',
    256 * 1024 * 1024,
    -1,
    Number.MAX_SAFE_INTEGER,
  ),
  PG_POOL_MAX: int('Maximum PostgreSQL connections per process.', 10, 1, 500),
  MIGRATE_ON_START: bool('Apply pending SQL migrations at startup.', true),
  UWS_USE_FALLBACK: oneOf(
    'HTTP/WebSocket transport (docs/transports.md). `auto`: native uWebSockets.js when its binary loads for this ' +
      'Node (16/18/20), else the ws + node:http transport; `true`/`1`: always ws; `false`/`0`: native or refuse to ' +
      'start.',
    ['auto', 'true', 'false', '1', '0'] as const,
    'auto',
  ),
  SHUTDOWN_TIMEOUT_MS: int(
    'How long a graceful shutdown may take before the process exits anyway.',
    10000,
    100,
    600000,
  ),
} satisfies VarSpecs;

/** The shared variables, parsed. Each role's config type picks the ones it uses. */
export type SharedConfig = Readonly<ParsedVars<typeof sharedVars>>;
