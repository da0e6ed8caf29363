#!/usr/bin/env bash
# The Rust kernel as the venv's Jupyter starts it (kernel.json points here):
# evcxr_jupyter with a build folder that outlives the kernel, so a restarted
# kernel finds the project's own crates (spotify-auth, its sandbox) already
# compiled. evcxr's `:cache` keeps only crates.io dependencies; without this
# the path crates are rebuilt at every kernel start (about 4 s of a warm
# notebook run on 2 cores).
#
# Each running kernel needs a folder of its own (evcxr writes its sources
# there): take the first free slot, held by a lock for the kernel's lifetime,
# under $TMPDIR/spotify-auth-evcxr-<uid>/<this checkout>/, a folder only this
# user can enter (evcxr loads the libraries built there). Not under the
# project: cargo would take evcxr's crate for a stray member of our
# workspace; not under $HOME: evcxr 0.22 then fails to load its first cell
# ("dlopen failed"). EVCXR_TMPDIR set by the caller wins (the notebook
# benchmark gives each cold run an empty folder).
set -euo pipefail
kernel="${EVCXR_JUPYTER:-evcxr_jupyter}"
if [[ -z "${EVCXR_TMPDIR:-}" ]]; then
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    checkout="$(printf '%s' "$root" | sha256sum | cut -c1-12)"
    private="${TMPDIR:-/tmp}/spotify-auth-evcxr-$(id -u)"
    mkdir -p -m 700 "$private"
    # Someone else's folder, or one others can write: use evcxr's own temporary folder.
    if [[ ! -O "$private" || -L "$private" ]] || [[ "$(stat -c %a "$private")" != 700 ]]; then
        exec "$kernel" "$@"
    fi
    slots="$private/$checkout"
    for slot in 0 1 2 3 4 5 6 7; do
        mkdir -p "$slots/$slot"
        exec 9>"$slots/$slot.lock"
        if flock -n 9; then
            export EVCXR_TMPDIR="$slots/$slot"
            break
        fi
        exec 9>&-
    done
fi
# fd 9 (the slot's lock) stays open in the kernel: released when it exits.
exec "$kernel" "$@"
