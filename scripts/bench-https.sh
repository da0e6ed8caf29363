#!/usr/bin/env bash
# Step 2 and 3 over https, against curl: `bash scripts/bench-https.sh [--runs N]`
#
# Makes a throwaway CA and a server certificate for 127.0.0.1 (openssl CLI),
# installs the CA into the system trust store (/usr/local/share/ca-certificates
# + update-ca-certificates: needs root, or sudo) and removes it again on exit,
# serves HTTPS on 127.0.0.1 with scripts/bench/https_standin.py (a
# TLS-terminating proxy in front of the sandbox), then times with hyperfine
# (release build, shell mode, fresh code per step 2 run from --prepare):
#   - step2_get_tokens / step3_refresh over plain http (the sandbox), beside curl:
#     nothing regressed;
#   - the same over https through the stand-in, beside curl doing the same POST
#     with the same system store (curl's defaults: the bundle and /etc/ssl/certs).
# Prints markdown tables (median ms, ratio to curl; target 1.5x) and writes them
# to target/bench-https/tables.md. Raw hyperfine JSON: target/bench-https/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=20
WARMUP=3
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$TARGET_DIR/bench-https
REL=$TARGET_DIR/release
mkdir -p "$OUT"
say() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
APT_UPDATED=0
apt_install() {
  if [ $APT_UPDATED = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

say "tools"
command -v hyperfine >/dev/null || apt_install hyperfine
command -v curl >/dev/null || apt_install curl
command -v openssl >/dev/null || apt_install openssl
command -v update-ca-certificates >/dev/null || apt_install ca-certificates
command -v python3 >/dev/null || apt_install python3
hyperfine --version; curl --version | head -1; openssl version

say "release build of the binaries the bench runs"
cargo build --release --bin sandbox --bin step1_auth_url --bin step2_get_tokens --bin step3_refresh

WORK=$(mktemp -d "${TMPDIR:-/tmp}/spotify-auth-bench-https.XXXXXX")
CA_NAME=spotify-auth-bench-$$
CA_INSTALLED=/usr/local/share/ca-certificates/$CA_NAME.crt
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ -e "$CA_INSTALLED" ]; then
    as_root rm -f "$CA_INSTALLED"
    as_root update-ca-certificates >/dev/null 2>&1 || true
    echo "removed $CA_NAME from the system trust store"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say "throwaway CA and server certificate, CA installed in the system store"
(
  cd "$WORK"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout ca.key -out ca.crt -subj "/CN=spotify-auth bench CA $$" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile ext.cnf -out server.crt 2>/dev/null
)
as_root cp "$WORK/ca.crt" "$CA_INSTALLED"
as_root update-ca-certificates 2>&1 | tail -1
HASH=$(openssl x509 -in "$WORK/ca.crt" -noout -subject_hash)
ls -l "/etc/ssl/certs/$HASH.0"
echo "system bundle: $(grep -c 'BEGIN CERTIFICATE' /etc/ssl/certs/ca-certificates.crt) certificates"

say "sandbox (http) and the https stand-in in front of it"
"$REL/sandbox" --port 0 > "$WORK/sandbox.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q '^SPOTIFY_ACCOUNTS_URL=' "$WORK/sandbox.out" && break; sleep 0.1; done
grep -q '^SPOTIFY_ACCOUNTS_URL=' "$WORK/sandbox.out" || { cat "$WORK/sandbox.out"; echo "sandbox did not start" >&2; exit 1; }
while IFS= read -r line; do export "${line?}"; done < <(grep -E '^SPOTIFY_[A-Z_]+=' "$WORK/sandbox.out")
HTTP_ACCOUNTS=$SPOTIFY_ACCOUNTS_URL
HTTP_API=$SPOTIFY_API_URL
standin() { # upstream -> prints the https base URL
  local log=$WORK/standin-$RANDOM.out
  python3 "$ROOT/scripts/bench/https_standin.py" "$1" "$WORK/server.crt" "$WORK/server.key" > "$log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q '^PORT=' "$log" && break; sleep 0.1; done
  grep -q '^PORT=' "$log" || { cat "$log"; echo "stand-in did not start" >&2; exit 1; }
  echo "https://127.0.0.1:$(sed -n 's/^PORT=//p' "$log")"
}
HTTPS_ACCOUNTS=$(standin "$HTTP_ACCOUNTS")
if [ "$HTTP_API" = "$HTTP_ACCOUNTS" ]; then HTTPS_API=$HTTPS_ACCOUNTS; else HTTPS_API=$(standin "$HTTP_API"); fi
echo "sandbox $HTTP_ACCOUNTS, stand-in $HTTPS_ACCOUNTS (api $HTTPS_API)"
export SPOTIFY_SCOPES="user-read-private user-read-email"
export SPOTIFY_AUTH_DIR=$WORK/auth
export SPOTIFY_HTTP_TIMEOUT_SECS=15
CONSENT="bash $ROOT/scripts/bench/consent.sh"
mkdir -p "$WORK/cwd"
cd "$WORK/cwd"
HF=(hyperfine --style basic --warmup "$WARMUP" --runs "$RUNS")
CURL_AUTH=(-sSf -o /dev/null -u "$SPOTIFY_CLIENT_ID:$SPOTIFY_CLIENT_SECRET")

run_scheme() { # scheme accounts-url api-url
  local scheme=$1
  export SPOTIFY_ACCOUNTS_URL=$2 SPOTIFY_API_URL=$3
  local token_url=$SPOTIFY_ACCOUNTS_URL/api/token
  say "$scheme: $token_url"
  # A refresh token for curl (and token.json for step3_refresh, from one step 2 run).
  $CONSENT step1 "$WORK/redirect"
  "$REL/step2_get_tokens" < "$WORK/redirect" > /dev/null
  local refresh_token
  refresh_token=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["refresh_token"])' "$SPOTIFY_AUTH_DIR/token.json")
  local exchange="curl ${CURL_AUTH[*]} -d grant_type=authorization_code --data-urlencode code@$WORK/code --data-urlencode redirect_uri=$SPOTIFY_REDIRECT_URI $token_url"
  local refresh="curl ${CURL_AUTH[*]} -d grant_type=refresh_token -d refresh_token=$refresh_token $token_url"
  local one_root=()
  if [ "$scheme" = https ]; then
    one_root=(-n "curl code exchange, --cacert the one CA (no bundle)" --prepare "$CONSENT code $WORK/code" "${exchange/curl /curl --cacert $WORK/ca.crt }")
  fi
  "${HF[@]}" --export-json "$OUT/$scheme-exchange.json" \
    --prepare "$CONSENT step1 $WORK/redirect" \
    -n "step2_get_tokens" "$REL/step2_get_tokens < $WORK/redirect > /dev/null" \
    --prepare "$CONSENT code $WORK/code" \
    -n "curl code exchange" "$exchange" "${one_root[@]}"
  one_root=()
  if [ "$scheme" = https ]; then
    one_root=(-n "curl refresh, --cacert the one CA (no bundle)" "${refresh/curl /curl --cacert $WORK/ca.crt }")
  fi
  "${HF[@]}" --export-json "$OUT/$scheme-refresh.json" \
    -n "step3_refresh" "$REL/step3_refresh > /dev/null" \
    -n "curl refresh" "$refresh" "${one_root[@]}"
}

run_scheme http "$HTTP_ACCOUNTS" "$HTTP_API"
run_scheme https "$HTTPS_ACCOUNTS" "$HTTPS_API"

# What the https process reads: no bundle, one hashed root.
export SPOTIFY_ACCOUNTS_URL=$HTTPS_ACCOUNTS SPOTIFY_API_URL=$HTTPS_API
if command -v strace >/dev/null; then
  strace -f -e trace=openat -o "$WORK/strace.txt" "$REL/step3_refresh" > /dev/null 2>&1 || true
  grep -E 'ssl|cert' "$WORK/strace.txt" | grep -v ENOENT | sed -E 's/^[0-9]+ +//' > "$OUT/step3-https-opens.txt" || true
  echo "step3_refresh over https opens:"; cat "$OUT/step3-https-opens.txt"
fi
cat /proc/loadavg > "$OUT/load.txt"

say "tables"
python3 - "$OUT" <<'EOF' | tee "$OUT/tables.md"
import json, statistics, sys
out = sys.argv[1]
for scheme in ("http", "https"):
    for what, title in (("exchange", "code exchange (step 2)"), ("refresh", "refresh (step 3)")):
        results = json.load(open(f"{out}/{scheme}-{what}.json"))["results"]
        curl = next(r for r in results if r["command"].startswith("curl") and "--cacert" not in r["command"])
        curl_median = statistics.median(curl["times"]) * 1000
        print(f"\n**{scheme}, {title}**\n")
        print("| what | runs | median ms | min ms | max ms | CPU ms (user+sys, mean) | median / curl |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in results:
            t = [x * 1000 for x in r["times"]]
            median = statistics.median(t)
            cpu = (r["user"] + r["system"]) * 1000
            print(f"| {r['command']} | {len(t)} | **{median:.2f}** | {min(t):.2f} | {max(t):.2f} | {cpu:.2f} | {median / curl_median:.2f}× |")
print(f"\nTarget: step 2 and step 3 within 1.5× of curl over https. Load average at the end: {open(out + '/load.txt').read().strip()}.")
EOF
