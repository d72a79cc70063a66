// Query-string schemas of the read API, built once at startup from the configured
// limits (so /openapi.json shows the real bounds). Values arrive as strings and are
// converted by src/api/query-params.ts before ajv checks them; docs/dependencies.md "ajv + TypeBox": no
// coerceTypes/useDefaults on untrusted input, JSON types only.
import { Type } from '@sinclair/typebox';
import type { Config } from '../../shared/config.js';

export const BUCKETS = ['raw', '1m', '1h', '1d'] as const;
export type Bucket = (typeof BUCKETS)[number];

export function querySchemas(cfg: Config) {
  // PostgreSQL text cannot hold NUL: refuse it here rather than fail in the driver.
  const name = (description: string) =>
    Type.String({ minLength: 1, maxLength: cfg.API_NAME_MAX_LENGTH, pattern: '^[^\\u0000]*$', description });
  const time = (description: string) => Type.String({ format: 'date-time', description });
  const seconds = (def: number, max: number, what: string) =>
    Type.Integer({
      minimum: 1,
      maximum: max,
      default: def,
      description: `${what} (seconds; default ${def}, at most ${max}).`,
    });
  const from = time(
    `Start of the range, inclusive (ISO 8601 with a time zone; millisecond precision). Default: \`to\` minus ${cfg.API_DEFAULT_RANGE_SECONDS} s.`,
  );
  const to = time('End of the range, exclusive (ISO 8601 with a time zone). Default: now.');
  const cell = Type.Number({
    minimum: cfg.API_HEATMAP_MIN_CELL,
    maximum: cfg.API_HEATMAP_MAX_CELL,
    default: cfg.API_HEATMAP_DEFAULT_CELL,
    description:
      'Grid cell size in map units. Whole multiples of 0.1 are served from the hourly cell aggregates; other sizes from the raw events.',
  });
  const limit = Type.Integer({
    minimum: 1,
    maximum: cfg.API_MAX_ROWS,
    default: Math.min(cfg.API_DEFAULT_LIMIT, cfg.API_MAX_ROWS),
    description: 'Most events returned, newest first.',
  });
  const obj = <P extends Parameters<typeof Type.Object>[0]>(p: P) => Type.Object(p, { additionalProperties: false });

  return {
    live: obj({
      seconds: Type.Optional(
        seconds(
          cfg.API_LIVE_DEFAULT_SECONDS,
          cfg.API_LIVE_MAX_SECONDS,
          'Characters whose latest telemetry is this recent',
        ),
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
          description: `raw rows or 1m/1h/1d buckets. Default: the finest whose point count over the range is at most ${cfg.API_HISTORY_TARGET_POINTS} (raw assumes 1 sample/s).`,
        }),
      ),
    }),
    trails: obj({
      seconds: Type.Optional(seconds(cfg.API_TRAILS_DEFAULT_SECONDS, cfg.API_TRAILS_MAX_SECONDS, 'Trail length')),
      character: Type.Optional(name('Only this character (exact match).')),
    }),
    spawns: obj({
      from: Type.Optional(from),
      to: Type.Optional(to),
      mob: Type.Optional(name('Mob name (exact match).')),
      character: Type.Optional(name('Reporting character (exact match).')),
      limit: Type.Optional(limit),
    }),
    spawnsHeatmap: obj({
      from: Type.Optional(from),
      to: Type.Optional(to),
      mob: Type.Optional(name('Mob name (exact match).')),
      cell: Type.Optional(cell),
    }),
    rares: obj({
      from: Type.Optional(from),
      to: Type.Optional(to),
      name: Type.Optional(name('Rare item name (exact match).')),
      character: Type.Optional(name('Reporting character (exact match).')),
      limit: Type.Optional(limit),
    }),
    raresHeatmap: obj({
      from: Type.Optional(from),
      to: Type.Optional(to),
      name: Type.Optional(name('Rare item name (exact match).')),
      cell: Type.Optional(cell),
    }),
    characters: obj({
      q: Type.Optional(name('Only names containing this text (case-insensitive).')),
      limit: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: cfg.API_MAX_ROWS,
          default: Math.min(cfg.API_DEFAULT_LIMIT, cfg.API_MAX_ROWS),
          description: 'Most characters returned, by name.',
        }),
      ),
    }),
    none: obj({}),
  };
}
