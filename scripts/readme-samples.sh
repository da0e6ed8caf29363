#!/usr/bin/env bash
# Regenerates every sample output in README.md from one scripted run of the real
# binaries against the sandbox (tests/readme_samples.rs with README_SAMPLES=write):
# the blocks between `<!-- sample:NAME -->` and `<!-- /sample:NAME -->` are
# rewritten; read the diff before committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
README_SAMPLES=write cargo test --quiet --test readme_samples readme_samples_are_what_the_binaries_print
cargo test --quiet --test readme_samples
git --no-pager diff --stat -- README.md
