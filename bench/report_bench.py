#!/usr/bin/env python3
"""Times `incident report --json` on 100,000 and 1,000,000 incidents and prints median wall time and peak memory.

Targets (issue #3): under 1 s at 100,000; under 8 s and 300 MB at 1,000,000. The histories are written as
JSONL and loaded with `incident import`, so the import is measured too. Build the binary first:

    swift build -c release --static-swift-stdlib --product incident
    bench/report_bench.py [--incident .build/release/incident] [--sizes 100000 1000000] [--runs 3]
"""
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import incident_arguments, require_binary

FAULTS = ["latency ms=800 jitter_ms=0", "error status=500 probability=0.5", "abort", "hang max_s=30",
          "crash exit_code=137 delay_s=0", "memory_leak mb_per_s=20 max_mb=1500", "cpu_burn threads=2",
          "dependency_down", "not_ready", "not_live"]
DETECTIONS = ["alert:HighErrorRate", "alert:HighLatencyP99", "alert:SLOBurnRateFast", "probe", "customer", "manual"]
CATEGORIES = ["deploy", "config", "capacity", "dependency", "code", "storage", "network", "resilience"]
SERVICES = ["app", "api", "checkout", "search", "auth"]


def stamp(milliseconds: int) -> str:
    moment = dt.datetime.fromtimestamp(milliseconds / 1000, dt.timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{milliseconds % 1000:03d}Z" if milliseconds % 1000 else "Z")


def derived(started: int, detected, acknowledged, resolved, cancelled: bool) -> dict:
    """The fields an export derives from a record's times, which import checks: status, durations, and the
    fields these histories leave empty."""
    def seconds(start, end):
        return (end - start) / 1000 if start is not None and end is not None else None
    status = ("cancelled" if cancelled else "resolved" if resolved else "acknowledged" if acknowledged
              else "detected" if detected else "open")
    return {
        "status": status, "target": None, "fault_id": None, "fix": None, "summary": None, "impact": None,
        "trigger": None, "lessons": None, "sources": [],
        "durations": {"ttd_s": seconds(started, detected), "tta_s": seconds(detected, acknowledged),
                      "ttr_s": seconds(started, resolved), "ttc_s": seconds(started, resolved)},
    }


def write_history(path: str, count: int) -> None:
    """Writes `count` incidents over three years, a few percent open or cancelled, with timelines."""
    rng = random.Random(11)
    end = int(dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)
    start = end - 3 * 365 * 86400 * 1000
    event_id = action_id = 0
    with open(path, "w") as out:
        for number in range(1, count + 1):
            started = start + (number * (end - start)) // count
            injected = rng.random() < 0.4
            detected = started + rng.randint(20, 3600) * 1000 if rng.random() < 0.9 else None
            acknowledged = detected + rng.randint(10, 900) * 1000 if detected else None
            resolved = (acknowledged or started) + rng.randint(300, 7200) * 1000 if rng.random() < 0.97 else None
            cancelled = rng.random() < 0.02
            timeline = []
            for kind, at in [("opened", started), ("detected", detected), ("acknowledged", acknowledged),
                             ("resolved", resolved)]:
                if at is not None:
                    event_id += 1
                    timeline.append({"id": event_id, "incident_id": number, "at": stamp(at), "kind": kind,
                                     "text": kind, "author": "bench", "recorded_at": stamp(at)})
            actions = []
            if resolved and rng.random() < 0.2:
                action_id += 1
                done = rng.random() < 0.5
                actions.append({"id": action_id, "incident_id": number, "title": "prevent it", "kind": "prevent",
                                "owner": "bench", "due": None, "url": None, "status": "done" if done else "open",
                                "created_at": stamp(resolved), "closed_at": stamp(resolved + 86400_000) if done else None,
                                "close_reason": None})
            record = {
                "id": number, "title": f"bench incident {number}", "service": rng.choice(SERVICES),
                "severity": f"sev{rng.randint(1, 4)}", "kind": "injected" if injected else "real",
                "fault": rng.choice(FAULTS) if injected else None, "started_at": stamp(started),
                "detected_at": stamp(detected) if detected else None,
                "acknowledged_at": stamp(acknowledged) if acknowledged else None, "mitigated_at": None,
                "resolved_at": stamp(resolved) if resolved else None,
                "detection": rng.choice(DETECTIONS) if detected else None,
                "cause": "synthetic" if resolved else None,
                "cause_category": rng.choice(CATEGORIES) if resolved else None,
                "cancelled": cancelled, "cancel_reason": "noise" if cancelled else None,
                "timeline": timeline, "actions": actions,
            }
            record.update(derived(started, detected, acknowledged, resolved, cancelled))
            out.write(json.dumps(record, separators=(",", ":")) + "\n")


def run(command: list, environment: dict) -> tuple:
    """Runs `command` and returns its wall time in seconds and peak resident memory in MB."""
    began = time.perf_counter()
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - began
    if status != 0:
        sys.exit(f"report_bench: {' '.join(command)} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> int:
    parser = incident_arguments(__doc__, runs=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    require_binary(args.incident, "report_bench")
    targets = {100_000: (1.0, None), 1_000_000: (8.0, 300)}
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            history = os.path.join(scratch, "history.jsonl")
            database = os.path.join(scratch, "bench.db")
            environment = {"PATH": "/usr/bin:/bin", "INCIDENT_DB": database, "TZ": "UTC"}
            write_history(history, size)
            seconds, memory = run([args.incident, "import", history], environment)
            print(f"{size:>9,} incidents: import {seconds:6.1f} s, {memory:5.0f} MB peak; "
                  f"database {os.path.getsize(database) / 1e6:.0f} MB")
            figures = [run([args.incident, "report", "--json"], environment) for _ in range(args.runs)]
            wall = statistics.median(f[0] for f in figures)
            peak = max(f[1] for f in figures)
            limit_s, limit_mb = targets.get(size, (None, None))
            verdict = ""
            if limit_s is not None:
                ok = wall < limit_s and (limit_mb is None or peak < limit_mb)
                verdict = f"  target < {limit_s:g} s" + (f", < {limit_mb} MB" if limit_mb else "") \
                    + f": {'ok' if ok else 'MISSED'}"
            print(f"{'':>20} report --json: median {wall:6.2f} s of {args.runs}, {peak:5.0f} MB peak{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
