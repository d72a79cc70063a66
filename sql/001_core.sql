-- Core projections of the JetStream log. Rebuildable by `replay`; chat is never stored.
-- Every row carries `event_key` (a UUID derived by the edge, see src/shared/envelope.ts)
-- and its time column; (event_key, ts) is unique, so re-applying an event is a no-op.
-- TimescaleDB requires unique indexes on a hypertable to include the time column.
create extension if not exists timescaledb;

create table telemetry (
  ts                    timestamptz      not null,
  character_name        text             not null,
  event_key             uuid             not null,
  received_at           timestamptz      not null,
  stream_seq            bigint           not null,
  ew                    double precision not null,
  ns                    double precision not null,
  z                     double precision not null,
  char_tag              text,
  session_id            text,
  kills                 bigint,
  deaths                bigint,
  rares_found           bigint,
  prismatic_taper_count bigint,
  kills_per_hour        double precision,
  onlinetime            text,
  vt_state              text,
  latency_ms            double precision,
  mem_mb                double precision,
  cpu_pct               double precision,
  mem_handles           bigint
);
select create_hypertable('telemetry', 'ts', chunk_time_interval => interval '1 day');
create unique index telemetry_event_key on telemetry (event_key, ts);
create index telemetry_character_ts on telemetry (character_name, ts desc);

create table spawn_events (
  ts             timestamptz      not null,
  character_name text             not null,
  event_key      uuid             not null,
  received_at    timestamptz      not null,
  stream_seq     bigint           not null,
  mob            text             not null,
  ew             double precision not null,
  ns             double precision not null,
  z              double precision
);
select create_hypertable('spawn_events', 'ts', chunk_time_interval => interval '7 days');
create unique index spawn_events_event_key on spawn_events (event_key, ts);
create index spawn_events_character_ts on spawn_events (character_name, ts desc);
create index spawn_events_mob_ts on spawn_events (mob, ts desc);

create table rare_events (
  ts             timestamptz      not null,
  character_name text             not null,
  event_key      uuid             not null,
  received_at    timestamptz      not null,
  stream_seq     bigint           not null,
  name           text             not null,
  ew             double precision not null,
  ns             double precision not null,
  z              double precision
);
select create_hypertable('rare_events', 'ts', chunk_time_interval => interval '7 days');
create unique index rare_events_event_key on rare_events (event_key, ts);
create index rare_events_character_ts on rare_events (character_name, ts desc);
create index rare_events_name_ts on rare_events (name, ts desc);

-- Newest telemetry per character, for /live. Upserted by ingest in the same
-- transaction as the telemetry rows; only a newer ts replaces a row.
create table player_latest (
  character_name        text             primary key,
  ts                    timestamptz      not null,
  event_key             uuid             not null,
  received_at           timestamptz      not null,
  ew                    double precision not null,
  ns                    double precision not null,
  z                     double precision not null,
  char_tag              text,
  session_id            text,
  kills                 bigint,
  deaths                bigint,
  rares_found           bigint,
  prismatic_taper_count bigint,
  kills_per_hour        double precision,
  onlinetime            text,
  vt_state              text,
  latency_ms            double precision,
  mem_mb                double precision,
  cpu_pct               double precision,
  mem_handles           bigint
);
create index player_latest_ts on player_latest (ts desc);

-- Messages the consumer could not apply after INGEST_MAX_DELIVER tries.
create table dead_letters (
  id           bigserial   primary key,
  failed_at    timestamptz not null default now(),
  stream       text        not null,
  stream_seq   bigint      not null,
  subject      text        not null,
  deliveries   integer     not null,
  reason       text        not null,
  payload      bytea       not null,
  unique (stream, stream_seq)
);
