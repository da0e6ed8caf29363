#!/usr/bin/env bash
# The web app under load (issue 14): GET /api/token for USERS signed-in users
# at 64 connections (wrk, rotating the users' cookies) for web_app on SQLite,
# on PostgreSQL with one replica and with two, a Flask + spotipy peer under
# gunicorn, and a bare axum handler (the machine's ceiling); then the refresh
# storm (STORM_USERS users whose tokens expire together) on two PostgreSQL
# replicas, the memory of one replica with STORM_USERS sessions, and the
# refresh lock (row lock vs lease) compared on a smaller storm. Everything
# against the sandbox on loopback; writes the block between the web markers
# of BENCHMARKS.md. Raw output: target/bench-web/.
#
#   bash scripts/bench-web.sh            # about 6 minutes on 2 cores
#   USERS=1000 STORM_USERS=10000 LOCK_USERS=2000 DURATION=10 bash scripts/bench-web.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
USERS=${USERS:-1000}
STORM_USERS=${STORM_USERS:-10000}
LOCK_USERS=${LOCK_USERS:-2000}
DURATION=${DURATION:-10}
CONNS=64
OUT=$CARGO_TARGET_DIR/bench-web
WORK=$(mktemp -d /tmp/bench-web.XXXXXX)
PGDIR=$CARGO_TARGET_DIR/pg/bench-$$
KEY=$(openssl rand -base64 32)
rm -rf "$OUT"
mkdir -p "$OUT"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v wrk >/dev/null; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
VENV=$CARGO_TARGET_DIR/flask-venv
if [ ! -x "$VENV/bin/gunicorn" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q flask spotipy gunicorn
fi

echo "== release build (web_app, bench examples)"
cargo build --release -q -p web_app --bin web_app --example bench_sandbox --example bench_client --example bare
BIN=$CARGO_TARGET_DIR/release

PIDS=()
cleanup() {
  for file in "$WORK"/*.pid; do
    [ -e "$file" ] || continue
    pkill -P "$(cat "$file")" web_app 2>/dev/null || true
    kill "$(cat "$file")" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    pkill -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  bash scripts/postgres.sh stop "$PGDIR" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() {
  for _ in $(seq 600); do
    if curl -fs -o /dev/null "$1"; then return; fi
    sleep 0.1
  done
  echo "error: $1 did not come up" >&2
  exit 1
}
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

echo "== PostgreSQL (throwaway cluster)"
PGURL=$(bash scripts/postgres.sh start "$PGDIR")
newdb() { psql -q "$PGURL" -c "CREATE DATABASE $1" >/dev/null; echo "${PGURL%/postgres}/$1"; }

echo "== sandbox"
"$BIN/examples/bench_sandbox" >"$WORK/sandbox.env" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/sandbox.env" ] && break; sleep 0.1; done
# shellcheck disable=SC1091
source "$WORK/sandbox.env"
SANDBOX=$SPOTIFY_API_URL

# start_replica NAME DATABASE_URL [VAR=VALUE...]: prints its URL, remembers its pid.
start_replica() {
  local name=$1 db=$2 port dir
  shift 2
  port=$(free_port)
  dir=$WORK/$name
  mkdir -p "$dir"
  (cd "$dir" && exec env SPOTIFY_AUTH_DIR="$dir" SPOTIFY_TOKEN_KEY="$KEY" DATABASE_URL="$db" \
    SPOTIFY_REDIRECT_URI="http://127.0.0.1:$port/callback" "$@" \
    "$BIN/web_app" --addr "127.0.0.1:$port") >"$OUT/$name.log" 2>&1 &
  echo "$!" >"$WORK/$name.pid"
  wait_up "http://127.0.0.1:$port/health"
  echo "http://127.0.0.1:$port"
}
# The pid of the web_app process itself (the subshell execs it).
replica_pid() { cat "$WORK/$1.pid"; }
stop_replica() { kill "$(replica_pid "$1")" 2>/dev/null || true; rm -f "$WORK/$1.pid"; }

# measure NAME URL COOKIES [CONNS]: a 3 s warm-up, then DURATION s measured.
measure() {
  local name=$1 url=$2 cookies=$3 conns=${4:-$CONNS} threads=2
  [ "$conns" -lt 64 ] && threads=1
  COOKIES=$cookies wrk -t"$threads" -c"$conns" -d3s -s scripts/bench/web_token.lua "$url/api/token" >/dev/null
  COOKIES=$cookies wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -s scripts/bench/web_token.lua "$url/api/token" >"$OUT/$name.wrk"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== bare axum handler"
BARE_PORT=$(free_port)
"$BIN/examples/bare" "127.0.0.1:$BARE_PORT" &
PIDS+=($!)
wait_up "http://127.0.0.1:$BARE_PORT/api/token"
echo "x=1" >"$WORK/bare.cookies"
measure bare "http://127.0.0.1:$BARE_PORT" "$WORK/bare.cookies"
kill "${PIDS[-1]}"

echo "== web_app on SQLite"
URL=$(start_replica sqlite "sqlite://$WORK/sqlite/web_app.sqlite")
"$BIN/examples/bench_client" sign-in "$URL" "$USERS" sq "$WORK/sqlite.cookies"
measure sqlite "$URL" "$WORK/sqlite.cookies"
echo "$(rss_kib "$(replica_pid sqlite)")" >"$OUT/sqlite.rss"
stop_replica sqlite

echo "== web_app on PostgreSQL, one replica"
DB=$(newdb bench_one)
URL=$(start_replica pg1 "$DB")
"$BIN/examples/bench_client" sign-in "$URL" "$USERS" pgone "$WORK/pg1.cookies"
measure pg1 "$URL" "$WORK/pg1.cookies"
echo "$(rss_kib "$(replica_pid pg1)")" >"$OUT/pg1.rss"
stop_replica pg1

echo "== web_app on PostgreSQL, two replicas (signed in on A, load on both)"
DB=$(newdb bench_two)
URL_A=$(start_replica pg2a "$DB")
URL_B=$(start_replica pg2b "$DB")
"$BIN/examples/bench_client" sign-in "$URL_A" "$USERS" pgtwo "$WORK/pg2.cookies"
COOKIES=$WORK/pg2.cookies wrk -t1 -c32 -d3s -s scripts/bench/web_token.lua "$URL_B/api/token" >/dev/null
measure pg2a "$URL_A" "$WORK/pg2.cookies" 32 &
OTHER=$!
measure pg2b "$URL_B" "$WORK/pg2.cookies" 32
wait "$OTHER"
echo "$(rss_kib "$(replica_pid pg2a)")" >"$OUT/pg2a.rss"
stop_replica pg2a; stop_replica pg2b

echo "== Flask + spotipy (gunicorn, $(nproc) workers)"
FLASK_PORT=$(free_port)
(cd scripts/bench/flask_peer && exec env FLASK_SECRET_KEY="$KEY" SPOTIFY_REDIRECT_URI="http://127.0.0.1:$FLASK_PORT/callback" \
  "$VENV/bin/gunicorn" -w "$(nproc)" -b "127.0.0.1:$FLASK_PORT" app:app) >"$OUT/flask.log" 2>&1 &
FLASK_SHELL=$!
PIDS+=($FLASK_SHELL)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$FLASK_PORT/api/token" && break; sleep 0.1; done
"$BIN/examples/bench_client" sign-in "http://127.0.0.1:$FLASK_PORT" "$USERS" fl "$WORK/flask.cookies"
measure flask "http://127.0.0.1:$FLASK_PORT" "$WORK/flask.cookies"
kill "$FLASK_SHELL" || true

echo "== refresh lock: row lock vs lease ($LOCK_USERS users, two PostgreSQL replicas)"
for lock in row lease; do
  DB=$(newdb "bench_lock_$lock")
  A=$(start_replica "lock-$lock-a" "$DB" WEB_APP_REFRESH_LOCK=$lock)
  B=$(start_replica "lock-$lock-b" "$DB" WEB_APP_REFRESH_LOCK=$lock)
  "$BIN/examples/bench_client" storm "$SANDBOX" "$A,$B" "$LOCK_USERS" "lock$lock" >"$OUT/lock-$lock.json"
  stop_replica "lock-$lock-a"; stop_replica "lock-$lock-b"
done

echo "== refresh storm: $STORM_USERS users, two PostgreSQL replicas"
DB=$(newdb bench_storm)
A=$(start_replica storm-a "$DB")
B=$(start_replica storm-b "$DB")
"$BIN/examples/bench_client" storm "$SANDBOX" "$A,$B" "$STORM_USERS" storm "$WORK/storm.cookies" >"$OUT/storm.json"
# One replica serving every one of the STORM_USERS sessions: its memory.
COOKIES=$WORK/storm.cookies wrk -t2 -c64 -d5s -s scripts/bench/web_token.lua "$A/api/token" >"$OUT/storm-touch.wrk"
echo "$(rss_kib "$(replica_pid storm-a)")" >"$OUT/storm-a.rss"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== report"
python3 scripts/bench/web_report.py "$OUT" "$USERS" "$STORM_USERS" "$LOCK_USERS" "$DURATION" "$LOAD_START" "$LOAD_END" \
  "$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)" \
  "$("$VENV/bin/python" -c 'import sys; from importlib.metadata import version as v; print("Python %s, Flask %s, spotipy %s, gunicorn %s" % (sys.version.split()[0], v("flask"), v("spotipy"), v("gunicorn")))')" \
  "$(psql -tA "$PGURL" -c 'SHOW server_version' | cut -d' ' -f1)"
