#!/usr/bin/env bash
# Times each notebook's full headless run (kernel start to kernel shutdown, through
# scripts/run-notebooks.py, so every run is also checked), with an EMPTY evcxr cache
# ("cold") and with a WARM one, beside a notebook with no dependencies (made in a temp
# dir, never committed). Prints a Markdown table of median/min/max seconds and writes it
# into BENCHMARKS.md between <!-- notebooks:begin --> and <!-- notebooks:end -->.
#
# Usage: bash scripts/bench-notebooks.sh [WARM_RUNS] [COLD_RUNS]     (defaults: 3 and 1)
#
# Cold really is cold: evcxr's `:cache` lives in $XDG_CACHE_HOME/evcxr (dirs::cache_dir()),
# and every cold run gets a fresh empty XDG_CACHE_HOME and a fresh empty build folder
# (EVCXR_TMPDIR, which scripts/evcxr-kernel.sh otherwise keeps between kernel starts), so
# nothing carries over between runs except the downloaded crates in ~/.cargo/registry (the
# notebooks build offline). Warm runs reuse the cache and the build folder the notebook's last
# cold run filled: a kernel started again, as a person restarting it sees. A cold run costs a
# minute on 2 cores, hence one by default.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="$root/target/jupyter-venv/bin/python"
warm_runs="${1:-3}"
cold_runs="${2:-1}"
[[ -x "$py" ]] || { echo "bench-notebooks: run 'bash scripts/setup-notebooks.sh' first" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The baseline: a notebook with no dependencies at all.
"$py" - "$work/00_no_dependencies.ipynb" <<'PY'
import sys, nbformat as nbf
nb = nbf.v4.new_notebook()
nb.cells = [nbf.v4.new_code_cell(':cache 1024'),
            nbf.v4.new_code_cell('let greeting = "hello";\nprintln!("{greeting}");')]
nb.metadata["kernelspec"] = {"name": "rust", "display_name": "Rust", "language": "rust"}
nbf.write(nb, sys.argv[1])
PY

results="$work/results.tsv"
: > "$results"

# run_one NOTEBOOK KIND CACHE_HOME BUILD_DIR: one checked headless run; appends "name kind seconds".
run_one() {
    local notebook="$1" kind="$2" cache_home="$3" build_dir="$4" extra=() line seconds
    [[ "$(basename "$notebook")" == 00_* ]] && extra=(--no-expect)
    line="$(XDG_CACHE_HOME="$cache_home" EVCXR_TMPDIR="$build_dir" "$py" "$root/scripts/run-notebooks.py" "${extra[@]}" "$notebook" 2>/dev/null | grep -E '^(ok|FAIL) ' || true)"
    if [[ "$line" != ok* ]]; then
        echo "bench-notebooks: $(basename "$notebook") $kind run failed: ${line:-no result}" >&2
        exit 1
    fi
    seconds="$(sed -E 's/.*\(([0-9.]+) s\).*/\1/' <<<"$line")"
    printf '%s\t%s\t%s\n' "$(basename "$notebook" .ipynb)" "$kind" "$seconds" >> "$results"
    printf 'bench-notebooks: %-24s %-4s %6.1f s\n' "$(basename "$notebook" .ipynb)" "$kind" "$seconds"
}

for notebook in "$work/00_no_dependencies.ipynb" "$root"/notebooks/*.ipynb; do
    name="$(basename "$notebook" .ipynb)"
    for i in $(seq 1 "$cold_runs"); do
        cache_home="$work/cache-$name-$i"
        build_dir="$work/build-$name-$i"
        mkdir -p "$cache_home" "$build_dir"
        run_one "$notebook" cold "$cache_home" "$build_dir"
    done
    for i in $(seq 1 "$warm_runs"); do
        run_one "$notebook" warm "$cache_home" "$build_dir"
    done
done

"$py" - "$results" "$root/BENCHMARKS.md" "$warm_runs" "$cold_runs" <<'PY'
import statistics, subprocess, sys, os, datetime
from pathlib import Path
results, bench_md, warm_runs, cold_runs = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = {}
for line in open(results):
    name, kind, seconds = line.rstrip("\n").split("\t")
    rows.setdefault(name, {}).setdefault(kind, []).append(float(seconds))

def cell(values):
    if not values:
        return "–"
    return f"{statistics.median(values):.1f} / {min(values):.1f} / {max(values):.1f}"

def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
    except Exception:
        return "?"

evcxr = next((l for l in subprocess.run(["cargo", "install", "--list"], capture_output=True, text=True).stdout.splitlines()
              if l.startswith("evcxr_jupyter ")), "evcxr_jupyter ?").rstrip(":")
table = [
    "| notebook | cold: median / min / max (s) | warm: median / min / max (s) |",
    "| --- | ---: | ---: |",
]
for name, kinds in rows.items():
    label = "(no dependencies, baseline)" if name.startswith("00_") else f"`{name}.ipynb`"
    table.append(f"| {label} | {cell(kinds.get('cold', []))} | {cell(kinds.get('warm', []))} |")
table = "\n".join(table)
print(table)

def verdict(kind, limit):
    values = rows.get("01_authorization_code", {}).get(kind, [])
    if not values:
        return f"not measured (target {limit} s)"
    median = statistics.median(values)
    if median <= limit:
        return f"**met**: median {median:.1f} s (target {limit} s)"
    return f"**missed** by {median - limit:.1f} s: median {median:.1f} s (target {limit} s)"

targets = (f"Targets for `01_authorization_code.ipynb`: cold {verdict('cold', 40)}; "
           f"warm {verdict('warm', 12)}.")
print(targets)

section = f"""<!-- notebooks:begin -->
<!-- Written by scripts/bench-notebooks.sh; edit the script, not this block. -->
Full headless run of each notebook (kernel start to shutdown, every output checked by
`scripts/run-notebooks.py`, sandbox mode), {cold_runs} cold and {warm_runs} warm run(s) each,
measured {datetime.date.today()} on {os.cpu_count()} CPUs with {evcxr}, {version(["rustc", "--version"])}.
Re-run with `bash scripts/bench-notebooks.sh [WARM_RUNS] [COLD_RUNS]`.

{table}

{targets}

* **cold**: evcxr's `:cache` and the kernel's build folder empty (fresh `XDG_CACHE_HOME` and
  `EVCXR_TMPDIR`), so the first notebook compiles all of the library's dependencies (reqwest,
  hyper, tokio, rustls over the system OpenSSL, serde, url/idna, tiny_http for the sandbox) at
  `:opt 0`. Downloads are not counted: `setup-notebooks.sh` fetched them, and the notebooks
  build with `:offline 1`.
* **warm**: the kernel started again with the same cache and build folder. evcxr's `:cache`
  keeps only crates.io crates: the two path crates (`spotify-auth`, `spotify-sandbox`) are
  compiled incrementally, which it never caches, so with evcxr's default (a new temporary build
  folder per kernel) they were rebuilt at every start (~4 s). `scripts/evcxr-kernel.sh`, which
  the venv's kernel spec runs, keeps the build folder between starts (one slot per running
  kernel, under `$TMPDIR/spotify-auth-evcxr-<uid>/`), so cargo finds them up to date.
* Where the rest of a warm run goes (per cell, 01): the dependency cell ~3.5 s (cargo's
  fingerprint checks of ~150 crates, evcxr's rust-analyzer loading the dependency graph), the
  setup cell ~3.5 s (the first cell that uses the library: rust-analyzer infers the types of the
  variables it keeps, over the whole graph), then ~1 s per code cell (each is compiled as a crate,
  linked and loaded), plus the kernel's start.
* The numbers vary by several seconds between runs on a shared machine.
<!-- notebooks:end -->"""

# Only the block between the markers is ours; the heading above it stays outside, so that
# whoever numbers the sections of BENCHMARKS.md keeps their heading.
text = bench_md.read_text() if bench_md.exists() else "# Benchmarks\n"
begin, end = "<!-- notebooks:begin -->", "<!-- notebooks:end -->"
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    previous = [l for l in head.splitlines() if l.strip()]
    if not previous or not (previous[-1].startswith("#") and "otebook" in previous[-1]):
        head = head.rstrip("\n") + "\n\n## Notebooks\n\n"
    text = head + section + tail
else:
    lines = text.splitlines()
    heading = next((i for i, l in enumerate(lines) if l.startswith("## ") and "otebook" in l), None)
    if heading is None:
        text = text.rstrip("\n") + "\n\n## Notebooks\n\n" + section + "\n"
    else:
        lines.insert(heading + 1, "\n" + section)
        text = "\n".join(lines) + "\n"
bench_md.write_text(text)
print(f"bench-notebooks: wrote the notebook section of {bench_md}")
PY
