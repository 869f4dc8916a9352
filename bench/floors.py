#!/usr/bin/env python3
"""Prints the table of issue #24: each bulk command of `incident` beside the floor SQLite sets on the same file.

One database of `--incidents` random incidents (report_bench's history: about 3.8 timeline events each) is
written as JSONL and imported; then, with hyperfine (wall time, mean of `--runs`):

- list:   `incident list --json --limit N` | `sqlite3 -json FILE 'SELECT * FROM incident'`
- export: `incident export` (JSONL)        | `sqlite3 -json` of the incident and timeline_event tables
- import: `incident import` of that export into a new file
                                            | `sqlite3`'s `.import` of the same rows as CSV, into the same schema
- open:   `incident open TITLE -q`          | `sqlite3 FILE 'INSERT …'` (a process that opens SQLite, writes a row)
- report: `incident report --json`          | one SQLite scan that only averages the durations
- app:    `app` answering `GET /` (wrk -t2 -c32, median of `--app-rounds` rounds of 10 s, app_bench.py's way)
                                            | nginx with one worker, the same reply, its access log on
                                              (with `--app PATH`; needs wrk and nginx)
- image:  the container image scripts/container-test.sh builds (`--image`, if podman has it), against 120 MB

Peak resident memory (one run each, `/usr/bin/time`-style via wait4) is printed for list, export and import;
`--memory-incidents 1000000` adds a run of those three on a million incidents (several minutes).
Targets: list, export, import within 3x; open within 2.5x; report within 3x; peak memory under 100 MB; the
app at least 0.8x nginx; the image under 120 MB. Build first, then run:

    swift build -c release --static-swift-stdlib --product incident
    swift build -c release --static-swift-stdlib --product app          # for the app row
    bench/floors.py [--incident .build/release/incident] [--incidents 100000] [--runs 5]
                    [--app .build/release/app] [--app-rounds 3] [--image localhost/incident-app:ci]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import app_bench
from benchlib import incident_arguments, require_binary
from report_bench import write_history

# The columns of every incident `report --json` reads, in the order it reads them (by the started_at index),
# added up so that sqlite3 prints one line: SQLite's own share of the report.
REPORT_SCAN = ("SELECT total(id + started_at + length(kind) + length(service) + length(severity) + "
               "length(fault) + length(detection) + length(cause_category) + cancelled + detected_at + "
               "acknowledged_at + mitigated_at + resolved_at) FROM incident INDEXED BY incident_started "
               "WHERE started_at > 0")
TARGETS = {"list": 3.0, "export": 3.0, "import": 3.0, "open": 2.5, "report": 3.0}


def hyperfine(commands: list, runs: int, environment: dict, prepare: str = None) -> list:
    """Mean wall time in seconds of each shell command, measured by hyperfine in one session."""
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        arguments = ["hyperfine", "--export-json", result.name, "--runs", str(runs), "--warmup", "1",
                     "--style", "none"]
        if prepare:
            arguments += ["--prepare", prepare]
        subprocess.run(arguments + commands, env=environment, check=True, stdout=subprocess.DEVNULL)
        return [entry["mean"] for entry in json.load(open(result.name))["results"]]


def peak_mb(command: str, environment: dict) -> float:
    """Peak resident memory of one run of the shell command (its largest process), in MB."""
    process = subprocess.Popen(["sh", "-c", "exec " + command], env=environment, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        sys.exit(f"floors: {command} failed with status {status}")
    return usage.ru_maxrss / 1024


def served(app: str, rounds: int) -> tuple:
    """Requests per second of the app and of nginx on `GET /`, medians of `rounds` interleaved rounds."""
    for tool in ["wrk", "nginx"]:
        if shutil.which(tool) is None:
            sys.exit(f"floors: the app row needs {tool} (apt-get install -y {tool})")
    median = app_bench.measure(["app", "nginx"], app, "", rounds, 10, 32)
    return median["app"]["rps"], median["nginx"]["rps"]


def image_mb(image: str):
    """The size of `image` in podman's store in MB, or None when podman or the image is not here."""
    if shutil.which("podman") is None:
        return None
    inspected = subprocess.run(["podman", "image", "inspect", "--format", "{{.Size}}", image],
                               capture_output=True, text=True)
    return int(inspected.stdout) / 1e6 if inspected.returncode == 0 else None


def build(folder: str, count: int, incident: str, environment: dict) -> tuple:
    """Writes a history of `count` incidents, imports it, exports it; returns the database and the export."""
    history, database = os.path.join(folder, "history.jsonl"), os.path.join(folder, "bench.db")
    write_history(history, count)
    subprocess.run([incident, "import", history, "--db", database], env=environment, check=True,
                   stdout=subprocess.DEVNULL)
    os.remove(history)
    export = os.path.join(folder, "export.jsonl")
    subprocess.run([incident, "export", "--db", database, "--output", export], env=environment, check=True)
    return database, export


def main() -> int:
    parser = incident_arguments(__doc__, runs=5)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--memory-incidents", type=int, default=None)
    parser.add_argument("--app", default=None, help="the release build of app, for the row against nginx")
    parser.add_argument("--app-rounds", type=int, default=3)
    parser.add_argument("--image", default="localhost/incident-app:ci")
    args = parser.parse_args()
    require_binary(args.incident, "floors")
    for tool in ["hyperfine", "sqlite3"]:
        if shutil.which(tool) is None:
            sys.exit(f"floors: {tool} is not installed (apt-get install -y {tool})")
    incident = os.path.abspath(args.incident)
    if args.app:
        require_binary(args.app, "floors", product="app")
    environment = {"PATH": "/usr/bin:/bin", "INCIDENT_AUTHOR": "bench", "TZ": "UTC"}
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        database, export = build(scratch, args.incidents, incident, environment)
        events = int(subprocess.check_output(["sqlite3", database, "SELECT count(*) FROM timeline_event"]))
        print(f"database: {args.incidents:,} incidents, {events:,} timeline events, "
              f"{os.path.getsize(database) / 1e6:.0f} MB; export {os.path.getsize(export) / 1e6:.0f} MB; "
              f"hyperfine mean of {args.runs} runs")
        db = f"--db {database}"
        listed, floor = hyperfine([f"{incident} list --json --limit 100000000 {db} > /dev/null",
                                   f"sqlite3 -json {database} 'SELECT * FROM incident' > /dev/null"],
                                  args.runs, environment)
        rows.append(("list", "`list --json` (every incident)", listed, "`sqlite3 -json … 'SELECT * FROM incident'`",
                     floor))
        exported, floor = hyperfine(
            [f"{incident} export {db} > /dev/null",
             f"sqlite3 -json {database} 'SELECT * FROM incident' 'SELECT * FROM timeline_event' > /dev/null"],
            args.runs, environment)
        rows.append(("export", "`export` (JSONL)", exported, "`sqlite3 -json` of incident and timeline_event",
                     floor))

        empty = os.path.join(scratch, "empty.db")
        subprocess.run([incident, "db", "init", "--db", empty], env=environment, check=True, stdout=subprocess.DEVNULL)
        for table in ["incident", "timeline_event"]:
            with open(os.path.join(scratch, f"{table}.csv"), "w") as out:
                subprocess.run(["sqlite3", "-csv", database, f"SELECT * FROM {table}"], stdout=out, check=True)
        target = os.path.join(scratch, "imported.db")
        imported, floor = hyperfine(
            [f"{incident} import {export} --db {target}",
             f"sqlite3 {target} '.import --csv {scratch}/incident.csv incident' "
             f"'.import --csv {scratch}/timeline_event.csv timeline_event'"],
            args.runs, environment, prepare=f"rm -f {target}* && cp {empty} {target}")
        rows.append(("import", "`import` of that export", imported, "`sqlite3 .import` of the same rows (CSV)",
                     floor))

        opened, floor = hyperfine(
            [f"{incident} open 'bench open' -q {db}",
             f"sqlite3 {database} \"INSERT INTO incident (title, service, severity, kind, started_at) "
             f"VALUES ('bench open', 'app', 'sev3', 'real', 1764000000000)\""],
            max(args.runs, 30), environment)
        rows.append(("open", "`open TITLE -q`", opened, "`sqlite3 FILE 'INSERT …'`", floor))
        reported, floor = hyperfine(
            [f"{incident} report --json {db} > /dev/null",
             f"sqlite3 {database} 'SELECT avg(detected_at - started_at), avg(acknowledged_at - detected_at), "
             f"avg(coalesce(mitigated_at, resolved_at) - started_at), count(*) FROM incident' > /dev/null"],
            args.runs, environment)
        rows.append(("report", "`report --json`", reported, "one SQLite scan that only averages", floor))

        # What the two commands furthest from their floors cannot go below: a process of this binary that only
        # starts and parses its arguments (open), and SQLite alone reading the columns the report needs, in the
        # order it reads them (report).
        started, scanned = hyperfine(
            [f"{incident} --version > /dev/null", f"sqlite3 {database} '{REPORT_SCAN}' > /dev/null"],
            max(args.runs, 30), environment)

        print()
        print("| work | `incident` | floor | ratio | target |")
        print("|---|---|---|---|---|")
        for key, name, figure, floor_name, floor in rows:
            ratio = figure / floor
            verdict = "ok" if ratio <= TARGETS[key] else "MISSED"
            print(f"| {name} | {figure * 1000:,.0f} ms | {floor_name} {floor * 1000:,.0f} ms | {ratio:.1f}× | "
                  f"≤ {TARGETS[key]:g}×: {verdict} |")
        if args.app:
            app_rps, nginx_rps = served(os.path.abspath(args.app), args.app_rounds)
            ratio = app_rps / nginx_rps
            print(f"| `app` `GET /` (wrk -t2 -c32) | {app_rps:,.0f} req/s | nginx, one worker, access log on "
                  f"{nginx_rps:,.0f} req/s | {ratio:.2f}× | ≥ 0.8×: {'ok' if ratio >= 0.8 else 'MISSED'} |")
        size = image_mb(args.image)
        if size is not None:
            print(f"| image `{args.image}` | {size:,.0f} MB | | | < 120 MB: {'ok' if size < 120 else 'MISSED'} |")
        print()
        if not args.app:
            print("no app row: pass --app .build/release/app (needs wrk and nginx)")
        if size is None:
            print(f"no image row: podman has no {args.image} (scripts/container-test.sh builds it)")
        print(f"beneath open: `incident --version` (start-up alone) {started * 1000:.1f} ms; beneath report: "
              f"SQLite reading the 13 columns `report` reads, in start order, {scanned * 1000:.0f} ms")
        print(f"peak memory at {args.incidents:,} incidents: " + ", ".join(
            f"{name} {peak_mb(command, environment):.0f} MB" for name, command in [
                ("list --json", f"{incident} list --json --limit 100000000 {db}"),
                ("export", f"{incident} export {db}"),
                ("import", f"{incident} import {export} --db {scratch}/memory.db")]))
    if args.memory_incidents:
        with tempfile.TemporaryDirectory() as scratch:
            began = time.perf_counter()
            database, export = build(scratch, args.memory_incidents, incident, environment)
            print(f"peak memory at {args.memory_incidents:,} incidents (built in {time.perf_counter() - began:.0f} s): "
                  + ", ".join(f"{name} {peak_mb(command, environment):.0f} MB" for name, command in [
                      ("list --json", f"{incident} list --json --limit 100000000 --db {database}"),
                      ("export", f"{incident} export --db {database}"),
                      ("import", f"{incident} import {export} --db {scratch}/memory.db")]) + " (target < 100 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
