#!/usr/bin/env bash
# Installs (Debian's package), initialises and starts a throw-away PostgreSQL server for the test
# suite's second pass, and prints its SQLAlchemy URL. Safe to run again: reuses what is there.
set -euo pipefail
PORT="${CAUNOI_PG_PORT:-55432}"
DATA="${TMPDIR:-/tmp}/caunoi-pg-${PORT}"

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  echo "Installing Debian's postgresql for the test suite (needs root)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

as_owner() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" = "0" ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

if [ ! -f "$DATA/PG_VERSION" ]; then
  mkdir -p "$DATA"
  [ "$(id -u)" = "0" ] && chown postgres "$DATA"
  as_owner "'$BIN/initdb' -D '$DATA' -A trust -U postgres" >/dev/null
fi
if ! as_owner "'$BIN/pg_ctl' -D '$DATA' status" >/dev/null 2>&1; then
  # Durability is not needed for tests: fsync off makes the suite fast.
  as_owner "'$BIN/pg_ctl' -D '$DATA' -l '$DATA/log' -w start -o \"-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\"" >&2
fi
echo "postgresql+asyncpg://postgres@127.0.0.1:${PORT}/postgres"
