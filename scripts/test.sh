#!/usr/bin/env bash
# The one test command: installs what the tests need when it is missing, then
# runs every test: formatting, lints, unit and integration tests (the browser
# test included) and the notebooks, executed headless against the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Headless Chromium and its driver for the consent-page browser test.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "== installing chromium and chromium-driver (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== no import cycles in any crate (src, web/src, sandbox/src), no root re-export imports"
python3 scripts/module-cycles.py
echo "== BENCHMARKS.md writer: every kept block once, in its place"
python3 scripts/bench/test_report.py
echo "== cargo doc (no warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test (every test, the browser test and the web app's replicas on PostgreSQL included)"
# scripts/postgres.sh installs Debian's postgresql when missing, starts a
# throwaway cluster under target/pg (127.0.0.1, a free port, trust on
# loopback, no system service), exports WEB_APP_TEST_POSTGRES_URL for
# web/tests/replicas.rs and stops it at the end, whatever happens.
bash scripts/postgres.sh run cargo test --workspace -- --include-ignored

echo "== notebooks (Jupyter + evcxr, headless, against the sandbox)"
bash scripts/setup-notebooks.sh
target/jupyter-venv/bin/python scripts/run-notebooks.py
# The same notebooks with a (fake) real app configured and no one to type: they
# must stop cleanly, saying what to paste, neither hanging nor failing.
target/jupyter-venv/bin/python scripts/run-notebooks.py --real-credentials-headless
# Notebook 01 in JupyterLab in headless Chromium, against the sandbox binary, as a person types.
target/jupyter-venv/bin/python scripts/jupyterlab-test.py
