// Environment variables of the read API role, and how the composition root turns them
// into the role's options (camelCase, units in names): no module of src/api/ sees a
// variable name (docs/contributing.md "Layout"). Every limit of every endpoint is here,
// with its default; the query schemas (src/api/schemas/queries.ts) are built from them.
import { int, num, str, url, type ParsedVars, type VarSpecs } from '../shared/env-vars.js';
import type { SharedConfig } from '../shared/config-vars.js';
import type { ApiOptions } from '../api/index.js';
import type { QueryLimitOptions } from '../api/schemas/queries.js';

export const apiVars = {
  API_DATABASE_URL: url(
    'PostgreSQL the read API queries; default DATABASE_URL. Point it at a streaming replica to move read traffic ' +
      "off the primary: answers then lag the primary by the replica's replay delay (shown in /health `api.detail.replica_lag_s`; " +
      'docs/operations.md "Read replica"). Migrations, ingest and the retention job always use DATABASE_URL.',
    ['postgres', 'postgresql'],
    { secret: true },
  ),
  API_MAX_ROWS: int(
    'Most rows (players, points, trail points, events, heatmap cells) any API response carries; longer results ' +
      'are cut and flagged `truncated`.',
    10000,
    1,
    1000000,
  ),
  API_DEFAULT_LIMIT: int(
    '`limit` of /spawns and /rares when the request gives none (at most API_MAX_ROWS).',
    1000,
    1,
    1000000,
  ),
  API_STATEMENT_TIMEOUT_MS: int(
    'PostgreSQL statement_timeout for API queries; a slower query answers 503 `unavailable`.',
    5000,
    100,
    600000,
  ),
  API_PG_POOL_MAX: int('PostgreSQL connections of the read API (its own pool, apart from ingest writes).', 5, 1, 500),
  API_LIVE_DEFAULT_SECONDS: int(
    '`seconds` of /live when absent: characters seen this recently are live.',
    30,
    1,
    86400,
  ),
  API_LIVE_MAX_SECONDS: int('Largest `seconds` /live accepts.', 3600, 1, 30 * 86400),
  API_TRAILS_DEFAULT_SECONDS: int('`seconds` of /trails when absent.', 600, 1, 86400),
  API_TRAILS_MAX_SECONDS: int('Largest `seconds` /trails accepts.', 86400, 1, 30 * 86400),
  API_DEFAULT_RANGE_SECONDS: int(
    'Range of /history, /spawns, /rares and the heatmaps when `from` is absent: `from` = `to` minus this.',
    86400,
    1,
    366 * 86400,
  ),
  API_HISTORY_TARGET_POINTS: int(
    '/history without `bucket` picks the finest of raw (1 sample/s assumed), 1m, 1h, 1d giving at most this many ' +
      'points over the range.',
    1440,
    10,
    1000000,
  ),
  API_HEATMAP_DEFAULT_CELL: num('Heatmap grid cell size in map units when `cell` is absent.', 1, 0.001, 1000),
  API_HEATMAP_MIN_CELL: num('Smallest heatmap `cell` accepted (map units).', 0.01, 0.0001, 1000),
  API_HEATMAP_MAX_CELL: num('Largest heatmap `cell` accepted (map units).', 1000, 0.001, 1000000),
  API_NAME_MAX_LENGTH: int('Longest `character`, `mob` or `name` filter accepted (characters).', 256, 1, 4096),
  API_RETENTION_INTERVAL_MS: int(
    'How often the API calls tracker_apply_retention() (drops raw telemetry past its retention where no retention ' +
      'policy runs); 0 = never (use a cron job).',
    3600000,
    0,
    7 * 86400000,
  ),
  API_WEB_DIR: str(
    'Folder of the built web page served at / (unset: dist/web of this install, written by `npm run build`).',
    { minLength: 1 },
  ),
  API_ROLLUP_INTERVAL_MS: int(
    'How often the API calls tracker_refresh_rollups() (materializes closed buckets of the rollups and recomputes ' +
      'buckets that received late rows; one process at a time); 0 = never (then call it from cron).',
    10000,
    0,
    86400000,
  ),
  SESSION_GAP_SECONDS: int(
    'Telemetry without a `session_id`: a silence longer than this starts a new inferred session (GET /sessions, ' +
      'docs/api.md "Sessions"). Every API process must use the same value: another one rebuilds the stored sessions.',
    600,
    1,
    7 * 86400,
  ),
} satisfies VarSpecs;

/** The shared variables the API reads besides its own: where the quarantine stream is (GET /quarantine). */
export const apiSharedVars = ['STREAM_NAME', 'SUBJECT_PREFIX'] as const satisfies readonly (keyof SharedConfig)[];

/**
 * The API's slice of the environment (src/config.ts); the role gets `apiOptions(…)`.
 * DATABASE_URL is resolved by then: the private cluster's when none was configured.
 */
export type ApiConfig = Readonly<ParsedVars<typeof apiVars>> &
  Pick<SharedConfig, (typeof apiSharedVars)[number]> & { readonly DATABASE_URL: string };

/** What bounds the routes' queries: all the routes and their schemas are given these. */
export function queryLimitOptions(cfg: Readonly<ParsedVars<typeof apiVars>>): QueryLimitOptions {
  return {
    maxRows: cfg.API_MAX_ROWS,
    defaultLimit: cfg.API_DEFAULT_LIMIT,
    liveDefaultSeconds: cfg.API_LIVE_DEFAULT_SECONDS,
    liveMaxSeconds: cfg.API_LIVE_MAX_SECONDS,
    trailsDefaultSeconds: cfg.API_TRAILS_DEFAULT_SECONDS,
    trailsMaxSeconds: cfg.API_TRAILS_MAX_SECONDS,
    defaultRangeSeconds: cfg.API_DEFAULT_RANGE_SECONDS,
    historyTargetPoints: cfg.API_HISTORY_TARGET_POINTS,
    heatmapDefaultCell: cfg.API_HEATMAP_DEFAULT_CELL,
    heatmapMinCell: cfg.API_HEATMAP_MIN_CELL,
    heatmapMaxCell: cfg.API_HEATMAP_MAX_CELL,
    nameMaxLength: cfg.API_NAME_MAX_LENGTH,
  };
}

/** The API's options, built from its variables and the resolved DATABASE_URL. */
export function apiOptions(cfg: ApiConfig): ApiOptions {
  return {
    database: {
      // A replica, say (docs/operations.md "Read replica"); writes always use DATABASE_URL.
      url: cfg.API_DATABASE_URL ?? cfg.DATABASE_URL,
      poolMax: cfg.API_PG_POOL_MAX,
      statementTimeoutMs: cfg.API_STATEMENT_TIMEOUT_MS,
    },
    limits: queryLimitOptions(cfg),
    // GET /quarantine reads the quarantine stream (src/shared/quarantine.ts).
    quarantine: { streamName: cfg.STREAM_NAME, subjectPrefix: cfg.SUBJECT_PREFIX },
    webDir: cfg.API_WEB_DIR,
    retentionIntervalMs: cfg.API_RETENTION_INTERVAL_MS,
    rollupIntervalMs: cfg.API_ROLLUP_INTERVAL_MS,
    sessionGapSeconds: cfg.SESSION_GAP_SECONDS,
  };
}
