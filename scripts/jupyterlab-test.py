#!/usr/bin/env python3
"""Runs notebook 01 in JupyterLab, in headless Chromium, as a person with a real app would.

Run with the venv made by scripts/setup-notebooks.sh (JupyterLab, the `rust` kernel, selenium),
Debian's chromium and chromium-driver installed:

    target/jupyter-venv/bin/python scripts/jupyterlab-test.py
    target/jupyter-venv/bin/python scripts/jupyterlab-test.py --screenshot docs/notebook_in_jupyterlab.png

The stand-in for Spotify is the `sandbox` binary, a separate process on loopback (built with
cargo first), configured through SPOTIFY_CLIENT_ID, SPOTIFY_ACCOUNTS_URL and
SPOTIFY_API_URL as a real app is: the notebook does not take its in-process sandbox path. The
client secret is not in the environment: the test types it into the notebook's hidden box.
SPOTIFY_AUTH_DIR is an absolute temporary folder, and the project's .env is hidden.

In the browser the test opens notebooks/01_authorization_code.ipynb in JupyterLab, runs all
cells from the Run menu, types the secret, clicks the authorize link (a new tab), presses Agree
on the sandbox's consent page, copies the address the tab was sent to (nothing listens there:
the page does not load, as for a person) and pastes it into the notebook's box. It then checks
the page: the tokens of step 2, the refresh of step 3, no error, no client secret anywhere, the
configuration's `files go to` showing the absolute folder as is, and, once the notebook has a
diagram cell, the sequence diagram (an <svg> naming /api/token). The notebook file is never
written (autosave is off in a throw-away settings folder; the test fails if the file changed).

A screenshot of the notebook after the run is saved (PNG, default target/jupyterlab-test/).
The last line is `jupyterlab: ok` or `jupyterlab: FAIL ...`; the exit status says the same.
"""

import argparse
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "01_authorization_code.ipynb"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# The headless runner's checks of what notebook 01 prints, shared rather than repeated.
_spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "scripts" / "run-notebooks.py")
run_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_notebooks)


class Failure(Exception):
    """A check that did not hold: the message says which."""


def wait_for(what, condition, timeout, interval=0.25):
    """condition()'s first true value, polled until `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def start_sandbox():
    """The `sandbox` binary on a free port; returns the process and the SPOTIFY_* lines it printed."""
    # Up to date with the sources (a second when it already is).
    subprocess.run(["cargo", "build", "--quiet", "--bin", "sandbox"], cwd=ROOT, check=True)
    binary = ROOT / "target" / "debug" / "sandbox"
    process = subprocess.Popen([str(binary), "--port", "0"], stdout=subprocess.PIPE, text=True)
    values = {}
    for line in process.stdout:
        found = re.match(r"(SPOTIFY_[A-Z_]+)=(.*)", line.strip())
        if found:
            values[found.group(1)] = found.group(2)
        if "SPOTIFY_API_URL" in values:
            break
    if "SPOTIFY_API_URL" not in values:
        process.kill()
        raise Failure("the sandbox binary did not print its SPOTIFY_* lines")
    return process, values


def write_lab_settings(folder):
    """User settings for this run only: no autosave (the notebook file must stay as committed),
    no news or update toasts over the page, every cell kept in the page (no windowing), so
    the outputs can be read."""
    settings = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, values in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def start_jupyterlab(env, port, token, log, checkpoints):
    process = subprocess.Popen(
        [str(Path(sys.prefix) / "bin" / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={NOTEBOOK.parent}",
         # The checkpoint JupyterLab makes on opening goes to this run's folder, not notebooks/.
         f"--FileCheckpoints.checkpoint_dir={checkpoints}"]
        # Containers and CI runners often run as root, which Jupyter refuses unless told.
        + (["--allow-root"] if os.geteuid() == 0 else []),
        env=env, stdout=log, stderr=log, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"

    def answers():
        if process.poll() is not None:
            raise Failure(f"jupyter lab exited with status {process.returncode} (log: {log.name})")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    wait_for("JupyterLab to answer", answers, 120, 0.5)
    return process, url


def stop(process, grace=20):
    """SIGTERM (Jupyter then shuts its kernels down), SIGKILL to the group if it lingers."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def start_chromium(download_dir):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--window-size=1400,1250", f"--user-data-dir={download_dir}"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def outputs_text(driver):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-OutputArea-output'))"
        ".map(e => e.innerText).join('\\n');")


def error_outputs(driver):
    """Text of error and stderr outputs: evcxr shows an error returned by `?` on stderr only."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll("
        "'.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"],"
        " .jp-OutputArea-output.jp-mod-error, .jp-RenderedText[data-mime-type=\"application/vnd.jupyter.stderr\"]'))"
        ".map(e => e.innerText.trim()).filter(t => t).join(' | ');")


def stdin_box(driver, password):
    """The notebook's input box (evcxr_input), hidden or plain, once it is shown and empty."""
    from selenium.webdriver.common.by import By

    # JupyterLab's plain box has no type attribute: tell them apart by the hidden one's.
    kind = "[type=password]" if password else ":not([type=password])"
    for box in driver.find_elements(By.CSS_SELECTOR, f"input.jp-Stdin-input{kind}"):
        if box.is_displayed() and box.is_enabled():
            return box
    return None


def wait_for_kernel(driver, notebook_path):
    """Waits, as a person does, until the status bar shows the notebook's kernel idle: Run All
    before that asks which kernel to use."""
    name = json.loads(notebook_path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]["display_name"]

    def status():
        text = driver.execute_script(
            "return Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))"
            ".map(e => e.innerText).join('\\n');")
        if driver.execute_script("return !!document.querySelector('.jp-Dialog');"):
            raise Failure(f"JupyterLab shows a dialog instead of starting the {name} kernel"
                          " (is it registered? bash scripts/setup-notebooks.sh)")
        return f"{name} | Idle" in text

    wait_for(f"the {name} kernel to be idle", status, 90, 0.5)


def run_all_cells(driver):
    """Run -> Run All Cells, from the menu bar, as a person does."""
    from selenium.webdriver.common.by import By

    menu = wait_for("the Run menu", lambda: [
        e for e in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")
        if e.text.strip() == "Run"], 60)[0]
    menu.click()
    item = wait_for("Run All Cells in the Run menu", lambda: driver.find_elements(
        By.CSS_SELECTOR, ".lm-Menu-item[data-command='runmenu:run-all']"), 10)[0]
    item.click()


def fail_on_cell_errors(driver):
    errors = error_outputs(driver)
    if errors:
        raise Failure(f"a cell reported an error: {' '.join(errors.split())[:400]}")


def until_no_error(driver, what, condition, timeout):
    """wait_for, failing at once when a cell shows an error instead of waiting it out."""
    def checked():
        fail_on_cell_errors(driver)
        return condition()
    return wait_for(what, checked, timeout, 0.5)


def follow_authorize_link(driver, redirect_uri):
    """Clicks the link of step 1 (it opens a tab), presses Agree, and returns the address the tab
    was sent to: the redirect URI with the code and state."""
    from selenium.webdriver.common.by import By

    link = wait_for("the authorize link of step 1", lambda: driver.find_elements(
        By.CSS_SELECTOR, ".jp-OutputArea-output a[href*='/authorize?client_id=']"), 30)[0]
    notebook_tab = driver.current_window_handle
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    link.click()
    consent_tab = wait_for("the consent page's tab", lambda: [
        h for h in driver.window_handles if h != notebook_tab], 20)[0]
    driver.switch_to.window(consent_tab)
    wait_for("Agree on the consent page", lambda: driver.find_elements(By.ID, "agree"), 20)[0].click()
    redirected = wait_for("the redirect to " + redirect_uri, lambda: (
        driver.current_url if driver.current_url.startswith(redirect_uri + "?") else None), 20)
    driver.close()
    driver.switch_to.window(notebook_tab)
    return redirected


def check_flow(text, auth_dir):
    problems = []
    if "SANDBOX MODE" in text:
        problems.append("the notebook took its in-process sandbox path")
    if "Using YOUR Spotify app" not in text:
        problems.append("no 'Using YOUR Spotify app' line")
    # An absolute SPOTIFY_AUTH_DIR is shown as is, never joined to notebooks/.
    if not re.search(r"files go to\s*: " + re.escape(str(auth_dir)) + "/", text):
        shown = re.findall(r"files go to\s*: (\S+)", text)
        problems.append(f"'files go to' does not show {auth_dir} as is (shows {shown})")
    run_notebooks.check_tokens(text, problems)
    return problems


def has_diagram_cell(notebook_path):
    """True when a code cell of the notebook draws the sequence diagram."""
    notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    return any(cell.get("cell_type") == "code" and "diagram" in "".join(cell.get("source", [])).lower()
               for cell in notebook.get("cells", []))


def check_diagram(driver, notebook_path):
    """The sequence diagram: an <svg> output naming /api/token, else Failure."""
    if not has_diagram_cell(notebook_path):
        raise Failure(f"{notebook_path.name} has no diagram cell (nb.show_diagram())")
    svgs = driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-OutputArea-output svg'))"
        ".map(e => e.outerHTML);")
    if not svgs:
        raise Failure("the notebook has a diagram cell but no <svg> output")
    if not any("/api/token" in svg for svg in svgs):
        raise Failure("no <svg> output names /api/token")
    return "ok"


def screenshot(driver, path):
    """The page with step 2's cell in view, the pasted address and the tokens (or the diagram,
    once there is one)."""
    driver.execute_script("""
        const outputs = Array.from(document.querySelectorAll('.jp-OutputArea-output'));
        const diagram = outputs.find(e => e.querySelector('svg'));
        const exchange = outputs.find(e => e.innerText.includes('What came back from'));
        const target = diagram || (exchange && exchange.closest('.jp-Cell'));
        if (target) target.scrollIntoView({block: 'start'});
        """)
    time.sleep(0.5)
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))


def run(args, work):
    digest_before = hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest()
    sandbox = lab = driver = None
    try:
        sandbox, spotify = start_sandbox()
        secret = spotify["SPOTIFY_CLIENT_SECRET"]
        redirect_uri = spotify["SPOTIFY_REDIRECT_URI"]
        auth_dir = work / "auth"
        lab_settings = work / "lab-settings"
        write_lab_settings(lab_settings)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTIFY_")}
        env.update({
            # A real app's configuration, pointing at the stand-in; no secret: it is typed.
            "SPOTIFY_CLIENT_ID": spotify["SPOTIFY_CLIENT_ID"],
            "SPOTIFY_ACCOUNTS_URL": spotify["SPOTIFY_ACCOUNTS_URL"],
            "SPOTIFY_API_URL": spotify["SPOTIFY_API_URL"],
            "SPOTIFY_AUTH_DIR": str(auth_dir),
            "SPOTIFY_NOTEBOOK_DOTENV": str(work / "no-such-dotenv"),
            "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
            "JUPYTER_CONFIG_DIR": str(work / "jupyter-config"),
            "JUPYTER_RUNTIME_DIR": str(work / "jupyter-runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(lab_settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(work / "lab-workspaces"),
            "PATH": f"{Path.home() / '.cargo' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        })
        token = secrets.token_hex(16)
        log = open(work / "jupyterlab.log", "w")
        lab, url = start_jupyterlab(env, run_notebooks.free_port(), token, log, work / "checkpoints")
        driver = start_chromium(work / "chromium")
        driver.get(f"{url}/lab/tree/{NOTEBOOK.name}?token={token}")
        from selenium.webdriver.common.by import By
        wait_for("the notebook in JupyterLab", lambda: driver.find_elements(
            By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"), 90)
        wait_for_kernel(driver, NOTEBOOK)
        run_all_cells(driver)
        # The first cell compiles the library in the kernel (seconds when the build folder is warm).
        until_no_error(driver, "the hidden box for the client secret",
                       lambda: stdin_box(driver, password=True), args.timeout).send_keys(secret + "\n")
        paste_box = until_no_error(driver, "the box for the redirected URL",
                                   lambda: stdin_box(driver, password=False), args.timeout)
        redirected = follow_authorize_link(driver, redirect_uri)
        paste_box.send_keys(redirected + "\n")
        until_no_error(driver, "the refresh of step 3", lambda: (
            "NEW access token" in outputs_text(driver) or "Step 3 skipped" in outputs_text(driver)), 120)
        # The last cells may still be running (a diagram cell after step 3): wait until idle.
        until_no_error(driver, "every cell to finish", lambda: not driver.find_elements(
            By.XPATH, "//div[contains(@class,'jp-InputPrompt') and contains(normalize-space(.), '[*]')]"), 60)
        fail_on_cell_errors(driver)
        text = outputs_text(driver)
        problems = check_flow(text, auth_dir)
        if secret in driver.page_source or secret in text:
            problems.append("the page contains the client secret")
        if problems:
            raise Failure("; ".join(problems))
        diagram = check_diagram(driver, NOTEBOOK)
        print(f"jupyterlab: diagram check {diagram}", flush=True)
        screenshot(driver, args.screenshot)
        print(f"jupyterlab: screenshot {args.screenshot}", flush=True)
    except Failure:
        if driver is not None:
            failed = work.parent / "jupyterlab-failure.png"
            driver.save_screenshot(str(failed))
            print(f"jupyterlab: the page at the failure: {failed}", file=sys.stderr)
            if os.environ.get("NOTEBOOKS_VERBOSE"):
                print(outputs_text(driver), file=sys.stderr)
        raise
    finally:
        if driver is not None:
            driver.quit()
        stop(lab)
        stop(sandbox, 5)
        if hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest() != digest_before:
            subprocess.run(["git", "checkout", "--", str(NOTEBOOK)], cwd=ROOT)
            raise Failure(f"JupyterLab wrote {NOTEBOOK.name} (restored from git)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screenshot", type=Path,
                        default=ROOT / "target" / "jupyterlab-test" / "notebook_in_jupyterlab.png")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds for the first cells (a cold build folder compiles the library)")
    args = parser.parse_args()
    args.screenshot = args.screenshot.resolve()
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not Path(tool).exists():
            print(f"jupyterlab: FAIL {tool} is missing: apt-get install chromium chromium-driver")
            return 1
    started = time.monotonic()
    parent = ROOT / "target" / "jupyterlab-test"
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=parent))
    try:
        run(args, work)
    except Failure as failure:
        print(f"jupyterlab: FAIL {failure} (JupyterLab's log: {work / 'jupyterlab.log'})")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print(f"jupyterlab: ok ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
