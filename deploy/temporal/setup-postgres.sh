#!/bin/sh
# Creates the Temporal and visibility databases and brings their schemas up to date (idempotent).
set -eu
PW="${POSTGRES_PWD:-temporal}"
echo 'waiting for PostgreSQL...'
nc -z -w 10 postgresql 5432
for db in temporal temporal_visibility; do
  case "$db" in
    temporal) schema=temporal ;;
    *) schema=visibility ;;
  esac
  temporal-sql-tool --plugin postgres12 --ep postgresql -u temporal --pw "$PW" -p 5432 --db "$db" create || true
  temporal-sql-tool --plugin postgres12 --ep postgresql -u temporal --pw "$PW" -p 5432 --db "$db" setup-schema -v 0.0 || true
  temporal-sql-tool --plugin postgres12 --ep postgresql -u temporal --pw "$PW" -p 5432 --db "$db" \
    update-schema -d "/etc/temporal/schema/postgresql/v12/$schema/versioned"
done
echo 'PostgreSQL schema ready'
