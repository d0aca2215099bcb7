#!/usr/bin/env bash
# Primary's first start (docker-entrypoint-initdb.d): the publication database and a
# replication user the replica's pg_basebackup and WAL receiver log in with.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE DATABASE vlok_publication OWNER vlok;
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD 'replicator';
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname vlok_publication \
  -c "CREATE EXTENSION IF NOT EXISTS postgis"
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
