// Query-string schemas of the read API, built once at startup from the configured
// limits (so /openapi.json shows the real bounds). Values arrive as strings and are
// converted by src/api/query-params.ts before ajv checks them; docs/dependencies.md "ajv + TypeBox": no
// coerceTypes/useDefaults on untrusted input, JSON types only.
import { Type } from '@sinclair/typebox';
import { QUARANTINE_REASONS, type QuarantineReason } from '../../shared/quarantine.js';

/** What bounds the read API's queries (docs/api.md): every route and its schema is given these. */
export interface QueryLimitOptions {
  /** Most rows any response carries; longer results are cut and flagged `truncated`. */
  readonly maxRows: number;
  /** `limit` of /spawns, /rares and /characters when absent. */
  readonly defaultLimit: number;
  readonly liveDefaultSeconds: number;
  readonly liveMaxSeconds: number;
  readonly trailsDefaultSeconds: number;
  readonly trailsMaxSeconds: number;
  /** `from` = `to` minus this when absent. */
  readonly defaultRangeSeconds: number;
  readonly historyTargetPoints: number;
  /** Heatmap cells, in map units. */
  readonly heatmapDefaultCell: number;
  readonly heatmapMinCell: number;
  readonly heatmapMaxCell: number;
  readonly nameMaxLength: number;
}

export const BUCKETS = ['raw', '1m', '1h', '1d'] as const;
export type Bucket = (typeof BUCKETS)[number];

/** The parameter schemas the queries are made of, bounded by the configured limits. */
function parameterSchemas(limits: QueryLimitOptions) {
  // PostgreSQL text cannot hold NUL: refuse it here rather than fail in the driver.
  const name = (description: string) =>
    Type.String({ minLength: 1, maxLength: limits.nameMaxLength, pattern: '^[^\\u0000]*$', description });
  const time = (description: string) => Type.String({ format: 'date-time', description });
  const seconds = (def: number, max: number, what: string) =>
    Type.Integer({
      minimum: 1,
      maximum: max,
      default: def,
      description: `${what} (seconds; default ${def}, at most ${max}).`,
    });
  const from = time(
    `Start of the range, inclusive (ISO 8601 with a time zone; millisecond precision). Default: \`to\` minus ${limits.defaultRangeSeconds} ` +
      `s.`,
  );
  const to = time('End of the range, exclusive (ISO 8601 with a time zone). Default: now.');
  const cell = Type.Number({
    minimum: limits.heatmapMinCell,
    maximum: limits.heatmapMaxCell,
    default: limits.heatmapDefaultCell,
    description:
      'Grid cell size in map units. Whole multiples of 0.1 are served from the hourly cell aggregates; other sizes ' +
      'from the raw events.',
  });
  const limit = (description: string) =>
    Type.Integer({
      minimum: 1,
      maximum: limits.maxRows,
      default: Math.min(limits.defaultLimit, limits.maxRows),
      description,
    });
  const obj = <P extends Parameters<typeof Type.Object>[0]>(p: P) => Type.Object(p, { additionalProperties: false });

  return { name, from, to, cell, limit, seconds, obj };
}

/** /spawns and /rares take the same parameters, under their own name parameter. */
function eventQueries<K extends string>(p: ReturnType<typeof parameterSchemas>, key: K, nameDoc: string) {
  const { name, from, to, cell, limit, obj } = p;
  const nameParam = Type.Optional(name(nameDoc));
  const named = { [key]: nameParam } as Record<K, typeof nameParam>;
  return {
    list: obj({
      from: Type.Optional(from),
      to: Type.Optional(to),
      ...named,
      character: Type.Optional(name('Reporting character (exact match).')),
      limit: Type.Optional(limit('Most events returned, newest first.')),
    }),
    heatmap: obj({ from: Type.Optional(from), to: Type.Optional(to), ...named, cell: Type.Optional(cell) }),
  };
}

export function querySchemas(limits: QueryLimitOptions) {
  const p = parameterSchemas(limits);
  const { name, from, to, seconds, limit, obj } = p;
  const spawns = eventQueries(p, 'mob', 'Mob name (exact match).');
  const rares = eventQueries(p, 'name', 'Rare item name (exact match).');
  return {
    live: obj({
      seconds: Type.Optional(
        seconds(limits.liveDefaultSeconds, limits.liveMaxSeconds, 'Characters whose latest telemetry is this recent'),
      ),
    }),
    history: obj({
      character: name('Character name (exact match).'),
      from: Type.Optional(from),
      to: Type.Optional(to),
      bucket: Type.Optional(
        Type.Unsafe<Bucket>({
          type: 'string',
          enum: [...BUCKETS],
          description:
            `raw rows or 1m/1h/1d buckets. Default: the finest whose point count over the range is at ` +
            `most ${limits.historyTargetPoints} (raw assumes 1 sample/s).`,
        }),
      ),
    }),
    trails: obj({
      seconds: Type.Optional(seconds(limits.trailsDefaultSeconds, limits.trailsMaxSeconds, 'Trail length')),
      character: Type.Optional(name('Only this character (exact match).')),
    }),
    spawns: spawns.list,
    spawnsHeatmap: spawns.heatmap,
    rares: rares.list,
    raresHeatmap: rares.heatmap,
    characters: obj({
      q: Type.Optional(name('Only names containing this text (case-insensitive).')),
      limit: Type.Optional(limit('Most characters returned, by name.')),
    }),
    quarantine: quarantineQuery(p),
    ...sessionQueries(p),
    none: obj({}),
  };
}

/** GET /quarantine (docs/api.md "Quarantine reads"). */
function quarantineQuery({ name, from, to, limit, obj }: ReturnType<typeof parameterSchemas>) {
  return obj({
    reason: Type.Optional(
      Type.Unsafe<QuarantineReason>({
        type: 'string',
        enum: [...QUARANTINE_REASONS],
        description: 'Only records refused with this error code.',
      }),
    ),
    character: Type.Optional(name('Only events with this `character_name` (exact match).')),
    from: Type.Optional(from),
    to: Type.Optional(to),
    limit: Type.Optional(limit('Most records returned, newest first.')),
  });
}

/** GET /sessions and GET /stats/rares (docs/api.md "Sessions"); /characters/{name}/stats takes none. */
function sessionQueries({ name, from, to, limit, obj }: ReturnType<typeof parameterSchemas>) {
  return {
    sessions: obj({
      character: Type.Optional(name('Only this character (exact match); all characters when absent.')),
      from: Type.Optional(from),
      to: Type.Optional(to),
      limit: Type.Optional(limit('Most sessions returned, newest first.')),
    }),
    rareLeaders: obj({
      from: Type.Optional(from),
      to: Type.Optional(to),
      limit: Type.Optional(limit('Most characters returned, most rares first.')),
    }),
    characterPath: obj({ name: name('Character name (exact match; percent-encoded in the path).') }),
  };
}
