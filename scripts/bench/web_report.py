"""Reads target/bench-web/ (wrk outputs, storm JSON, RSS) and writes the web
app's section of BENCHMARKS.md between its markers. Called by scripts/bench-web.sh."""

import json
import os
import platform
import re
import sys
import time

out, users, storm_users, lock_users, duration, load_start, load_end, wrk_version, py_stack, pg_version = sys.argv[1:11]
BEGIN, END = "<!-- web:begin -->", "<!-- web:end -->"
CONNS = 64


def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(name):
    text = open(os.path.join(out, name + ".wrk")).read()
    pct = dict(re.findall(r"^\s+(\d+)%\s+(\S+)", text, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50": ms(pct["50"]),
        "p99": ms(pct["99"]),
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1) if errors else "",
    }


def rss(name):
    try:
        return int(open(os.path.join(out, name + ".rss")).read()) / 1024
    except (OSError, ValueError):
        return None


rows = {name: wrk(name) for name in ["bare", "sqlite", "pg1", "pg2a", "pg2b", "flask"]}
two = {
    "rps": rows["pg2a"]["rps"] + rows["pg2b"]["rps"],
    "p50": max(rows["pg2a"]["p50"], rows["pg2b"]["p50"]),
    "p99": max(rows["pg2a"]["p99"], rows["pg2b"]["p99"]),
    "requests": rows["pg2a"]["requests"] + rows["pg2b"]["requests"],
    "non2xx": rows["pg2a"]["non2xx"] + rows["pg2b"]["non2xx"],
    "errors": (rows["pg2a"]["errors"] + " " + rows["pg2b"]["errors"]).strip(),
}
storm = json.load(open(os.path.join(out, "storm.json")))
locks = {m: json.load(open(os.path.join(out, f"lock-{m}.json"))) for m in ["row", "lease"]}
flask, bare, sqlite = rows["flask"]["rps"], rows["bare"]["rps"], rows["sqlite"]
storm_rss = rss("storm-a")


def line(label, r, memory):
    flag = "" if r["non2xx"] == 0 and not r["errors"] else f" ({r['non2xx']} non-2xx{', ' + r['errors'] if r['errors'] else ''})"
    mem = f"{memory:.0f}" if memory is not None else "—"
    return (f"| {label} | **{r['rps']:,.0f}** | {r['p50']:.2f} | {r['p99']:.2f} | {r['rps'] / flask:.1f}× | "
            f"{r['rps'] / bare:.2f} | {mem} |{flag}")


def verdict(ok):
    return "**met**" if ok else "**not met**"


date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
lines = [
    BEGIN,
    "<!-- Written by scripts/bench-web.sh; edit the script, not this block. -->",
    f"Regenerate with `bash scripts/bench-web.sh` (release builds; installs wrk and a venv with Flask, spotipy and gunicorn "
    f"when missing; starts its own PostgreSQL under target/pg). Run on {date}, {os.cpu_count()} cores, "
    f"{wrk_version}, PostgreSQL {pg_version}, {py_stack}; load average {load_start} at the start, {load_end} at the end "
    f"(1 / 5 / 15 min): the machine is shared, so read the ratios first.",
    "",
    f"`GET /api/token` for {int(users):,} signed-in users (wrk's Lua script sends each request with the next user's cookie), "
    f"{CONNS} connections, {duration} s after a 3 s warm-up, wrk on the same 2 cores as the server. Every row runs against the same "
    "sandbox (release, loopback) and answers the user's access token as JSON.",
    "",
    "| server | requests/s | p50 ms | p99 ms | vs Flask | vs bare | RSS MiB |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    line("bare axum handler, a constant (the ceiling)", rows["bare"], None),
    line("web_app, SQLite", sqlite, rss("sqlite")),
    line("web_app, PostgreSQL, 1 replica", rows["pg1"], rss("pg1")),
    line("web_app, PostgreSQL, 2 replicas (2 × 32 connections, sum; worse p50/p99 of the two)", two, rss("pg2a")),
    line(f"Flask + spotipy `FlaskSessionCacheHandler`, gunicorn {os.cpu_count()} workers", rows["flask"], None),
    "",
    "The two-replica row is two wrk processes (one thread, 32 connections each) run at the same time, one per replica, not one wrk through a balancer: its sum is not comparable with the single-wrk rows (wrk itself is a bottleneck at these rates), and its p99 was taken while other builds loaded the machine; it shows that both replicas serve every session, not that two replicas on 2 cores are faster than one.",
    "",
    "| target | wanted | measured | |",
    "| --- | --- | --- | --- |",
    f"| web_app (SQLite) vs Flask + spotipy | ≥ 5× | {sqlite['rps'] / flask:.1f}× | {verdict(sqlite['rps'] >= 5 * flask)} |",
    f"| web_app (SQLite) vs bare handler | ≥ 0.5 | {sqlite['rps'] / bare:.2f} | {verdict(sqlite['rps'] >= 0.5 * bare)} |",
    f"| p99 on SQLite | < 5 ms | {sqlite['p99']:.2f} ms | {verdict(sqlite['p99'] < 5)} |",
    f"| refresh storm, {int(storm_users):,} users | ≤ 30 s | {storm['storm_secs']:.1f} s | {verdict(storm['storm_secs'] <= 30)} |",
    "",
    f"**Refresh storm.** {storm['users']:,} users signed in (in {storm['sign_in_secs']:.0f} s) over two PostgreSQL replicas "
    "(row lock); then the sandbox's clock passes the hour, so every access token is refused, and each user makes one "
    f"`GET /api/me` (32 at a time, split over the two replicas): a 401, one refresh, the call again. It took "
    f"**{storm['storm_secs']:.1f} s** ({storm['users'] / storm['storm_secs']:,.0f} users/s) with {storm['storm_failures']} failures; "
    f"the sandbox counted **{storm['refresh_requests']:,} refresh requests** for {storm['users']:,} users. A second round "
    f"(every user once more) got {storm['check_failures']} failures and caused {storm['refreshes_during_check']} refresh requests: "
    "every user ends with a working token and the rotated refresh tokens were all kept. "
    + (f"After wrk touched all {storm['users']:,} sessions on one replica (5 s, 64 connections), that replica's RSS was "
       f"**{storm_rss:.0f} MiB** (sessions and tokens cached in memory; the database holds the truth)." if storm_rss else ""),
    "",
    f"**Refresh lock: row lock vs lease** (the same storm with {int(lock_users):,} users, two replicas each):",
    "",
    "| `WEB_APP_REFRESH_LOCK` | storm s | users/s | refresh requests | failures |",
    "| --- | ---: | ---: | ---: | ---: |",
]
for mode, label in [("row", "`row`: `SELECT ... FOR UPDATE`, transaction spans the refresh (default)"),
                    ("lease", "`lease`: `refreshing_until` taken by compare-and-swap, waiters poll every 15 ms")]:
    r = locks[mode]
    lines.append(f"| {label} | {r['storm_secs']:.2f} | {r['users'] / r['storm_secs']:,.0f} | {r['refresh_requests']:,} | {r['storm_failures']} |")
lines += [
    "",
    "Both refresh each user exactly once. The row lock is kept as the default because a killed holder's lock ends with its "
    "connection at once (the kill -9 test's survivors take over immediately), where a lease blocks that user until it expires "
    "(the refresh deadline plus 5 s: 20 s by default; a restarted SQLite app ends the leases of dead processes at once); "
    "its cost is one pooled connection held per refresh in flight.",
    END,
]
block = "\n".join(lines) + "\n"

path = "BENCHMARKS.md"
text = open(path).read()
if BEGIN in text:
    start, end = text.index(BEGIN), text.index(END) + len(END) + 1
    text = text[:start] + block + text[end:]
else:
    anchor = text.index("## Method and fairness")
    heading = "## 6. The web app under load: SQLite, PostgreSQL replicas, Flask + spotipy\n\n"
    text = text[:anchor] + heading + block + "\n" + text[anchor:]
open(path, "w").write(text)
print(block)
