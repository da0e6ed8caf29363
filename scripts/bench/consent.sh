#!/usr/bin/env bash
# Approves the sandbox's consent page with curl, as a browser would, and writes
# what a benchmark run needs to a file (the work of hyperfine's --prepare: not timed).
#   consent.sh code OUT      a fresh authorization code (no newline), from an
#                            authorize URL built here (SPOTIFY_* from the environment)
#   consent.sh step1 OUT     runs step1_auth_url (release) in SPOTIFY_AUTH_DIR and
#                            writes the redirected URL + newline, for step2_get_tokens < OUT
set -euo pipefail
mode=$1 out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
base=${SPOTIFY_ACCOUNTS_URL:?}

case "$mode" in
  code)
    url="$base/authorize?client_id=$SPOTIFY_CLIENT_ID&response_type=code&redirect_uri=$(printf %s "$SPOTIFY_REDIRECT_URI" | sed 's/:/%3A/g; s#/#%2F#g')&scope=user-read-private+user-read-email&state=bench"
    ;;
  step1)
    step1_out=$("${BENCH_BIN_DIR:-$root/target/release}/step1_auth_url" 2>/dev/null)
    url=$(printf '%s\n' "$step1_out" | grep -E '^https?://.*/authorize\?' | head -1)
    ;;
  *) echo "usage: consent.sh code|step1 OUT" >&2; exit 2 ;;
esac

page=$(curl -sSf "$url")
request_id=$(printf '%s' "$page" | sed -n 's/.*name="request_id" value="\([^"]*\)".*/\1/p' | head -1)
[ -n "$request_id" ] || { echo "consent.sh: no request_id on the consent page" >&2; exit 1; }
redirect=$(curl -sS -o /dev/null -w '%{redirect_url}' \
  --data-urlencode "request_id=$request_id" -d decision=agree "$base/authorize/decision")
case "$redirect" in *code=*) ;; *) echo "consent.sh: no code in redirect '$redirect'" >&2; exit 1 ;; esac

if [ "$mode" = code ]; then
  code=${redirect#*code=}
  code=${code%%&*}
  printf '%s' "$code" > "$out"
else
  printf '%s\n' "$redirect" > "$out"
fi
