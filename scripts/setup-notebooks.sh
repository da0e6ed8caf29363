#!/usr/bin/env bash
# Prepares everything the notebooks need, idempotently:
#   - a Python venv at target/jupyter-venv with Jupyter Lab, nbclient and nbconvert, and
#     selenium for the test that drives JupyterLab in Chromium (scripts/jupyterlab-test.py);
#   - the evcxr Jupyter kernel (`cargo install --locked evcxr_jupyter`, unless on PATH);
#   - the kernel registered *inside the venv* (target/jupyter-venv/share/jupyter/kernels/rust),
#     so the venv's jupyter finds it without touching ~/.local/share/jupyter;
#   - the crates the notebooks use, downloaded (they build with cargo offline).
# Usage: bash scripts/setup-notebooks.sh
# Then:  target/jupyter-venv/bin/jupyter lab notebooks/
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/target/jupyter-venv"
python="${PYTHON:-python3}"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf 'setup-notebooks: %s\n' "$*"; }

# 1. Python side.
if ! "$venv/bin/python" -c 'import jupyterlab, nbclient, nbconvert, selenium' >/dev/null 2>&1; then
    say "creating $venv (jupyterlab, nbclient, nbconvert, selenium from PyPI)"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check jupyterlab nbclient nbconvert selenium
else
    say "venv ok: $venv"
fi

# 2. The Rust kernel. Another `cargo install evcxr_jupyter` may already be running
#    (two at once fight over the same files): wait for it instead of starting a second.
wait_for_other_install() {
    local waited=0
    command -v pgrep >/dev/null 2>&1 || return 0
    while pgrep -f 'cargo install.*evcxr_jupyter' >/dev/null 2>&1; do
        if (( waited % 60 == 0 )); then say "waiting for a running 'cargo install evcxr_jupyter' to finish..."; fi
        sleep 5
        waited=$((waited + 5))
    done
}
if ! command -v evcxr_jupyter >/dev/null 2>&1; then
    wait_for_other_install
fi
if ! command -v evcxr_jupyter >/dev/null 2>&1; then
    say "installing evcxr_jupyter with cargo (several minutes, once)"
    cargo install --locked evcxr_jupyter
fi
kernel_bin="$(command -v evcxr_jupyter)"
say "kernel binary: $kernel_bin"

# 3. Register the kernel in the venv's data dir (sys.prefix/share/jupyter), which
#    `jupyter` from the venv always searches. evcxr_jupyter --install writes to
#    $JUPYTER_PATH/kernels/rust when JUPYTER_PATH is set. Re-run every time: cheap,
#    and it keeps the absolute binary path in kernel.json current.
JUPYTER_PATH="$venv/share/jupyter" "$kernel_bin" --install >/dev/null
# Start it through scripts/evcxr-kernel.sh: a build folder kept between kernel
# starts, so the project's own crates are not compiled again each time.
"$venv/bin/python" - "$venv/share/jupyter/kernels/rust/kernel.json" "$root/scripts/evcxr-kernel.sh" "$kernel_bin" <<'PY'
import json, sys
path, wrapper, kernel = sys.argv[1:]
spec = json.load(open(path))
spec["argv"] = [wrapper, "--control_file", "{connection_file}"]
spec["env"] = {"EVCXR_JUPYTER": kernel}
json.dump(spec, open(path, "w"), indent=2)
PY
if ! "$venv/bin/jupyter" kernelspec list 2>/dev/null | grep -q "^ *rust "; then
    say "error: the venv's jupyter does not list the 'rust' kernel after installing it" >&2
    exit 1
fi
say "kernel 'rust' registered in $venv/share/jupyter/kernels/rust"

# 4. The notebooks run cargo with `:offline 1` (no crates.io index update at every kernel
#    start), so their crates must already be downloaded: fetch them once, through a
#    throw-away manifest with the same dependencies as the notebooks' `:dep` lines.
deps="$root/target/notebook-deps"
mkdir -p "$deps"
cat > "$deps/Cargo.toml" <<'TOML'
# Written by scripts/setup-notebooks.sh: the notebooks' dependencies, for `cargo fetch`.
[package]
name = "notebook-deps"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
path = "lib.rs"

[workspace]

[dependencies]
spotify-auth = { path = "../.." }
evcxr_input = "1"
TOML
: > "$deps/lib.rs"
(cd "$deps" && cargo fetch --quiet)
say "notebook crates downloaded (the notebooks' cargo runs offline)"
say "ready: target/jupyter-venv/bin/jupyter lab notebooks/"
