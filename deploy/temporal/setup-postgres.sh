#!/bin/sh
# Creates the Temporal and visibility databases and brings their schemas up to date (idempotent).
# One script for both ways this project runs the production shape: compose's temporal-schema job
# (temporalio/admin-tools image; the defaults below) and `rivya-sora2 cluster up`, which sets
# SQL_HOST/SQL_PORT to its own PostgreSQL, SCHEMA_DIR to the v12 schema of the pinned server
# module, and puts its temporal-sql-tool build first on PATH.
set -eu
SQL_HOST="${SQL_HOST:-postgresql}"
SQL_PORT="${SQL_PORT:-5432}"
SQL_USER="${SQL_USER:-temporal}"
SCHEMA_DIR="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
# temporal-sql-tool reads the password from SQL_PASSWORD: it stays off the command line (and ps).
# No default: a well-known password is worse than none (compose requires POSTGRES_PASSWORD, the
# cluster passes its generated one), so an unset or empty one stops here, before any connection.
SQL_PASSWORD="${POSTGRES_PWD:?POSTGRES_PWD must be set (the database password; there is no default)}"
export SQL_PASSWORD

echo "waiting for PostgreSQL at $SQL_HOST:$SQL_PORT..."
if command -v nc >/dev/null 2>&1; then
  nc -z -w 10 "$SQL_HOST" "$SQL_PORT"
elif command -v pg_isready >/dev/null 2>&1; then
  pg_isready -q -t 10 -h "$SQL_HOST" -p "$SQL_PORT"
fi

sqltool() {
  temporal-sql-tool --plugin postgres12 --ep "$SQL_HOST" -p "$SQL_PORT" -u "$SQL_USER" "$@"
}
for db in temporal temporal_visibility; do
  case "$db" in
    temporal) schema=temporal ;;
    *) schema=visibility ;;
  esac
  # Both fail harmlessly once the database / the version table exist; update-schema then decides.
  sqltool --db "$db" create || true
  sqltool --db "$db" setup-schema -v 0.0 || true
  sqltool --db "$db" update-schema -d "$SCHEMA_DIR/$schema/versioned"
done
echo 'PostgreSQL schema ready'
