#!/usr/bin/env python3
"""Corrupted JSONL and CSV exports against `incident import`, for a bounded time; exits 1 on any defect.

A valid history is exported in both formats, then corrupted at random (bytes flipped or cut, keys misspelt
or dropped, values of the wrong type, invalid UTF-8, lines repeated, swapped or emptied) and imported into an
empty database. Each import must exit 0 or 65 (all or nothing, each bad record named with its line), never
crash or take over 5 s; a refused import must leave no database behind, and an accepted one must pass
`db check` and export again exactly as it imports.

    scripts/fuzz/import_fuzz.py [--incident .build/debug/incident] [--seconds 60] [--seed N]
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

KEYS = ["id", "title", "service", "severity", "kind", "fault", "started_at", "detected_at", "resolved_at",
        "detection", "cause", "cause_category", "cancelled", "timeline", "actions", "at", "text", "author",
        "recorded_at", "status", "incident_id", "closed_at"]


def corrupt(rng: random.Random, data: bytes, form: str) -> bytes:
    """One random corruption of an export."""
    lines = data.split(b"\n")
    how = rng.randrange(10)
    if how == 0 and data:
        position = rng.randrange(len(data))
        return data[:position] + bytes([rng.randrange(256)]) + data[position + 1:]
    if how == 1:
        return data[: rng.randrange(len(data) + 1)]
    if how == 2:
        key = rng.choice(KEYS).encode()
        return data.replace(b'"' + key + b'"', b'"' + key + rng.choice([b"x", b"", b"_"]) + b'"', 1)
    if how == 3 and form == "jsonl":
        index = rng.randrange(len(lines))
        try:
            record = json.loads(lines[index])
        except ValueError:
            return data
        key = rng.choice(list(record))
        record[key] = rng.choice([None, 7, -1, 1e308, "", "x" * 70_000, [], {}, True, "2026-13-01T00:00:00Z",
                                  "1900-01-01T00:00:00Z", "2199-12-31T23:59:59Z"])
        lines[index] = json.dumps(record).encode()
        return b"\n".join(lines)
    if how == 4:
        index = rng.randrange(len(lines))
        lines[index] = lines[index][:5] + b"\xff\xfe" + lines[index][5:]
        return b"\n".join(lines)
    if how == 5:
        index = rng.randrange(len(lines))
        lines.insert(index, lines[rng.randrange(len(lines))])
        return b"\n".join(lines)
    if how == 6 and len(lines) > 2:
        first, second = rng.sample(range(len(lines)), 2)
        lines[first], lines[second] = lines[second], lines[first]
        return b"\n".join(lines)
    if how == 7:
        return data.replace(rng.choice([b'"opened"', b'"resolved"', b'"note"']), b'"unheard_of"', 1)
    if how == 8:
        return data.replace(b",", rng.choice([b";", b",,", b""]), rng.randrange(1, 4))
    return b"\n".join(line for line in lines if rng.random() < 0.8)


def run(binary: str, arguments: list, environment: dict) -> subprocess.CompletedProcess:
    return subprocess.run([binary] + arguments, env=environment, capture_output=True, timeout=5,
                          stdin=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incident", default=os.path.join(".build", "debug", "incident"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    binary = os.path.abspath(args.incident)
    rng = random.Random(args.seed)
    failures = []
    counts = {}
    with tempfile.TemporaryDirectory() as scratch:
        source = os.path.join(scratch, "source.db")
        environment = {"PATH": "/usr/bin:/bin", "HOME": scratch, "TZ": "UTC", "INCIDENT_AUTHOR": "fuzz",
                       "INCIDENT_DB": source}
        setup = [["open", "Quotes \"q\", commas\nand lines 🔥", "--at", "-3h", "--fault", "error status=503"],
                 ["detect", "1", "--via", "alert:HighErrorRate", "--at", "-170m"],
                 ["resolve", "1", "--cause", "c, \"d\"", "--category", "deploy", "--prevent", "canary"],
                 ["open", "Noise", "--at", "-2h"], ["cancel", "2", "--reason", "false alarm"],
                 ["open", "Open one", "--at", "-1h", "--other-fault", "pulled the plug"]]
        for arguments in setup:
            if run(binary, arguments, environment).returncode != 0:
                print(f"import_fuzz: setup failed: {arguments}")
                return 1
        exports = {form: run(binary, ["export", "--format", form], environment).stdout for form in ["jsonl", "csv"]}
        deadline = time.monotonic() + args.seconds
        tries = 0
        while time.monotonic() < deadline and len(failures) < 20:
            form = rng.choice(["jsonl", "csv"])
            data = exports[form]
            for _ in range(rng.randint(1, 3)):
                data = corrupt(rng, data, form)
            path = os.path.join(scratch, f"corrupt.{form}")
            with open(path, "wb") as handle:
                handle.write(data)
            target = os.path.join(scratch, f"target-{tries}.db")
            tries += 1
            try:
                result = run(binary, ["import", path, "--db", target], environment)
            except subprocess.TimeoutExpired:
                failures.append(f"over 5 s on a corrupted {form} export")
                continue
            counts[result.returncode] = counts.get(result.returncode, 0) + 1
            stderr = result.stderr.decode("utf-8", "replace")
            if result.returncode not in (0, 65) or "Fatal error" in stderr:
                failures.append(f"exit {result.returncode} on a corrupted {form} export: {stderr[:300]}")
            elif result.returncode == 65 and (os.path.exists(target) or "line " not in stderr):
                failures.append(f"refused import left a database or named no line: {stderr[:300]}")
            elif result.returncode == 0:
                check = run(binary, ["db", "check", "--db", target], environment)
                again = run(binary, ["export", "--format", form, "--db", target], environment)
                copy = os.path.join(scratch, f"copy-{tries}.{form}")
                with open(copy, "wb") as handle:
                    handle.write(again.stdout)
                second = os.path.join(scratch, f"second-{tries}.db")
                reimport = run(binary, ["import", copy, "--db", second], environment)
                third = run(binary, ["export", "--format", form, "--db", second], environment)
                if check.returncode != 0 or reimport.returncode != 0 or third.stdout != again.stdout:
                    failures.append(f"an accepted {form} import does not round-trip: {reimport.stderr.decode()[:300]}")
    print(f"import_fuzz: seed {args.seed}, {tries} corrupted imports in {args.seconds:.0f} s; exit statuses "
          f"{dict(sorted(counts.items()))}")
    for failure in failures:
        print("  FAILED", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
