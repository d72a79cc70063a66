// Events for the dashboard tests, sent the way game plugins send them: over
// /ws/position (ack mode) into the real edge -> JetStream -> ingest -> TimescaleDB of an
// in-process app (all roles). Returns what was sent, so tests compute expected numbers
// from it. Timestamps are relative to now: a three-day history every 10 minutes, and the
// last 20 minutes every 10 seconds (so every bucket level of the telemetry panels has rows).
import { startApp, type RunningApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import type { ResolvedConfig } from '../../src/config.js';
import { join } from 'node:path';
import { getStack, testConfig, whenCaughtUp } from '../helpers/stack.js';
import { openClient, SECRET } from '../edge/helpers.js';

export const CHARACTERS = ['Alice', "Zoë o'Neil 🐉", 'Sir Bob. Jr.'] as const;
export const MOBS = ['Drudge Skulker', "Olthoi's Soldier", 'Mosswart'] as const;
export const ITEMS = ['Pearl of Blood Drinking', "Gelidite's Ring"] as const;

export interface SentTelemetry {
  type: 'telemetry';
  character_name: string;
  timestamp: string;
  event_id: string;
  ew: number;
  ns: number;
  z: number;
  kills: number;
  kills_per_hour: number;
  latency_ms: number;
  mem_mb: number;
  cpu_pct: number;
  mem_handles: number;
}
export interface SentEvent {
  type: 'spawn' | 'rare';
  character_name: string;
  timestamp: string;
  event_id: string;
  ew: number;
  ns: number;
  mob?: string;
  name?: string;
}

export interface PipelineData {
  app: RunningApp;
  cfg: ResolvedConfig;
  now: number;
  telemetry: SentTelemetry[];
  spawns: SentEvent[];
  rares: SentEvent[];
  stop(): Promise<void>;
}

const MIN = 60_000,
  DAY = 86_400_000;

export function telemetryEvents(now: number): SentTelemetry[] {
  const out: SentTelemetry[] = [];
  const times: number[] = [];
  for (let t = now - 3 * DAY; t < now - 20 * MIN; t += 10 * MIN) times.push(t);
  for (let t = now - 20 * MIN; t < now - 5000; t += 10_000) times.push(t);
  CHARACTERS.forEach((character_name, c) => {
    times.forEach((ms, i) => {
      out.push({
        type: 'telemetry',
        character_name,
        timestamp: new Date(ms + c * 1000).toISOString(),
        event_id: `g-t-${c}-${i}`,
        ew: -20 + c * 5 + (i % 40) * 0.25,
        ns: 10 - (i % 30) * 0.5,
        z: i % 3,
        kills: i * (c + 1),
        kills_per_hour: (i % 20) * 2.5,
        latency_ms: 20 + (i % 50) + c,
        mem_mb: 500 + (i % 7) * 0.25,
        cpu_pct: (i % 11) * 1.5,
        mem_handles: 1000 + (i % 13),
      });
    });
  });
  return out;
}

export function cellEvents(kind: 'spawn' | 'rare', now: number, count: number): SentEvent[] {
  const names = kind === 'spawn' ? MOBS : ITEMS;
  return Array.from({ length: count }, (_, i) => ({
    type: kind,
    character_name: CHARACTERS[i % CHARACTERS.length],
    event_id: `g-${kind}-${i}`,
    // Spread over three days, with a few hot spots so cells hold several events.
    timestamp: new Date(now - 3 * DAY + Math.floor(((i + 0.5) * 3 * DAY) / count)).toISOString(),
    ew: (i % 4) * 3.3 + (i % 7) * 0.1,
    ns: -((i % 5) * 2.1) - (i % 3) * 0.1,
    [kind === 'spawn' ? 'mob' : 'name']: names[(i * 7) % names.length],
  }));
}

export async function sendThroughPipeline(): Promise<PipelineData> {
  const cfg = await testConfig({ PLUGIN_SECRET: SECRET, API_RETENTION_INTERVAL_MS: '0' });
  // The capacity figures as on the embedded default (the test stack's data directories),
  // sampled every second so the "days left" queries have a rate within a few scrapes.
  const { dir } = await getStack();
  const app = await startApp(
    cfg,
    createLogger(cfg.LOG_LEVEL, 'grafana-test'),
    { capacity: { sampleIntervalMs: 1000, probeTtlMs: 500 } },
    { nats: join(dir, 'nats'), postgres: join(dir, 'pg') },
  );
  const now = Date.now();
  const telemetry = telemetryEvents(now),
    spawns = cellEvents('spawn', now, 400),
    rares = cellEvents('rare', now, 90);
  const all = [...telemetry, ...spawns, ...rares];
  const client = await openClient(`ws://127.0.0.1:${app.port}/ws/position?ack=1`, { 'X-Plugin-Secret': SECRET });
  try {
    const frames = Math.ceil(all.length / cfg.EDGE_MAX_EVENTS_PER_FRAME);
    for (let f = 0; f < frames; f++)
      client.send(all.slice(f * cfg.EDGE_MAX_EVENTS_PER_FRAME, (f + 1) * cfg.EDGE_MAX_EVENTS_PER_FRAME));
    const acks = await whenCaughtUp(
      () => {
        const a = client.received.filter((m) => m.type === 'ack');
        return a.length === frames ? a : undefined;
      },
      { timeoutMs: 60_000, what: 'every frame acked' },
    );
    const accepted = acks.reduce((n, a) => n + a.accepted, 0);
    if (accepted !== all.length)
      throw new Error(
        `edge accepted ${accepted} of ${all.length} events: ${JSON.stringify(client.received.filter((m) => m.type === 'error').slice(0, 3))}`,
      );
  } finally {
    client.close();
  }
  await whenCaughtUp(
    async () => {
      const { rows } = await app.rt.pool.query<{ t: number; s: number; r: number; p: number }>(
        'select (select count(*) from telemetry)::int as t, (select count(*) from spawn_events)::int as s, (select count(*) from rare_events)::int as r, (select count(*) from player_latest)::int as p',
      );
      return (
        rows[0].t === telemetry.length &&
        rows[0].s === spawns.length &&
        rows[0].r === rares.length &&
        rows[0].p === CHARACTERS.length
      );
    },
    { timeoutMs: 60_000, what: 'every event projected into TimescaleDB' },
  );
  // Planner statistics for approximate_row_count (the hypertables panel).
  await app.rt.pool.query('analyze telemetry, spawn_events, rare_events');
  return { app, cfg, now, telemetry, spawns, rares, stop: () => app.stop() };
}
