#!/usr/bin/env bash
# The benchmark command: `bash scripts/bench.sh [--with-notebooks] [--runs N] [--skip-cold-build]`
#
# Regenerates BENCHMARKS.md: sections 1, 2 and 4 and the targets. Every block between
# `<!-- NAME:begin -->` and `<!-- NAME:end -->` is kept verbatim: the notebook section
# (scripts/bench-notebooks.sh; --with-notebooks runs it afterwards, which takes minutes),
# section 5, https (by hand from scripts/bench-https.sh, which needs root), and any other.
# Installs what it needs when missing: hyperfine and curl (Debian packages), a Python
# virtual environment with requests and spotipy from PyPI in target/bench-venv. Takes
# 10-15 minutes on 2 cores, most of it the three cold builds (--skip-cold-build reuses
# the last build numbers from target/bench/). --runs N: timed runs per command (20).
#
# Every timing is against this machine's loopback only: the `sandbox` binary
# stands in for accounts.spotify.com. Raw results go to target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=20
WARMUP=3
WITH_NOTEBOOKS=0
SKIP_BUILD=0
while [ $# -gt 0 ]; do
  case "$1" in
    --with-notebooks) WITH_NOTEBOOKS=1 ;;
    --skip-cold-build) SKIP_BUILD=1 ;;
    --runs) RUNS=$2; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$RUNS" -lt 10 ]; then echo "--runs must be at least 10" >&2; exit 2; fi

OUT=$ROOT/target/bench
VENV=$ROOT/target/bench-venv
REL=${CARGO_TARGET_DIR:-$ROOT/target}/release
mkdir -p "$OUT"
say() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
APT_UPDATED=0
apt_install() {
  if [ $APT_UPDATED = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

say "tools"
command -v hyperfine >/dev/null || { echo "installing hyperfine"; apt_install hyperfine; }
command -v curl >/dev/null || { echo "installing curl"; apt_install curl; }
command -v python3 >/dev/null || { echo "installing python3"; apt_install python3 python3-venv; }
if ! "$VENV/bin/python" -c 'import requests, spotipy' 2>/dev/null; then
  echo "creating $VENV with requests and spotipy (PyPI)"
  python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; rm -rf "$VENV"; python3 -m venv "$VENV"; }
  "$VENV/bin/pip" install -q --disable-pip-version-check requests spotipy
fi
PY=$VENV/bin/python
hyperfine --version; curl --version | head -1; "$PY" --version
"$PY" -c 'import platform, importlib.metadata as m; print(platform.python_version(), "with requests", m.version("requests"), "and spotipy", m.version("spotipy"))' \
  | tee "$OUT/python-versions.txt"

# The machine, and how busy it is (other builds make every number noisier).
python3 "$ROOT/scripts/bench/report.py" machine > "$OUT/machine.json"
cat /proc/loadavg > "$OUT/load-start.txt"

say "release build of the binaries and the in-process bench"
# -p: the workspace's default members include the web app, which nothing here runs.
cargo build --release -p spotify-auth --bins
cargo bench -p spotify-auth --bench in_process --no-run 2>&1 | tail -1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/spotify-auth-bench.XXXXXX")
SANDBOX_PID=
cleanup() {
  if [ -n "$SANDBOX_PID" ]; then kill "$SANDBOX_PID" 2>/dev/null || true; wait "$SANDBOX_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say "sandbox (loopback, release build)"
"$REL/sandbox" --port 0 > "$WORK/sandbox.out" 2>&1 &
SANDBOX_PID=$!
for _ in $(seq 100); do grep -q '^SPOTIFY_ACCOUNTS_URL=' "$WORK/sandbox.out" && break; sleep 0.1; done
grep -q '^SPOTIFY_ACCOUNTS_URL=' "$WORK/sandbox.out" || { cat "$WORK/sandbox.out"; echo "sandbox did not start" >&2; exit 1; }
while IFS= read -r line; do export "${line?}"; done < <(grep -E '^SPOTIFY_[A-Z_]+=' "$WORK/sandbox.out")
export SPOTIFY_SCOPES="user-read-private user-read-email"
export SPOTIFY_AUTH_DIR=$WORK/auth
export SPOTIFY_HTTP_TIMEOUT_SECS=15
echo "sandbox at $SPOTIFY_ACCOUNTS_URL (pid $SANDBOX_PID)"
TOKEN_URL=$SPOTIFY_ACCOUNTS_URL/api/token
CONSENT="bash $ROOT/scripts/bench/consent.sh"
# The binaries read .env from the current folder: run them in an empty one.
mkdir -p "$WORK/cwd"
cd "$WORK/cwd"
HF=(hyperfine --style basic --warmup "$WARMUP" --runs "$RUNS")

say "1. step 1 as a whole process vs Python"
"${HF[@]}" -N --export-json "$OUT/step1.json" \
  -n "step1_auth_url (Rust, release)" "$REL/step1_auth_url" \
  -n "Python + requests (seed tutorial)" "$PY $ROOT/scripts/bench/step1_requests.py" \
  -n "Python + spotipy SpotifyOAuth" "$PY $ROOT/scripts/bench/step1_spotipy.py" \
  -n "python -c pass (interpreter start-up)" "$PY -c pass"

say "2a. curl POST alone (fresh code per run from --prepare, not timed)"
CURL_AUTH=(-sSf -u "$SPOTIFY_CLIENT_ID:$SPOTIFY_CLIENT_SECRET")
"${HF[@]}" -N --export-json "$OUT/curl-exchange.json" \
  --prepare "$CONSENT code $WORK/code" \
  -n "curl code exchange" \
  "curl ${CURL_AUTH[*]} -d grant_type=authorization_code --data-urlencode code@$WORK/code --data-urlencode redirect_uri=$SPOTIFY_REDIRECT_URI $TOKEN_URL"
$CONSENT code "$WORK/code"
REFRESH_TOKEN=$(curl "${CURL_AUTH[@]}" -d grant_type=authorization_code --data-urlencode "code@$WORK/code" \
  --data-urlencode "redirect_uri=$SPOTIFY_REDIRECT_URI" "$TOKEN_URL" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["refresh_token"])')
"${HF[@]}" -N --export-json "$OUT/curl-refresh.json" \
  -n "curl refresh" \
  "curl ${CURL_AUTH[*]} -d grant_type=refresh_token -d refresh_token=$REFRESH_TOKEN $TOKEN_URL"

say "2b. in process (benches/in_process.rs), same sandbox"
(cd "$ROOT" && BENCH_SANDBOX_URL=$SPOTIFY_ACCOUNTS_URL BENCH_JSON=$OUT/in-process.json \
  BENCH_RUNS=$((RUNS > 30 ? RUNS : 30)) BENCH_WARMUP=$WARMUP cargo bench -p spotify-auth --bench in_process)

say "2c. step2_get_tokens / step3_refresh as whole processes vs curl"
# Shell mode for every command (step 2 reads the redirected URL from stdin);
# hyperfine subtracts the shell's own start-up. The sandbox is plain http, so no
# trust root is read (src/tls.rs); https is measured by scripts/bench-https.sh.
CURL_EXCHANGE="curl ${CURL_AUTH[*]} -d grant_type=authorization_code --data-urlencode code@$WORK/code --data-urlencode redirect_uri=$SPOTIFY_REDIRECT_URI $TOKEN_URL"
CURL_REFRESH="curl ${CURL_AUTH[*]} -d grant_type=refresh_token -d refresh_token=$REFRESH_TOKEN $TOKEN_URL"
"${HF[@]}" --export-json "$OUT/process-exchange.json" \
  --prepare "$CONSENT step1 $WORK/redirect" \
  -n "step2_get_tokens (Rust, release)" "$REL/step2_get_tokens < $WORK/redirect" \
  --prepare "$CONSENT code $WORK/code" \
  -n "curl code exchange" "$CURL_EXCHANGE"
"${HF[@]}" --export-json "$OUT/process-refresh.json" \
  -n "step3_refresh (Rust, release)" "$REL/step3_refresh" \
  -n "curl refresh" "$CURL_REFRESH"

say "2d. where step 3's process time goes (perf, strace: for the paragraph)"
if command -v perf >/dev/null; then
  perf stat -r 10 -e task-clock -o "$OUT/perf-step3.txt" "$REL/step3_refresh" > /dev/null 2>&1 || true
  perf stat -r 10 -e task-clock -o "$OUT/perf-curl.txt" curl "${CURL_AUTH[@]}" -o /dev/null \
    -d grant_type=refresh_token -d "refresh_token=$REFRESH_TOKEN" "$TOKEN_URL" > /dev/null 2>&1 || true
  # One run is ~20 samples at perf's default rate: 20 runs at 20 kHz, the loop's own
  # shell left out (its samples are those of comm bash), every thread of step3_refresh in.
  rm -f "$OUT/perf-step3-dso.txt" "$OUT/perf-step3-crypto.txt"
  if perf record -q -F 20000 -o "$WORK/perf.data" -- \
      bash -c 'for _ in $(seq 20); do "$1" > /dev/null 2>&1; done' _ "$REL/step3_refresh" 2>/dev/null; then
    perf report -i "$WORK/perf.data" --no-children --sort comm,dso --stdio 2>/dev/null \
      | python3 "$ROOT/scripts/bench/report.py" dso > "$OUT/perf-step3-dso.txt" || true
    perf report -i "$WORK/perf.data" --no-children --dsos libcrypto.so.3 --sort sym --stdio 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | head -6 > "$OUT/perf-step3-crypto.txt" || true
  fi
fi

if command -v strace >/dev/null; then
  # Syscalls of 10 step3_refresh runs: fsync time (the durable save), threads started,
  # and every TLS-related file opened (none expected over http: no trust root read).
  for i in $(seq 10); do
    strace -f -T -e trace=fsync,fdatasync,clone,clone3,openat -o "$WORK/strace-$i.txt" \
      "$REL/step3_refresh" > /dev/null 2>&1 || true
  done
  python3 "$ROOT/scripts/bench/report.py" strace "$WORK"/strace-*.txt > "$OUT/strace-step3.json" || true
fi

kill "$SANDBOX_PID" 2>/dev/null || true; wait "$SANDBOX_PID" 2>/dev/null || true; SANDBOX_PID=
cd "$ROOT"

count_deps() { # manifest edges [cargo tree flags...] -> crates in the tree, the root excluded
  local manifest=$1 edges=$2; shift 2
  cargo tree --manifest-path "$manifest" -e "$edges" --prefix none -f '{p}' "$@" 2>/dev/null \
    | sed -E 's/ \(\*\)$//; s/ \(proc-macro\)$//' | grep -v '^$' | sort -u | wc -l \
    | awk '{print $1 - 1}'
}

if [ $SKIP_BUILD = 0 ] || [ ! -s "$OUT/build.json" ]; then
  say "4. cold release builds (-j2, registry already downloaded)"
  cargo fetch -q
  SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/rspotify-scratch.XXXXXX")
  mkdir -p "$SCRATCH/src"
  cat > "$SCRATCH/Cargo.toml" <<'EOF'
[package]
name = "rspotify-scratch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
# async reqwest client with native TLS (the system OpenSSL, as this crate's rustls-openssl
# uses): rspotify's rustls features would compile ring or aws-lc on top
rspotify = { version = "0.16", default-features = false, features = ["client-reqwest", "reqwest-native-tls"] }

[workspace]
EOF
  echo 'pub use rspotify;' > "$SCRATCH/src/lib.rs"
  (cd "$SCRATCH" && cargo generate-lockfile -q && cargo fetch -q)
  RSPOTIFY_VERSION=$(cargo tree --manifest-path "$SCRATCH/Cargo.toml" -e normal --depth 1 --prefix none -f '{p}' | grep '^rspotify ' | head -1)
  cold() { # name, dir to build in, cargo args... -> "wall-seconds cpu-seconds"
    # CPU = user + system time of cargo and every rustc / build script it waited for:
    # much less sensitive to other people's load than the wall clock.
    local target; target=$(mktemp -d "${TMPDIR:-/tmp}/cold-target.XXXXXX")
    (cd "$2" && CARGO_TARGET_DIR=$target python3 -c '
import resource, subprocess, sys, time
start = time.monotonic()
subprocess.run(sys.argv[1:], check=True, stdout=sys.stderr)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.1f} {usage.ru_utime + usage.ru_stime:.1f}")' cargo build --release -j2 -q --timings "${@:3}") \
      || { rm -rf "$target"; return 1; }
    # cargo's per-crate times (--timings costs nothing measurable): what dominates.
    cp "$target/cargo-timings/cargo-timing.html" "$OUT/timings-$1.html" 2>/dev/null || true
    rm -rf "$target"
  }
  echo "load before the builds: $(cat /proc/loadavg)"
  LOAD_BEFORE=$(cat /proc/loadavg)
  # -p: the web app is a default member of the workspace; this row is the library's package.
  T=$(cold ours "$ROOT" -p spotify-auth); read -r OURS OURS_CPU <<< "$T"
  echo "spotify-auth, default features, lib + binaries: ${OURS}s (CPU ${OURS_CPU}s)"
  T=$(cold ours-lib "$ROOT" -p spotify-auth --lib --no-default-features); read -r OURS_LIB OURS_LIB_CPU <<< "$T"
  echo "spotify-auth --lib --no-default-features: ${OURS_LIB}s (CPU ${OURS_LIB_CPU}s)"
  T=$(cold rspotify "$SCRATCH"); read -r RSP RSP_CPU <<< "$T"
  echo "rspotify scratch crate: ${RSP}s (CPU ${RSP_CPU}s)"
  cat > "$OUT/build.json" <<EOF
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "load_before": "$LOAD_BEFORE",
  "load": "$(cat /proc/loadavg)",
  "ours_secs": $OURS,
  "ours_lib_secs": $OURS_LIB,
  "rspotify_secs": $RSP,
  "ours_cpu_secs": $OURS_CPU,
  "ours_lib_cpu_secs": $OURS_LIB_CPU,
  "rspotify_cpu_secs": $RSP_CPU,
  "rspotify_version": "$RSPOTIFY_VERSION",
  "ours_default_normal": $(count_deps "$ROOT/Cargo.toml" normal -p spotify-auth),
  "ours_default_build": $(count_deps "$ROOT/Cargo.toml" normal,build -p spotify-auth),
  "ours_nodefault_normal": $(count_deps "$ROOT/Cargo.toml" normal -p spotify-auth --no-default-features),
  "ours_nodefault_build": $(count_deps "$ROOT/Cargo.toml" normal,build -p spotify-auth --no-default-features),
  "rspotify_normal": $(count_deps "$SCRATCH/Cargo.toml" normal -p rspotify-scratch),
  "rspotify_build": $(count_deps "$SCRATCH/Cargo.toml" normal,build -p rspotify-scratch)
}
EOF
  rm -rf "$SCRATCH"
  cat "$OUT/build.json"
else
  say "4. cold builds skipped: reusing $OUT/build.json"
fi

cat /proc/loadavg > "$OUT/load-end.txt"
say "writing BENCHMARKS.md"
python3 "$ROOT/scripts/bench/report.py" write "$OUT" "$ROOT/BENCHMARKS.md"

if [ $WITH_NOTEBOOKS = 1 ]; then
  if [ -f "$ROOT/scripts/bench-notebooks.sh" ]; then
    say "3. notebooks (scripts/bench-notebooks.sh)"
    bash "$ROOT/scripts/bench-notebooks.sh"
  else
    echo "scripts/bench-notebooks.sh does not exist: the notebook section is left as it is" >&2
  fi
fi
say "done: BENCHMARKS.md"
