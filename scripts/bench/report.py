"""BENCHMARKS.md from the raw results of scripts/bench.sh (standard library only).

    python3 report.py machine            -> JSON describing this machine, on stdout
    python3 report.py write OUT_DIR FILE -> rewrites FILE
    perf report --sort comm,dso --stdio | python3 report.py dso
                                         -> DSO shares without the loop's shell
    python3 report.py strace FILE...     -> JSON: fsync time, threads, TLS files
                                            opened, from `strace -f -T` outputs

Every block of the existing FILE from a `<!-- NAME:begin -->` line to the next
`<!-- NAME:end -->` line (any NAME; each marker alone on its line) is kept
verbatim; other scripts or people write those blocks:

* `notebooks` (scripts/bench-notebooks.sh) goes under the heading "## 3. Notebooks",
  `https` (by hand, from scripts/bench-https.sh) under "## 5. ...": this script
  writes those headings, outside the markers;
* any other block stays after the section it followed in FILE (the "## " heading
  before it), and a heading line right above its begin marker that this script does
  not write (e.g. "## 6. Web app") is kept with it. Put the heading inside the
  markers to be sure.
"""
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

BEGIN_RE = re.compile(r"^<!-- ([A-Za-z0-9_.-]+):begin -->[ \t]*$", re.MULTILINE)
# The blocks this script places itself (under its own headings), with what to put
# there when the existing file has none.
PLACED = {
    "notebooks": "(not measured yet: run `bash scripts/bench-notebooks.sh`, or "
    "`bash scripts/bench.sh --with-notebooks`)",
    "https": "(not measured yet: see `scripts/bench-https.sh`)",
}

STEP1_TARGET_MS = 4.0
STEP1_TARGET_RATIO = 50.0
CURL_TARGET_RATIO = 1.5
BUILD_TARGET_S = 60.0


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    os_name = platform.system()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "os": os_name,
        "kernel": platform.release(),
        "rustc": run(["rustc", "--version"]),
        "hyperfine": run(["hyperfine", "--version"]),
        "curl": run(["curl", "--version"]).splitlines()[0] if run(["curl", "--version"]) != "unknown" else "unknown",
        "openssl": run(["openssl", "version"]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def read_text(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


class Row:
    def __init__(self, name, samples_ms, note="", cpu_ms=None):
        self.name = name
        self.cpu = cpu_ms
        self.samples = samples_ms
        self.median = statistics.median(samples_ms)
        self.min = min(samples_ms)
        self.max = max(samples_ms)
        self.n = len(samples_ms)
        self.note = note


def hyperfine_rows(path):
    data = load(path)
    if not data:
        return []
    return [
        Row(r["command"], [t * 1000 for t in r["times"]], cpu_ms=(r["user"] + r["system"]) * 1000)
        for r in data["results"]
    ]


def find(rows, prefix):
    for r in rows:
        if r.name.startswith(prefix):
            return r
    return None


def fmt(ms):
    if ms >= 100:
        return f"{ms:.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"


def table(rows, base=None, base_label="", extra_col=None):
    head = "| what | runs | median ms | min ms | max ms | CPU ms (user+sys, mean) |"
    sep = "| --- | ---: | ---: | ---: | ---: | ---: |"
    if base:
        head += f" median / {base_label} |"
        sep += " ---: |"
    lines = [head, sep]
    for r in rows:
        cpu = fmt(r.cpu) if r.cpu is not None else "—"
        line = f"| {r.name} | {r.n} | **{fmt(r.median)}** | {fmt(r.min)} | {fmt(r.max)} | {cpu} |"
        if base:
            line += f" {r.median / base.median:.2f}× |"
        lines.append(line)
    return "\n".join(lines)


def verdict(ok):
    return "**met**" if ok else "**missed**"


def perf_task_clock(path):
    """Milliseconds of task-clock from a `perf stat -r` output file."""
    text = read_text(path)
    m = re.search(r"([\d.,]+)\s+msec task-clock", text)
    return float(m.group(1).replace(",", "")) if m else None


def cargo_timings(path):
    """Seconds per crate (all its units: lib, build script, binaries) and the
    wall time, from the HTML report of `cargo build --timings`."""
    text = read_text(path)
    m = re.search(r"const UNIT_DATA = (\[.*?\]);\n", text, re.S)
    if not m:
        return None
    try:
        units = json.loads(m.group(1))
    except ValueError:
        return None
    per_crate = {}
    for u in units:
        per_crate[u["name"]] = per_crate.get(u["name"], 0.0) + u["duration"]
    own = [u["start"] for u in units if u["name"] == "spotify-auth"]
    return {
        "own_start": min(own) if own else None,
        "crates": sorted(per_crate.items(), key=lambda kv: -kv[1]),
        "total": sum(per_crate.values()),
        "end": max((u["start"] + u["duration"] for u in units), default=0.0),
    }


def write(out, target):
    m = load(os.path.join(out, "machine.json"), {})
    build = load(os.path.join(out, "build.json"))
    inproc = load(os.path.join(out, "in-process.json"))
    step1 = hyperfine_rows(os.path.join(out, "step1.json"))
    curl_ex = hyperfine_rows(os.path.join(out, "curl-exchange.json"))
    curl_rf = hyperfine_rows(os.path.join(out, "curl-refresh.json"))
    proc_ex = hyperfine_rows(os.path.join(out, "process-exchange.json"))
    proc_rf = hyperfine_rows(os.path.join(out, "process-refresh.json"))
    load_start = read_text(os.path.join(out, "load-start.txt"), "?").split()[:3]
    load_end = read_text(os.path.join(out, "load-end.txt"), "?").split()[:3]
    pyver = read_text(os.path.join(out, "python-versions.txt"))

    summary = []
    s = []
    s.append("# Benchmarks")
    s.append("")
    s.append(
        "Regenerate with `bash scripts/bench.sh` (10-15 minutes on 2 cores; it installs "
        "hyperfine, curl and a virtual environment with requests and spotipy in `target/bench-venv` "
        "when missing). It rewrites everything but the blocks between `NAME:begin` / `NAME:end` HTML "
        "comment markers, which it keeps verbatim: section 3 (notebooks) is written by "
        "`scripts/bench-notebooks.sh`, section 5 (https) by hand from `scripts/bench-https.sh` (see there). "
        "`--with-notebooks` also runs `scripts/bench-notebooks.sh`; `--skip-cold-build` reuses the last cold-build numbers; `--runs N` changes "
        "the number of timed runs (20 by default, 3 warm-up runs before). Raw results: `target/bench/` "
        "(hyperfine's JSON exports, the in-process samples, perf output). Everything runs against this "
        "machine's loopback: the `sandbox` binary stands in for accounts.spotify.com."
    )
    s.append("")
    s.append(
        f"**Machine:** {m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('memory_gib', '?')} GiB, "
        f"{m.get('os', '?')} (kernel {m.get('kernel', '?')}), {m.get('rustc', '?')}, {m.get('openssl', '?')}, "
        f"{m.get('hyperfine', '?')}, {m.get('curl', '?')}, Python {pyver or '?'}; run on {m.get('date', '?')}."
    )
    s.append("")
    s.append(
        f"> **Noise.** 2 cores, shared with other people's builds while this ran (load average "
        f"{' / '.join(load_start)} at the start, {' / '.join(load_end)} at the end, over 1 / 5 / 15 min). "
        "Medians are the figures to read; min and max show the spread, and a max several times the "
        "median is another process taking the core, not the code. Ratios between rows of one table are "
        "more trustworthy than absolute numbers, since each hyperfine table interleaves nothing but runs "
        "its commands back to back under the same load. The CPU column (hyperfine's user + system time, "
        "mean; the in-process rows have none) suffers less from other processes than wall-clock time does."
    )
    s.append("")
    s.append("SUMMARY_PLACEHOLDER")
    s.append("")

    # ---------------------------------------------------------------- step 1
    s.append("## 1. Step 1: the authorize URL, as a whole process")
    s.append("")
    s.append(
        "`hyperfine -N --warmup 3 --runs N` (no shell in between). Each command prints the same authorize "
        "URL: same client id, redirect URI, scopes `user-read-private user-read-email`, a random state. "
        "The Python scripts are `scripts/bench/step1_requests.py` (the seed tutorial's "
        "`requests.Request('GET', ..., params=...).prepare().url`) and `scripts/bench/step1_spotipy.py` "
        "(`SpotifyOAuth(..., open_browser=False, cache_handler=MemoryCacheHandler()).get_authorize_url(state=...)`), "
        "run by the virtual environment's Python."
    )
    s.append("")
    rust = find(step1, "step1_auth_url")
    if step1 and rust:
        s.append(table(step1, rust, "Rust"))
        s.append("")
        req = find(step1, "Python + requests")
        spo = find(step1, "Python + spotipy")
        bare = find(step1, "python -c pass")
        ratio_req = req.median / rust.median if req else 0
        ratio_spo = spo.median / rust.median if spo else 0
        ratio_bare = bare.median / rust.median if bare else 0
        ok_time = rust.median <= STEP1_TARGET_MS
        ok_ratio = min(ratio_req, ratio_spo) >= STEP1_TARGET_RATIO
        summary.append(
            f"| step 1 process, median | ≤ {STEP1_TARGET_MS:g} ms | {fmt(rust.median)} ms | {verdict(ok_time)} |"
        )
        summary.append(
            f"| step 1 vs Python (requests / spotipy) | ≥ {STEP1_TARGET_RATIO:g}× faster | "
            f"{ratio_req:.0f}× / {ratio_spo:.0f}× | {verdict(ok_ratio)} |"
        )
        bare_ms = bare.median if bare else 0.0
        import_share = (req.median - bare_ms) / req.median * 100 if req else 0
        p = (
            f"**What dominates.** `step1_auth_url` takes {fmt(rust.median)} ms, {ratio_req:.0f}× less than the "
            f"requests version and {ratio_spo:.0f}× less than spotipy. The Python interpreter's bare start-up "
            f"(`python -c pass`) is {fmt(bare_ms)} ms ({ratio_bare:.1f}× the whole Rust process); importing "
            f"requests (urllib3, idna, charset_normalizer, certifi, http.client, ssl) is the other {import_share:.0f}% "
            "of the requests script, and spotipy imports requests, urllib3 and redis on top. Building the URL "
            "itself is microseconds in both languages, so these rows measure start-up and imports, not URL "
            "building. The Rust process reads the "
            "environment and `.env`, checks every setting, draws 16 random bytes for `state`, builds the URL, and "
            "writes the pending authorization privately and atomically (`AuthDir::write_json_fast`: temporary file, "
            "rename) — more work than the Python scripts, which only print. "
            "**What was done to win:** the HTTP client is built lazily (the `Http` transport of `SpotifyAuth` keeps it "
            "in a `OnceLock` filled on the first request, and `start_authorization` sends none), so step 1 builds no "
            "TLS configuration, never initialises OpenSSL and starts no tokio runtime thread (`strace -f` shows no "
            "`clone`); arguments are "
            "parsed by lexopt (a few kB, no clap); the binaries are release builds; the pending authorization is written "
            "without fsync (a crash still leaves the old file or the new one, and losing it only means running "
            "step 1 again), which took step 1 from about 2.3 ms to the figure above under load."
        )
        if rust.cpu is not None and req and req.cpu:
            p += (
                f" In CPU time (user + system) step 1 costs {fmt(rust.cpu)} ms against {fmt(req.cpu)} ms for the "
                f"requests script ({req.cpu / rust.cpu:.0f}×); the other {fmt(max(rust.median - rust.cpu, 0))} ms of "
                "its median wall time are spent waiting (the file system, the scheduler)."
            )
        if not ok_ratio and req and spo:
            p += (
                f" The {STEP1_TARGET_RATIO:g}× target is missed on this run's medians; the ratios of the mins are "
                f"{req.min / rust.min:.0f}× / {spo.min / rust.min:.0f}× and of the CPU times "
                f"{req.cpu / rust.cpu:.0f}× / {spo.cpu / rust.cpu:.0f}× (requests / spotipy)."
            )
        if not ok_time:
            p += (
                f" The {STEP1_TARGET_MS:g} ms target is missed on this run: with the load above, the min "
                f"({fmt(rust.min)} ms) is the better estimate of the unloaded time."
            )
        s.append(p)
    else:
        s.append("(no results: run `bash scripts/bench.sh`)")
    s.append("")

    # ---------------------------------------------------------------- step 2/3
    s.append("## 2. Code exchange (step 2) and refresh (step 3) against the sandbox")
    s.append("")
    s.append(
        "One `sandbox` process (release, `--port 0`, loopback) serves every row of this section: the Rust "
        "library, the Rust binaries and curl all talk to it. An authorization code works once, so every exchange "
        "run first gets a fresh code — untimed: hyperfine's `--prepare` runs `scripts/bench/consent.sh`, which "
        "does step 1 and approves the consent page with curl; the in-process bench does step 1 through the "
        "library and `spotify_sandbox::approve_consent` before starting its clock. The curl command is the same "
        "POST the library sends: `curl -sSf -u ID:SECRET -d grant_type=authorization_code --data-urlencode "
        "code@FILE --data-urlencode redirect_uri=... URL/api/token` (and `-d grant_type=refresh_token -d "
        "refresh_token=...`)."
    )
    s.append("")
    s.append("### 2a. Per request: in process (`benches/in_process.rs`) vs one curl process")
    s.append("")
    if inproc:
        rows = []
        names = {
            "client_new": "reqwest client construction (`http::client`: rustls config over OpenSSL, no trust root read), not the first in the process",
            "exchange_fresh": "exchange: new `SpotifyAuth` per run (client built + new connection + POST + token.json saved)",
            "exchange_reused": "exchange: one `SpotifyAuth` kept (client and keep-alive connection reused) + token.json saved",
            "exchange_post_only": "exchange: the POST alone (`core::accounts::token_request`, client reused, no files)",
            "refresh_fresh": "refresh: new `SpotifyAuth` per run (client built + new connection + POST + lock + save)",
            "refresh_reused": "refresh: one `SpotifyAuth` kept + lock + save",
            "refresh_post_only": "refresh: the POST alone (client reused, no files)",
        }
        byname = {}
        for r in inproc["results"]:
            row = Row(names.get(r["name"], r["name"]), r["samples_ms"])
            byname[r["name"]] = row
            rows.append(row)
        cx = curl_ex[0] if curl_ex else None
        cr = curl_rf[0] if curl_rf else None
        if cx:
            cx.name = "curl code exchange, whole process (`hyperfine -N`)"
            rows.append(cx)
        if cr:
            cr.name = "curl refresh, whole process (`hyperfine -N`)"
            rows.append(cr)
        s.append(table(rows))
        s.append("")
        s.append(
            f"The first client built in the bench process took {fmt(inproc['client_first_ms'])} ms "
            f"(one sample; the first use of OpenSSL and rustls in the process). In-process rows: {inproc['runs']} runs after "
            f"{inproc['warmup']} warm-up runs, timed with `std::time::Instant`."
        )
        s.append("")
        cn = byname.get("client_new")
        er = byname.get("exchange_reused")
        ef = byname.get("exchange_fresh")
        ep = byname.get("exchange_post_only")
        rr = byname.get("refresh_reused")
        rp = byname.get("refresh_post_only")
        rf = byname.get("refresh_fresh")
        if cn and er and ef and ep and rr and rf and cx and cr:
            share = cn.median / ef.median * 100
            s.append(
                f"**What dominates.** The request itself is cheap: the POST alone takes {fmt(ep.median)} ms "
                f"(exchange) and {fmt(rp.median)} ms (refresh) on a kept connection, against curl's "
                f"{fmt(cx.median)} / {fmt(cr.median)} ms, which include starting a process. Kept across calls (a "
                f"notebook, the walkthrough), one `SpotifyAuth` exchanges in {fmt(er.median)} ms and refreshes in "
                f"{fmt(rr.median)} ms: the difference from the POST alone is the file store — token.json saved "
                "durably (write, rename, fsync of the file and of the folder), pending.json removed after an "
                "exchange, the folder lock around a refresh. That is mostly waiting for the disk, and an fsync "
                "waits for whatever else is being written to it: these rows range from "
                f"{fmt(er.min)} / {fmt(rr.min)} ms to {fmt(er.max)} / {fmt(rr.max)} ms, while the POST-only rows "
                f"stay within {fmt(ep.min)}–{fmt(ep.max)} / {fmt(rp.min)}–{fmt(rp.max)} ms. A new `SpotifyAuth` "
                f"also builds its reqwest client on the first request: {fmt(cn.median)} ms median, min "
                f"{fmt(cn.min)} ms, {share:.0f}% of a fresh exchange ({fmt(ef.median)} ms). That construction reads no "
                "certificate: it is a rustls `ClientConfig` over the rustls-openssl provider, whose verifier creates "
                "its OpenSSL store only on the first certificate to verify (`src/tls.rs`), plus reqwest's blocking "
                "client, which starts a thread running a tokio runtime and blocks until that thread is up (`strace "
                "-f`: one `clone3`, then a futex wait). The min is that work on a free core; the median is higher "
                "because the new thread must be scheduled before the constructor returns, which on a loaded machine "
                "takes turns. "
                + (
                    "The rest of a fresh exchange is the new connection and the same durable save as the kept rows."
                    if ef.median - cn.median - er.median <= 1.0
                    else (
                        f"A fresh exchange's median ({fmt(ef.median)} ms) is {fmt(ef.median - cn.median - er.median)} ms "
                        f"above a client construction plus a kept exchange; its min ({fmt(ef.min)} ms) is close to "
                        f"their mins' sum ({fmt(cn.min + er.min)} ms) and its samples reach {fmt(ef.max)} ms (a fresh "
                        f"refresh: {fmt(rf.min)}–{fmt(rf.max)} ms, median {fmt(rf.median)}). The fresh rows vary far "
                        "more than the kept ones, which points at waiting (the new connection, the fsyncs, the "
                        "scheduler) rather than work; they were not broken down further."
                    )
                )
            )
            s.append("")
    else:
        s.append("(no results)")
        s.append("")

    s.append("### 2b. Whole processes: `step2_get_tokens` / `step3_refresh` vs curl")
    s.append("")
    s.append(
        "hyperfine in shell mode (step 2 reads the redirected URL from standard input; hyperfine subtracts the "
        "shell's start-up), same sandbox. The binaries build the same client as the library (`http::client`, "
        "with the rustls configuration of `src/tls.rs`) and set no TLS-related environment variable; since the "
        "sandbox is plain http, no https connection is opened and so no trust root is ever read (the store "
        "behind the certificate verifier is created on the first certificate to verify). Over https, where "
        "one hashed root file is read, see section 5."
    )
    s.append("")
    targets_2 = []
    for label, rows, prefix in (
        ("exchange", proc_ex, "step2_get_tokens (Rust"),
        ("refresh", proc_rf, "step3_refresh (Rust"),
    ):
        if not rows:
            s.append(f"({label}: no results)")
            s.append("")
            continue
        curl = find(rows, "curl")
        s.append(table(rows, curl, "curl"))
        s.append("")
        ours = find(rows, prefix)
        if ours and curl:
            targets_2.append((label, ours, curl))
    for label, ours, curl in targets_2:
        ratio = ours.median / curl.median
        cpu = f"; CPU {ours.cpu / curl.cpu:.1f}×" if ours.cpu and curl.cpu else ""
        summary.append(
            f"| {label} process vs curl, median | ≤ {CURL_TARGET_RATIO:g}× curl | {ratio:.1f}× "
            f"({fmt(ours.median)} vs {fmt(curl.median)} ms{cpu}) | {verdict(ratio <= CURL_TARGET_RATIO)} |"
        )
    inproc_ratio_lines = []
    if inproc and curl_ex and curl_rf:
        byname = {r["name"]: r for r in inproc["results"]}
        for label, key, c in (("exchange", "exchange_reused", curl_ex[0]), ("refresh", "refresh_reused", curl_rf[0])):
            if key in byname:
                ratio = byname[key]["median_ms"] / c.median
                inproc_ratio_lines.append(
                    f"| {label} in process (kept `SpotifyAuth`) vs curl process, median | ≤ {CURL_TARGET_RATIO:g}× curl | "
                    f"{ratio:.2f}× ({fmt(byname[key]['median_ms'])} vs {fmt(c.median)} ms) | {verdict(ratio <= CURL_TARGET_RATIO)} |"
                )
    summary.extend(inproc_ratio_lines)
    perf_ours = perf_task_clock(os.path.join(out, "perf-step3.txt"))
    perf_curl = perf_task_clock(os.path.join(out, "perf-curl.txt"))
    dso = read_text(os.path.join(out, "perf-step3-dso.txt"))
    dso_rows = sorted(re.findall(r"^\s*([\d.]+)%\s+(\S+)\s*$", dso, re.MULTILINE), key=lambda x: -float(x[0]))
    crypto_syms = re.findall(r"^\s*([\d.]+)%.*\]\s+(\S+)\s*$", read_text(os.path.join(out, "perf-step3-crypto.txt")), re.MULTILINE)
    st = load(os.path.join(out, "strace-step3.json"))
    dso_names = {
        "[kernel.kallsyms]": "the kernel",
        "ld-linux-x86-64.so.2": "the dynamic linker",
        "libcrypto.so.3": "OpenSSL's libcrypto",
        "libssl.so.3": "libssl",
        "libc.so.6": "libc",
        "libgcc_s.so.1": "libgcc_s",
        "step3_refresh": "the binary itself",
    }
    if targets_2:
        parts = []
        for label, ours, curl in targets_2:
            t = (
                f"{label} {fmt(ours.median)} ms vs curl {fmt(curl.median)} ms ({ours.median / curl.median:.1f}×; "
                f"min {fmt(ours.min)} vs {fmt(curl.min)} ms"
            )
            if ours.cpu is not None and curl.cpu is not None:
                t += f"; CPU {fmt(ours.cpu)} vs {fmt(curl.cpu)} ms"
            parts.append(t + ")")
        p = "**What dominates.** " + "; ".join(parts) + ". "
        if perf_ours and perf_curl:
            p += f"`perf stat -r 10` (task-clock): step3_refresh {perf_ours:.1f} ms of CPU, curl {perf_curl:.1f} ms. "
        if dso_rows:
            share = {name: float(sh) for sh, name in dso_rows}
            being = share.get("[kernel.kallsyms]", 0.0) + share.get("ld-linux-x86-64.so.2", 0.0)
            crypto_share = sum(v for k, v in share.items() if k.startswith("libcrypto") or k.startswith("libssl"))
            own = share.get("step3_refresh", 0.0)
            top = [f"{float(sh):.0f}% {dso_names.get(name, name)}" for sh, name in dso_rows[:5]]
            p += (
                "`perf record` over 20 runs of step3_refresh (every thread; the loop's shell left out): "
                + ", ".join(top)
                + f". The kernel (exec, page faults, mapping the libraries, the socket, the thread, the fsyncs) and "
                f"the dynamic linker (relocating libssl, libcrypto, libgcc_s and libc) — being a process — take "
                f"{being:.0f}%; OpenSSL {crypto_share:.0f}%, although no TLS happens over http: that is OpenSSL 3 "
                "initialising itself (reading `openssl.cnf`, loading its default provider and its tables of "
                "algorithm names) when the rustls-openssl provider is created with the client"
            )
            named = [sym for _, sym in crypto_syms if not re.fullmatch(r"0x[0-9a-f]+", sym)]
            if named:
                p += f" (its top named symbols: {', '.join(f'`{sym}`' for sym in named[:3])})"
            p += (
                f"; the binary's own code, the request and the JSON included, {own:.0f}%. curl initialises the "
                "same OpenSSL (libcurl does at start-up), which is why the CPU columns are close. "
            )
        if st:
            opened = st.get("tls_files_opened") or {}
            p += (
                f"`strace -f -T` over {st['runs']} runs: {st['threads_median']:.0f} thread started per run "
                f"(reqwest's runtime thread), {fmt(st['fsync_ms_median'])} ms per run in fsync (median; min "
                f"{fmt(st['fsync_ms_min'])} ms) for the durable save of token.json, which curl does not do, and of "
                "TLS-related files only "
                + (", ".join(f"`{path}`" for path in sorted(opened)) if opened else "none")
                + " opened"
                + (" (OpenSSL's configuration, read when it initialises)" if any(path.endswith("openssl.cnf") for path in opened) else "")
                + ": no trust root, no CA bundle. "
            )
        for label, ours, curl in targets_2:
            if ours.median / curl.median > CURL_TARGET_RATIO:
                p += (
                    f"The {CURL_TARGET_RATIO:g}× target is missed by {label} on this run's medians; the ratio of "
                    f"the mins is {ours.min / curl.min:.1f}×"
                    + (f" and of the CPU times {ours.cpu / curl.cpu:.1f}×" if ours.cpu and curl.cpu else "")
                    + ". "
                )
        cpu_gaps = [ours.cpu - curl.cpu for _, ours, curl in targets_2 if ours.cpu is not None and curl.cpu is not None]
        if cpu_gaps:
            p += f"In CPU time the step processes are within {fmt(max(max(cpu_gaps), 0.0))} ms of curl; "
        p += (
            "where a median is "
            "well above its min and above the CPU column, the difference is waiting — the fsyncs on a disk "
            "shared with other builds, the scheduler on a loaded machine — not work the process does. "
            "**What was changed to win:** the client is built lazily (only steps that send a request pay for it) "
            "and, with the rustls configuration of `src/tls.rs`, reads no certificate unless an https connection "
            "is made; reqwest without default "
            "features (no HTTP/2, no ring/aws-lc: see section 4); one client kept in `SpotifyAuth` (a notebook "
            "pays for it once, then each call costs the POST plus the save: the in-process rows of 2a); the "
            "pending authorization of step 1 written without fsync."
        )
        s.append(p)
        s.append("")

    # ---------------------------------------------------------------- notebooks
    s.append("## 3. Notebooks")
    s.append("")
    s.append(placeholder("notebooks"))
    s.append("")

    # ---------------------------------------------------------------- build
    s.append("## 4. Cold release build and dependency tree")
    s.append("")
    if build:
        s.append(
            "`cargo build --release -j2` in a fresh, empty `CARGO_TARGET_DIR` (the registry already downloaded by "
            "`cargo fetch`), timed with the wall clock. rspotify is built the same way from a scratch crate in a "
            f"temporary folder (not kept): `{build.get('rspotify_version', 'rspotify')}` with "
            "`default-features = false, features = [\"client-reqwest\", \"reqwest-native-tls\"]`: its TLS through "
            "the system OpenSSL as well (native-tls; rspotify's rustls features would compile ring or aws-lc on "
            "top), its cheapest build on this machine. This crate's row is `-p spotify-auth` (the workspace's "
            "default members also include the web app, which is not counted here). Crates counted with `cargo tree -e normal` (what the library links) and "
            "`-e normal,build` (also build-scripts' dependencies: everything compiled), each crate version once, "
            "the root itself not counted. The CPU column is the user + system time of cargo and of every rustc "
            "and build script it ran (`getrusage(RUSAGE_CHILDREN)`): other people's processes slow the wall clock "
            "down far more than they change it. "
            + (f"Load average {build['load_before']} before the builds, " if build.get("load_before") else "")
            + f"{build.get('load', '?')} after them ({build.get('date', '?')})."
        )
        s.append("")
        def cpu(key):
            return f"{build[key]:.1f}" if key in build else "—"

        s.append("| build | cold build, s (wall) | CPU s (user+sys) | crates (normal) | crates (normal + build) |")
        s.append("| --- | ---: | ---: | ---: | ---: |")
        s.append(
            f"| spotify-auth, default features (lib + sandbox + all binaries) | **{build['ours_secs']:.1f}** | "
            f"{cpu('ours_cpu_secs')} | {build['ours_default_normal']} | {build['ours_default_build']} |"
        )
        s.append(
            f"| spotify-auth `--lib --no-default-features` (what a notebook compiles) | {build['ours_lib_secs']:.1f} | "
            f"{cpu('ours_lib_cpu_secs')} | {build['ours_nodefault_normal']} | {build['ours_nodefault_build']} |"
        )
        s.append(
            f"| rspotify scratch crate (lib) | {build['rspotify_secs']:.1f} | {cpu('rspotify_cpu_secs')} | "
            f"{build['rspotify_normal']} | {build['rspotify_build']} |"
        )
        s.append("")
        ok = build["ours_secs"] <= BUILD_TARGET_S
        build_cpu = f" (CPU {build['ours_cpu_secs']:.0f} s)" if "ours_cpu_secs" in build else ""
        summary.append(
            f"| cold release build, 2 cores | ≤ {BUILD_TARGET_S:g} s | {build['ours_secs']:.1f} s{build_cpu} | {verdict(ok)} |"
        )
        s.append(
            "**What dominates.** "
            + timings_sentence(cargo_timings(os.path.join(out, "timings-ours.html")))
            + f"Default features add {build['ours_default_normal'] - build['ours_nodefault_normal']} crate(s) "
            "over `--no-default-features` (the sandbox and its dependencies) and the binaries. "
            + "This run's tree has the TLS crates of `src/tls.rs` (rustls, rustls-webpki, rustls-openssl and their "
            "dependencies, in place of native-tls: section 5 lists them and their cost in a debug build). "
            + (
                f"rspotify, built right after on the same machine, took {build['rspotify_secs']:.1f} s: this crate "
                f"builds in {build['ours_secs'] / build['rspotify_secs']:.2f}× its wall time"
                + (
                    f" and {build['ours_cpu_secs'] / build['rspotify_cpu_secs']:.2f}× its CPU time"
                    if build.get("rspotify_cpu_secs")
                    else ""
                )
                + f", with {build['ours_default_build'] - build['rspotify_build']:+d} crates. "
                if build.get("rspotify_secs")
                else ""
            )
            + "**What was done to win:** cryptography from the system's OpenSSL (reqwest's `rustls-no-provider` with "
            "the `rustls-openssl` provider: openssl-sys links it, nothing like aws-lc-rs or ring is compiled; "
            "rustls and rustls-webpki themselves are Rust and are compiled), no HTTP/2 (`h2`), no clap, no async "
            "API of our own, the sandbox behind a default feature that a notebook turns off. rspotify, even with "
            "native-tls (no rustls at all), pulls in its async client, its model types and their derives. "
            + (
                f"The {BUILD_TARGET_S:g} s target is met with {BUILD_TARGET_S - build['ours_secs']:.0f} s to spare under the load given above."
                if ok
                else f"The {BUILD_TARGET_S:g} s target is missed by {build['ours_secs'] - BUILD_TARGET_S:.0f} s under the load given above"
                + (
                    f"; with {build['ours_cpu_secs']:.0f} s of CPU on 2 cores, "
                    f"{build['ours_cpu_secs'] / 2:.0f} s is the least the build could take even with both cores to itself."
                    if "ours_cpu_secs" in build
                    else "."
                )
            )
        )
    else:
        s.append("(no build results: run `bash scripts/bench.sh` without `--skip-cold-build`)")
    s.append("")

    # ---------------------------------------------------------------- https
    s.append("## 5. Step 2 and 3 over https, against curl")
    s.append("")
    s.append(
        "Not rerun by `scripts/bench.sh`, which keeps the block below verbatim: `scripts/bench-https.sh` "
        "needs root or sudo (it installs a throwaway CA into the system trust store and removes it on exit) "
        "and only prints its tables (also written to `target/bench-https/tables.md`; raw hyperfine JSON in "
        "`target/bench-https/`). To regenerate this section: `bash scripts/bench-https.sh [--runs N]`, then "
        "replace the tables inside the `https` markers (the HTML comments around this section) with the printed ones "
        "and update the date, the load and the figures quoted in the text by hand."
    )
    s.append("")
    s.append(placeholder("https"))
    s.append("")

    s.append("## Method and fairness")
    s.append("")
    s.append(
        "- hyperfine `--warmup 3 --runs N`, median / min / max computed from the per-run times in its JSON "
        "export; the in-process bench records every sample the same way.\n"
        "- The binaries run in an empty working folder (no `.env`), with `SPOTIFY_*` pointing at the sandbox "
        "and `SPOTIFY_AUTH_DIR` in a temporary folder on the same disk as the repository (ext4 here: the fsyncs "
        "are real).\n"
        "- Step 1's Python commands and `step1_auth_url` get the same environment and print the same URL; only "
        "the Rust binary also writes a file.\n"
        "- Exchange and refresh: one sandbox process for every client; codes for the exchanges come from "
        "untimed preparation; curl's time is the whole curl process (there is no in-process curl), so the fair "
        "comparisons are process vs process (2b) and, for a caller that keeps one `SpotifyAuth`, the kept rows "
        "of 2a vs a curl process.\n"
        "- reqwest's client construction (the rustls configuration over OpenSSL, no trust root read; the "
        "blocking client's runtime thread) is inside every step 2 / 3 process time and inside the `new "
        "SpotifyAuth per run` rows; it is timed alone in 2a.\n"
        "- Sections 1 and 2 are plain http on loopback; https (TLS handshake, trust store) is section 5, "
        "measured separately."
    )
    s.append("")

    missed = [row.split("|")[1].strip() for row in summary if "**missed**" in row]
    missed_note = ""
    if missed:
        missed_note = (
            f"\n\n**Missed on this run:** {'; '.join(missed)}. The load average was "
            f"{' / '.join(load_start)} at the start and {' / '.join(load_end)} at the end (section 4's builds "
            "give their own); the sections below say, from the min and the CPU columns, how much of each miss "
            "is the machine's load."
        )
    text = "\n".join(s)
    text = text.replace(
        "SUMMARY_PLACEHOLDER",
        "## Targets\n\n| target | wanted | measured | |\n| --- | --- | --- | --- |\n"
        + "\n".join(summary)
        + "\n| notebooks, cold and warm | table present | see section 3 | — |"
        + "\n| step 2 / 3 over https vs curl | ≤ 1.5× curl | see section 5 (measured separately) | — |"
        + missed_note,
    )

    old = ""
    if os.path.exists(target):
        with open(target) as f:
            old = f.read()
    text = place_blocks(text, old)
    with open(target, "w") as f:
        f.write(text.rstrip("\n") + "\n")


def placeholder(name):
    return f"KEPT_BLOCK_PLACEHOLDER:{name}"


def blocks(text):
    """The top-level marked blocks of text, in order: (name, start, end) with
    text[start:end] running from the begin marker through the end marker."""
    found = []
    pos = 0
    while True:
        m = BEGIN_RE.search(text, pos)
        if not m:
            return found
        end = re.compile(rf"^<!-- {re.escape(m.group(1))}:end -->[ \t]*$", re.MULTILINE).search(text, m.end())
        if not end:  # unterminated: not a block
            pos = m.end()
            continue
        found.append((m.group(1), m.start(), end.end()))
        pos = end.end()


def headings(text):
    return [line for line in text.splitlines() if line.startswith("#")]


GROUPS = (  # crate name prefixes -> what they are, for the build paragraph
    ("the HTTP client (reqwest, hyper, http, h2)", ("reqwest", "hyper", "http", "h2")),
    ("TLS (rustls, rustls-webpki, rustls-openssl, openssl, openssl-sys)", ("rustls", "openssl", "tokio-rustls")),
    ("tokio and futures", ("tokio", "futures", "mio")),
    ("URLs (url, idna, icu_*)", ("url", "idna", "icu_", "form_urlencoded", "percent-encoding")),
    ("serde and its derive (syn, proc-macro2, quote)", ("serde", "syn", "proc-macro2", "quote")),
    ("the sandbox (spotify-sandbox, tiny_http)", ("spotify-sandbox", "tiny_http")),
    ("this crate (lib and binaries)", ("spotify-auth",)),
)


def timings_sentence(t):
    if not t or not t["total"]:
        return ""
    top = ", ".join(f"{name} {secs:.1f} s" for name, secs in t["crates"][:6])
    groups = []
    for label, prefixes in GROUPS:
        secs = sum(s for name, s in t["crates"] if name.startswith(prefixes))
        groups.append((secs, label))
    grouped = "; ".join(f"{label} {secs:.0f} s" for secs, label in sorted(groups, reverse=True))
    return (
        f"`cargo build --timings` of the first row (per crate, all its units: lib, build script, binaries) "
        f"sums to {t['total']:.0f} s over {len(t['crates'])} crates (each unit's own wall time, so more than the "
        f"CPU column when two units share a busy core), {t['end']:.0f} s from start to end; the largest: {top}. By group: {grouped}; the other crates the rest. "
        + (
            f"This crate's own units start at {t['own_start']:.0f} s, once every dependency is built, and "
            f"take the last {t['end'] - t['own_start']:.0f} s. "
            if t.get("own_start") is not None
            else ""
        )
    )


def place_blocks(new, old):
    """new with its placeholders replaced by old's blocks of those names (or
    PLACED's stand-ins), and old's other blocks put back after the section
    they followed; every block verbatim."""
    found = blocks(old)
    generated = set(headings(new))
    for name, default in PLACED.items():
        block = next((old[a:b] for n, a, b in found if n == name), None)
        if block is None:
            block = f"<!-- {name}:begin -->\n{default}\n<!-- {name}:end -->"
        new = new.replace(placeholder(name), block)
    # Other blocks: old's text outside blocks gives the section each one followed.
    extra = {}  # heading of new's section (None: end of file) -> [text]
    prev_end = 0
    outside = ""
    for name, a, b in found:
        outside += old[prev_end:a]
        prev_end = b
        if name in PLACED:
            continue
        start = a
        # The line right above the marker in old: a block that follows another
        # block has no heading of its own, whatever heading the first one had.
        last = old[:a].rstrip("\n").rsplit("\n", 1)[-1]
        if last.startswith("#") and last not in generated:
            # A heading of its own, right above the marker: it goes with the block.
            start = old.rfind(last, 0, a)
            anchor_text = outside[: outside.rstrip("\n").rfind(last)]
        else:
            anchor_text = outside
        anchor = next((h for h in reversed(headings(anchor_text)) if h.startswith("## ") and h in generated), None)
        extra.setdefault(anchor, []).append(old[start:b])
    if not extra:
        return new
    lines = new.split("\n")
    out = []
    current = None

    def flush(heading):
        for piece in extra.pop(heading, []):
            while out and out[-1] == "":
                out.pop()
            out.extend(["", piece, ""])

    for line in lines:
        if line.startswith("## ") and line in generated:
            flush(current)
            current = line
        out.append(line)
    flush(current)
    for pieces in list(extra.values()):  # anchors new no longer has: at the end
        for piece in pieces:
            out.extend(["", piece, ""])
    return "\n".join(out)


# Processes of the shell loop that runs the profiled binary (scripts/bench.sh, 2d).
LOOP_COMMS = {"bash", "sh", "seq", "perf", "perf-exec"}


def dso_shares(report_text):
    """`perf report --sort comm,dso --stdio` -> the shares of each DSO among the
    samples of every process but the loop's, as `   NN.NN%  DSO` lines."""
    samples = re.search(r"^# Samples: (\S+)", report_text, re.MULTILINE)
    shares = {}
    for line in report_text.splitlines():
        m = re.match(r"^\s+([\d.]+)%\s+(\S+)\s+(\S+)\s*$", line)
        if m and m.group(2) not in LOOP_COMMS:
            shares[m.group(3)] = shares.get(m.group(3), 0.0) + float(m.group(1))
    total = sum(shares.values())
    lines = []
    if samples and total:
        lines.append(f"# {total:.1f}% of {samples.group(1)} samples (the rest: the loop's shell)")
    for dso, share in sorted(shares.items(), key=lambda kv: -kv[1])[:8]:
        lines.append(f"   {share / total * 100:5.2f}%  {dso}")
    return "\n".join(lines)


def strace_summary(paths):
    """`strace -f -T` outputs, one per run -> fsync time per run, threads started
    per run, and the TLS-related files that were opened (path -> runs)."""
    fsync_ms, clones, opened = [], [], {}
    for path in paths:
        total, threads = 0.0, 0
        with open(path, errors="replace") as f:
            for line in f:
                t = re.search(r"<([\d.]+)>\s*$", line)
                if re.search(r"\b(fsync|fdatasync)\(", line) and t:
                    total += float(t.group(1)) * 1000
                elif re.search(r"\bclone3?\(", line) and "resumed" not in line:
                    threads += 1
                o = re.search(r'openat\([^,]+, "([^"]+)"', line)
                if o and "= -1" not in line and re.search(r"ssl|cert|\.pem|\.crt", o.group(1)) \
                        and not re.search(r"\.so(\.|$)", o.group(1)):
                    opened[o.group(1)] = opened.get(o.group(1), 0) + 1
        fsync_ms.append(total)
        clones.append(threads)
    return {
        "runs": len(paths),
        "fsync_ms_median": statistics.median(fsync_ms) if fsync_ms else None,
        "fsync_ms_min": min(fsync_ms) if fsync_ms else None,
        "threads_median": statistics.median(clones) if clones else None,
        "tls_files_opened": opened,
    }


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "machine":
        print(json.dumps(machine(), indent=2))
    elif len(sys.argv) >= 3 and sys.argv[1] == "strace":
        print(json.dumps(strace_summary(sys.argv[2:]), indent=2))
    elif len(sys.argv) == 2 and sys.argv[1] == "dso":
        print(dso_shares(sys.stdin.read()))
    elif len(sys.argv) == 4 and sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
