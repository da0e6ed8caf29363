#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for RUNS executions each, one after
# another (one in-process fuzzer each, the same as -jobs=1 without its log files), and prints executions, time, exec/s and crashes per target.
#
#   scripts/fuzz.sh [RUNS] [TARGET...]        RUNS defaults to 10000000
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Release build with debug assertions and overflow checks (-a), no sanitizer
# (-s none: the code under test is safe Rust; this keeps ~3x the speed).
# Every invariant of every target is always checked.
# New inputs go to fuzz/target/corpus/<target> (ignored); the committed seeds
# in fuzz/corpus/<target> are only read. Crashes land in fuzz/artifacts/<target>.
set -euo pipefail

RUNS="${1:-10000000}"
shift || true
cd "$(dirname "$0")/../fuzz"
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(paste token_answer config)
export CARGO_TARGET_DIR="$PWD/target"

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz.sh: the nightly toolchain is missing: rustup toolchain install nightly" >&2
    exit 1
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
cargo +nightly fuzz build -a -s none >/dev/null
LOG_DIR="$PWD/target/fuzz-logs"
mkdir -p "$LOG_DIR"

summary=()
failed=0
for target in "${TARGETS[@]}"; do
    scratch="$PWD/target/corpus/$target"
    mkdir -p "$scratch" "artifacts/$target"
    before=$(ls "artifacts/$target" | wc -l)
    max_len=4096
    [ "$target" = paste ] && max_len=16384 # past MAX_PASTE_BYTES (8 KiB)
    log="$LOG_DIR/$target.log"
    echo "== $target: $RUNS runs (log: $log)"
    start=$(date +%s)
    status=0
    cargo +nightly fuzz run -a -s none "$target" "$scratch" "corpus/$target" -- \
        -runs="$RUNS" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || status=$?
    secs=$(( $(date +%s) - start ))
    execs=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$log" | awk '{print $2}' | tail -1)
    speed=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | awk '{print $2}' | tail -1)
    crashes=$(( $(ls "artifacts/$target" | wc -l) - before ))
    [ "$status" -eq 0 ] || failed=1
    line=$(printf '%-13s executions=%-10s time=%ss exec/s=%-7s crashes=%s exit=%s' \
        "$target" "${execs:-?}" "$secs" "${speed:-?}" "$crashes" "$status")
    echo "$line"
    grep -m1 -E 'panicked at|ERROR: libFuzzer' "$log" || true
    summary+=("$line")
done

echo
echo "== summary (RUNS=$RUNS, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?))"
printf '%s\n' "${summary[@]}"
exit "$failed"
