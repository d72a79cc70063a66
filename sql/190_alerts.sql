-- Alerts (issue 25, docs/alerts.md): raised and resolved by the alerts role (src/alerts),
-- listed by GET /alerts, delivered to webhooks from an outbox.
--
-- alerts: one row per alert. `id` is derived from the character, the kind and the
-- start (event time for death/idle/client, wall clock for offline), so a rebuild from the
-- log (`npm run replay -- --alerts`) writes the same ids. `rebuilt` marks rows written
-- by that rebuild, whose notifications are stored as delivered and never sent.
create table alerts (
  id             text        primary key,
  character_name text        not null,
  kind           text        not null check (kind in ('death', 'offline', 'idle', 'client')),
  started_at     timestamptz not null,
  resolved_at    timestamptz,
  detail         jsonb       not null default '{}'::jsonb,
  rebuilt        boolean     not null default false,
  check (resolved_at is null or resolved_at >= started_at)
);
create index alerts_open on alerts (started_at desc) where resolved_at is null;
create index alerts_by_character on alerts (character_name, started_at desc);
create index alerts_by_start on alerts (started_at desc);

-- The outbox: one row per (alert, state, webhook), inserted in the same transaction
-- as the alert row or its resolution, so a crash between the commit and the delivery
-- loses nothing; the sender (src/alerts/delivery) delivers and marks each row. The
-- request's Idempotency-Key is `<alert_id>:<state>`.
create table alert_notifications (
  id              bigserial   primary key,
  alert_id        text        not null references alerts (id) on delete cascade,
  state           text        not null check (state in ('open', 'resolved')),
  webhook_url     text        not null,
  created_at      timestamptz not null default now(),
  attempts        integer     not null default 0,
  next_attempt_at timestamptz not null default now(),
  delivered_at    timestamptz,
  failed_at       timestamptz,
  last_error      text,
  unique (alert_id, state, webhook_url)
);
create index alert_notifications_pending on alert_notifications (next_attempt_at)
  where delivered_at is null and failed_at is null;

-- Wakes the sender at once when notifications are committed (it also polls, so a lost
-- notification only delays delivery).
create function tracker_alert_outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('tracker_alert_outbox', '');
  return null;
end $$;
create trigger alert_notifications_notify after insert on alert_notifications
  for each statement execute function tracker_alert_outbox_notify();

-- Mutes set by PUT /alerts/mutes (docs/alerts.md "Mutes"): the whole set is replaced at
-- once. `character_pattern` is a name or a `*` pattern (case-insensitive); an empty
-- `kinds` mutes every kind. The alerts role reads them in every evaluation transaction.
create table alert_mutes (
  position          integer primary key,
  character_pattern text    not null,
  kinds             text[]  not null default '{}',
  check (kinds <@ array['death', 'offline', 'idle', 'client']::text[])
);

-- The alerts role's checkpoint (docs/alerts.md "Checkpoint"): the last stream sequence
-- whose effects are committed, written in the same transaction as the alerts and the
-- per-character state below, so a restart resumes after it without re-raising anything.
create table alert_checkpoint (
  consumer_name text        primary key,
  stream_seq    bigint      not null default 0,
  updated_at    timestamptz not null default now()
);

-- Per-character evaluation state (positions, counters, pending conditions, open alerts),
-- one row per tracked character, rewritten only for the characters a batch touched.
create table alert_character_state (
  consumer_name  text  not null,
  character_name text  not null,
  state          jsonb not null,
  primary key (consumer_name, character_name)
);
