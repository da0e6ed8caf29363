#!/usr/bin/env bash
# A throwaway PostgreSQL server for the web app's tests and benchmark: a
# cluster under target/pg/, listening on 127.0.0.1 on a free port (and a Unix
# socket in its own folder), trust authentication on loopback only, never a
# system-wide service, no password anywhere.
#
#   bash scripts/postgres.sh run CMD [ARGS...]   start, run CMD with
#        WEB_APP_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres
#        exported, stop (also on failure or Ctrl-C); exits with CMD's status
#   bash scripts/postgres.sh start DIR           start a cluster in DIR, print its URL
#   bash scripts/postgres.sh stop DIR            stop it and delete DIR
#
# Debian's `postgresql` package is installed when missing (as root, or with
# sudo). initdb refuses to run as root, so as root the cluster belongs to the
# unprivileged `postgres` user: only the cluster's folder is given to it
# (target/ and its parents must be traversable, which they are with the usual
# 0755; the script says so and stops otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

ensure_installed() {
  local bin
  bin=$(pg_bin)
  if [ -n "$bin" ] && [ -x "$bin/initdb" ]; then
    return
  fi
  echo "== installing postgresql (Debian package; its own service is not started)" >&2
  # The package's maintainer scripts would start the distribution's cluster:
  # a policy-rc.d saying "no" (only when there is none already) prevents it.
  local policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
  fi
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  if [ -n "$policy" ]; then as_root rm -f "$policy"; fi
}

# Runs a PostgreSQL program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local dir=$1 bin port
  ensure_installed
  bin=$(pg_bin)
  rm -rf "$dir"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      echo "error: the postgres user cannot reach $dir: every folder above it needs o+x" >&2
      exit 1
    fi
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log"
  port=$(free_port)
  # Loopback only (TCP on 127.0.0.1 and a socket in $dir); trust is then
  # loopback-only too: initdb's pg_hba.conf names only local, 127.0.0.1/32 and ::1/128.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >/dev/null
  echo "$port" >"$dir/port"
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}

stop() {
  local dir=$1 bin
  bin=$(pg_bin)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  run)
    shift
    dir=target/pg/cluster-$$
    trap 'stop "$dir"' EXIT
    trap 'exit 130' INT TERM
    url=$(start "$dir")
    echo "== PostgreSQL $(basename "$(dirname "$(pg_bin)")") at $url (cluster in $dir, stopped at the end)" >&2
    export WEB_APP_TEST_POSTGRES_URL=$url
    "$@"
    ;;
  *)
    sed -n '2,15p' "$0" >&2
    exit 2
    ;;
esac
