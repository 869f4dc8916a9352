#!/usr/bin/env python3
"""Times the incident CLI on a database of 100,000 incidents and prints median wall times.

Targets (issue #2): `incident open` under 30 ms, `incident list --json --limit 50` under 300 ms.

The history is bulk-loaded with Python's sqlite3 into a database whose schema the CLI itself created, so
the numbers measure the CLI and not the loading. Build the binary first:

    swift build -c release --static-swift-stdlib --product incident
    bench/cli_bench.py [--incident .build/release/incident] [--incidents 100000] [--runs 30]
"""
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import incident_arguments, require_binary


def load(database: str, count: int) -> None:
    """Adds `count` resolved, mitigated and open incidents over the last two years, each with a timeline."""
    rng = random.Random(7)
    connection = sqlite3.connect(database)
    now = int(time.time() * 1000)
    start = now - 2 * 365 * 86400 * 1000
    incidents, events = [], []
    for index in range(count):
        started = start + index * (now - start - 3600_000) // count
        detected = started + rng.randint(30, 3600) * 1000
        resolved = detected + rng.randint(300, 7200) * 1000 if rng.random() < 0.95 else None
        injected = rng.random() < 0.4
        incidents.append((f"bench incident {index}", "app", f"sev{rng.randint(1, 4)}",
                          "injected" if injected else "real", "latency ms=800" if injected else None, started,
                          detected, resolved, "alert:HighErrorRate", "synthetic cause", "capacity"))
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO incident (title, service, severity, kind, fault, started_at, detected_at, resolved_at, "
        "detection, cause, cause_category) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", incidents)
    for (incident_id, started, detected) in connection.execute("SELECT id, started_at, detected_at FROM incident"):
        events.append((incident_id, started, "opened", "incident opened", "bench", started))
        if detected is not None:
            events.append((incident_id, detected, "detected", "detected via alert", "bench", detected))
    connection.executemany(
        "INSERT INTO timeline_event (incident_id, at, kind, text, author, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
        events)
    connection.commit()
    connection.close()


def median_ms(command: list, runs: int, environment: dict) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = incident_arguments(__doc__, runs=30)
    parser.add_argument("--incidents", type=int, default=100_000)
    args = parser.parse_args()
    require_binary(args.incident, "cli_bench")
    with tempfile.TemporaryDirectory() as scratch:
        database = os.path.join(scratch, "bench.db")
        environment = {"PATH": "/usr/bin:/bin", "INCIDENT_DB": database, "INCIDENT_AUTHOR": "bench", "TZ": "UTC"}
        subprocess.run([args.incident, "open", "schema", "-q"], env=environment, check=True,
                       stdout=subprocess.DEVNULL)
        load(database, args.incidents)
        print(f"database: {args.incidents:,} incidents, {os.path.getsize(database) / 1e6:.1f} MB; "
              f"median of {args.runs} runs, wall time")
        cases = [
            ("incident open", [args.incident, "open", "bench open", "-q"], 30),
            ("incident list --json --limit 50", [args.incident, "list", "--json", "--limit", "50"], 300),
            ("incident show ID --json", [args.incident, "show", "50000", "--json"], None),
            ("incident list --json (all)", [args.incident, "list", "--json"], None),
        ]
        for name, command, target in cases:
            runs = args.runs if target else max(3, args.runs // 10)
            figure = median_ms(command, runs, environment)
            verdict = "" if target is None else f"  target < {target} ms: {'ok' if figure < target else 'MISSED'}"
            print(f"  {name:<34} {figure:8.1f} ms{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
