// Starting the API in-process for a test, and fetching JSON from it.
import pg from 'pg';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { startApp, type RunningApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import type { ResolvedConfig } from '../../src/config.js';
import { testConfig } from '../helpers/stack.js';

export interface ApiUnderTest {
  app: RunningApp;
  cfg: ResolvedConfig;
  db: pg.Client;
  get(path: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startApiUnderTest(overrides: Record<string, string> = {}): Promise<ApiUnderTest> {
  // The retention and rollup timers are tested on their own (aggregate-modes, rollups tests); here
  // they would race the fixtures, which are inserted with SQL, outside ingest's dirty log.
  const cfg = await testConfig({
    ROLES: 'api',
    API_RETENTION_INTERVAL_MS: '0',
    API_ROLLUP_INTERVAL_MS: '0',
    ...overrides,
  });
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  const db = new pg.Client({ connectionString: cfg.DATABASE_URL });
  await db.connect();
  const base = `http://127.0.0.1:${app.port}`;
  return {
    app,
    cfg,
    db,
    async get(path) {
      const res = await fetch(base + path);
      const text = await res.text();
      return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    },
    async stop() {
      await db.end();
      await app.stop();
    },
  };
}

const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as (
  ajv: Ajv,
  formats: string[],
) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }), ['date-time']);

/** ajv's error text when `body` does not match `schema`, else undefined. */
export function schemaErrors(schema: TSchema, body: unknown): string | undefined {
  const validate = ajv.compile(schema);
  return validate(body) ? undefined : ajv.errorsText(validate.errors);
}

export const qs = (params: Record<string, string | number | undefined>) =>
  '?' +
  Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');
