#!/usr/bin/env python3
"""Executes the notebooks headless and checks what they print.

Run with the venv made by scripts/setup-notebooks.sh:

    target/jupyter-venv/bin/python scripts/run-notebooks.py            # every notebooks/*.ipynb
    target/jupyter-venv/bin/python scripts/run-notebooks.py notebooks/02_pkce.ipynb

Each notebook runs in its own `rust` (evcxr) kernel, with the kernel's working directory set to
notebooks/ (as Jupyter Lab does), with every SPOTIFY_* variable removed from the environment and
the project's .env ignored, so the notebooks always take the offline sandbox path and approve the
consent themselves. Outputs stay in memory: the .ipynb files are never written.

A notebook fails when a cell errors (including an error returned by `?`, which evcxr only
prints on stderr), when an expected output is missing, or when any output
contains a client secret (the sandbox's default one, or one found in the environment or .env).
The last line is `notebooks: N passed, M failed`; the exit status is non-zero on any failure.

Options:
  --no-expect            only require that every cell runs (for ad-hoc notebooks, e.g. the benchmark's)
  --real-credentials-headless
                         instead of the sandbox, pretend a real app is configured (fake client id and
                         secret, accounts URL on an unused loopback port) and check that 01 and 02 stop
                         cleanly, saying what to paste, and 03 says to run 01 or 02 first: evcxr_input
                         answers "" when no one can type, and nothing must hang or error.
  --timeout SECONDS      per-cell time limit (default 600: the first cell compiles the dependencies)
"""

import argparse
import os
import re
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def sandbox_default_secret():
    """The sandbox's default client secret, read from its source (SandboxOptions::default)."""
    for path in sorted((ROOT / "sandbox" / "src").glob("*.rs")):
        found = re.search(r'client_secret:\s*"([^"]+)"\.to_string\(\)', path.read_text(encoding="utf-8"))
        if found:
            return found.group(1)
    return None


def dotenv_values(path):
    values = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                name, value = line.split("=", 1)
                values[name.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def output_text(nb):
    """Everything the notebook printed: streams, results, HTML, errors."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream":
                parts.append(out.get("text", ""))
            elif kind in ("execute_result", "display_data"):
                for mime, data in out.get("data", {}).items():
                    if mime.startswith("text/"):
                        parts.append(data if isinstance(data, str) else "".join(data))
            elif kind == "error":
                parts.append("\n".join(out.get("traceback", [])) or out.get("evalue", ""))
    return "\n".join(parts)


def field(text, label):
    """Values printed as `  <label> : <value>` (first word of the value)."""
    return re.findall(r"^\s*" + re.escape(label) + r"\s*: (\S+)", text, re.M)


def check_diagram(text, problems):
    """Notebooks 01 and 02 end with the run as an SVG sequence diagram: it parses as XML and
    names every request of the run, in order; each exchange also has its collapsible block."""
    import xml.etree.ElementTree as ElementTree
    found = re.search(r"<svg .*?</svg>", text, re.S)
    if not found:
        problems.append("no SVG sequence diagram")
        return
    try:
        svg = ElementTree.fromstring(found.group(0))
    except ElementTree.ParseError as e:
        problems.append(f"the diagram is not XML: {e}")
        return
    labels = [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    wanted = ["GET /authorize?client_id=", "302 Location:", "POST /api/token grant_type=authorization_code",
              "200 {access_token", "POST /api/token grant_type=refresh_token"]
    at = 0
    for label in wanted:
        hits = [i for i, text in enumerate(labels) if i >= at and label in text]
        if not hits:
            problems.append(f"the diagram lacks {label!r} (in order) among {labels}")
            return
        at = hits[0] + 1
    if "<details><summary" not in text or "The same request with curl:" not in text:
        problems.append("no collapsible request/answer block with its curl line")


def check_flow(text, problems, pkce):
    check_diagram(text, problems)
    if "/authorize?client_id=" not in text:
        problems.append("no authorize URL (/authorize?client_id=)")
    if "SANDBOX MODE" not in text:
        problems.append("no SANDBOX MODE banner")
    check_tokens(text, problems)
    if pkce:
        if not re.search(r"challenge check\s*: OK", text):
            problems.append("no successful PKCE challenge check")
        if "code_challenge=" not in text:
            problems.append("no code_challenge in the URL")


def check_tokens(text, problems):
    """Steps 2 and 3 as printed: the code, the tokens, the refresh and its verdict."""
    if not any(len(c) > 8 for c in field(text, "authorization code")):
        problems.append("no authorization code")
    first = [t for t in field(text, "access token") if t.startswith("BQ")]
    if not first:
        problems.append("no access token (BQ...)")
    if not [t for t in field(text, "refresh token") if t.startswith("AQ")] and not re.search(r"^\s+AQ\S{20,}", text, re.M):
        problems.append("no refresh token (AQ...)")
    refreshed = [t for t in field(text, "NEW access token") if t.startswith("BQ")]
    if not refreshed:
        problems.append("no refreshed access token")
    elif first and refreshed[0] == first[0]:
        problems.append("the refreshed access token equals the first one")
    if not re.search(r"refresh token\s*: (KEPT|ROTATED)", text):
        problems.append("no kept/rotated refresh token verdict")
    if not field(text, "expires_in") or " UTC" not in text:
        problems.append("no expires_in / expiry time")


def check_web_api(text, problems):
    if "Sandbox Listener" not in text and "sandbox-user" not in text:
        problems.append("no profile (Sandbox Listener / sandbox-user)")
    playlists = re.search(r"Playlists:\s+(\d+) in total", text)
    if not playlists or int(playlists.group(1)) == 0:
        problems.append("no playlists")
    shows = re.search(r"Saved shows:\s+(\d+) in total", text)
    if not shows or int(shows.group(1)) == 0:
        problems.append("no saved shows")
    if "nothing is playing" not in text:
        problems.append('no "nothing is playing" (204)')
    if not re.search(r"new token\s*: true", text):
        problems.append("no automatic refresh to a new token")
    if not re.search(r"PUT \S+/v1/me/player/play answered 204\n\s+playing: ", text):
        problems.append("no play command answered 204, then playing")
    if not re.search(r"PUT \S+/v1/me/player/pause answered 204\n\s+paused: ", text):
        problems.append("no pause command answered 204, then paused")


def check_app_token(text, problems):
    if "SANDBOX MODE" not in text:
        problems.append("no SANDBOX MODE banner")
    if not re.search(r"access_token\s*=\s*\S{10,}", text):
        problems.append("no app-only access token")
    if "Band of Horses" not in text:
        problems.append("no artist (Band of Horses)")
    if "GET /v1/me with the app-only token:" not in text:
        problems.append("no refusal of /v1/me with the app-only token")


def check_expectations(name, text, problems):
    if name.startswith("01"):
        check_flow(text, problems, pkce=False)
        if '<a href="' not in text:
            problems.append("no clickable link (text/html output)")
        if "Caught the redirect:" not in text:
            problems.append("the listener of step 2a did not catch the redirect")
    elif name.startswith("02"):
        check_flow(text, problems, pkce=True)
    elif name.startswith("03"):
        check_web_api(text, problems)
    elif name.startswith("04"):
        check_app_token(text, problems)
    else:
        problems.append("no expectations known for this notebook (add them to scripts/run-notebooks.py)")


def check_headless_stop(name, text, problems):
    if "SANDBOX MODE" in text:
        problems.append("ran on the sandbox although a client id was set")
    if name.startswith(("01", "02")):
        if "What to paste:" not in text:
            problems.append('no "What to paste:" message')
        if "Step 3 skipped" not in text:
            problems.append("step 3 did not skip")
    elif name.startswith("03"):
        if "Run 01_authorization_code.ipynb or 02_pkce.ipynb first" not in text:
            problems.append("no 'run 01 or 02 first' message")
    elif name.startswith("04"):
        if "No app-only token:" not in text:
            problems.append("no 'No app-only token' message")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--no-expect", action="store_true")
    parser.add_argument("--real-credentials-headless", action="store_true")
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args()

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    # The `rust` kernel registered by setup-notebooks.sh lives in this venv: search it first,
    # before any older user-level registration.
    venv_share = str(Path(sys.prefix) / "share" / "jupyter")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (venv_share, os.environ.get("JUPYTER_PATH", "")) if p)

    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        print("notebooks: no notebooks found", file=sys.stderr)
        return 1

    # Secrets that must never show up in an output.
    secrets = set()
    if (s := sandbox_default_secret()):
        secrets.add(s)
    else:
        sys.exit("run-notebooks: cannot find the sandbox's default client secret in sandbox/src/*.rs: the secret check would be blind")
    for source in (os.environ, dotenv_values(ROOT / ".env")):
        if source.get("SPOTIFY_CLIENT_SECRET"):
            secrets.add(source["SPOTIFY_CLIENT_SECRET"])

    # No credentials: strip every SPOTIFY_* variable and hide the project's .env.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTIFY_")}
    env["SPOTIFY_NOTEBOOK_DOTENV"] = str(Path(tempfile.gettempdir()) / "spotify-auth-no-such-dotenv")
    if args.real_credentials_headless:
        fake_secret = "f" * 32
        secrets.add(fake_secret)
        env.update({
            "SPOTIFY_CLIENT_ID": "0123456789abcdef0123456789abcdef",
            "SPOTIFY_CLIENT_SECRET": fake_secret,
            # Nothing listens there: a request that should not happen fails fast instead of reaching Spotify.
            "SPOTIFY_ACCOUNTS_URL": f"http://127.0.0.1:{free_port()}",
            "SPOTIFY_API_URL": f"http://127.0.0.1:{free_port()}",
        })

    passed = failed = 0
    for path in paths:
        path = path.resolve()
        name = path.name
        problems = []
        started = time.monotonic()
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb,
            timeout=args.timeout,
            startup_timeout=120,
            kernel_name="rust",
            allow_errors=False,
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        saved_env = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)  # the kernel inherits this process's environment
        # The kernel's own stderr (cargo's "Compiling ..." lines) goes to a log, shown on failure.
        kernel_log = tempfile.NamedTemporaryFile(prefix=f"kernel-{path.stem}-", suffix=".log", delete=False)
        try:
            client.execute(env=env, stdout=kernel_log, stderr=kernel_log)
        except CellExecutionError as error:
            message = " ".join(f"{error.ename}: {error.evalue}".split()) if getattr(error, "evalue", "") else ""
            if not message:
                lines = [l for l in str(error).splitlines() if l.strip() and not l.startswith(("-", "An error occurred"))]
                message = " | ".join(lines[-3:])
            problems.append(f"a cell failed: {message[:400]}")
        except (CellTimeoutError, DeadKernelError) as error:
            problems.append(f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}")
        except Exception as error:  # kernel missing, etc.
            problems.append(f"{type(error).__name__}: {error}")
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
            kernel_log.close()
        elapsed = time.monotonic() - started
        text = output_text(nb)
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        if errors and not any(p.startswith("a cell failed") for p in problems):
            problems.append(f"error output: {errors[0].get('evalue', '')[:300]}")
        # evcxr reports an error returned by `?` only as text on stderr, with status "ok":
        # in these notebooks nothing else writes to stderr, so any stderr output is a failure.
        for index, cell in enumerate(nb.cells):
            stderr = "".join(o.get("text", "") for o in cell.get("outputs", [])
                             if o.get("output_type") == "stream" and o.get("name") == "stderr").strip()
            if stderr:
                problems.insert(0, f"cell {index} reported an error: {' '.join(stderr.split())[:400]}")
                break
        if not problems or not problems[0].startswith(("cell ", "a cell failed", "CellTimeout", "DeadKernel")):
            if args.real_credentials_headless:
                check_headless_stop(name, text, problems)
            elif not args.no_expect:
                check_expectations(name, text, problems)
        leaked = [s for s in secrets if s and s in text]
        if leaked:
            problems.append(f"an output contains a client secret ({len(leaked)} found)")
        if problems:
            failed += 1
            print(f"FAIL {name} ({elapsed:.1f} s): " + "; ".join(problems), flush=True)
            log_tail = Path(kernel_log.name).read_text(errors="replace").strip().splitlines()[-15:]
            if log_tail:
                print("     kernel log (last lines):\n       " + "\n       ".join(log_tail), flush=True)
            if os.environ.get("NOTEBOOKS_VERBOSE"):
                print(text)
        else:
            passed += 1
            print(f"ok   {name} ({elapsed:.1f} s)", flush=True)
        os.unlink(kernel_log.name)
    print(f"notebooks: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
