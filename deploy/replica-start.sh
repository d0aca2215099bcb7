#!/usr/bin/env bash
# The replica: on an empty data directory copy the primary (-R: standby.signal and
# primary_conninfo), then run PostgreSQL as a hot standby that replays the primary's WAL.
set -euo pipefail
PGDATA=/var/lib/postgresql/data
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h db -p 5432 -q; do sleep 1; done
  pg_basebackup -h db -p 5432 -U replicator -D "$PGDATA" -R -X stream -P
  chmod 0700 "$PGDATA"
fi
exec postgres -D "$PGDATA" -c hot_standby=on
