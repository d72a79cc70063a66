#!/usr/bin/env bash
# Creates the read-only PostgreSQL role Grafana logs in as. docker-compose.yml mounts this
# file into the timescaledb container's /docker-entrypoint-initdb.d, which runs it once,
# when the data volume is first created (for an existing volume, run it by hand:
# `docker compose exec -e GRAFANA_DB_USER -e GRAFANA_DB_PASSWORD timescaledb bash /docker-entrypoint-initdb.d/grafana-reader.sh`).
# Dashboard editors can type any SQL, so the role reads everything (pg_read_all_data,
# PostgreSQL 14+, which also covers tables created later by the app's migrations) and
# can change nothing: every transaction is read-only, and statements stop after
# GRAFANA_DB_STATEMENT_TIMEOUT (default 30s). Idempotent: re-running updates the password.
# Tested by test/grafana/sql-queries.int.test.ts (every panel query runs as this role).
set -euo pipefail
: "${GRAFANA_DB_USER:?set GRAFANA_DB_USER}"
: "${GRAFANA_DB_PASSWORD:?set GRAFANA_DB_PASSWORD}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v role="$GRAFANA_DB_USER" -v password="$GRAFANA_DB_PASSWORD" -v timeout="${GRAFANA_DB_STATEMENT_TIMEOUT:-30s}" <<'SQL'
select format('create role %I login', :'role') where not exists (select from pg_roles where rolname = :'role') \gexec
alter role :"role" with login password :'password' nosuperuser nocreatedb nocreaterole;
grant pg_read_all_data to :"role";
select format('grant connect on database %I to %I', current_database(), :'role') \gexec
alter role :"role" set default_transaction_read_only = on;
alter role :"role" set statement_timeout = :'timeout';
SQL
