#!/usr/bin/env python3
"""Random command lines against the `incident` CLI, for a bounded time; exits 1 on the first kind of defect.

Each run is checked: it exits with a documented status (0, 1 for `postmortem --check`, 64, 65, 66, 74),
never dies of a signal or prints a Swift crash report, finishes within 5 s, and when it is refused (non-zero)
the database holds exactly what it held before. At the end `db check` must pass and export → import into an
empty database → export must give the same file, in JSONL and in CSV.

    scripts/fuzz/cli_fuzz.py [--incident .build/debug/incident] [--seconds 60] [--seed N]
"""
import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

DOCUMENTED = {0, 64, 65, 66, 74}
TIMES = ["now", "-5m", "5m ago", "-1h30m", "+2m", "+10m", "10:42", "23:59", "24:00", "00:00", "2026-11-28 10:42",
         "2026-02-29 10:00", "2024-02-29T12:00:00Z", "2026-11-28T10:00:00.123456+05:45", "1970-01-01T00:00:00Z",
         "1969-12-31T23:59:59Z", "2199-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "0001-01-01 00:00",
         "9999-12-31T23:59:59Z", "-99999999999999999d", "-9223372036854775807s", "-10000000000000000h", "-0s",
         "-1e9s", "- 5m", "5", "", " ", "yesterday", "10:42 PM", "2026-11-28T10:00:00", "-5m-5m", "-1w2d3h4m5s",
         "⏰", "-٣m", "2026-11-28T10:00:00Z\n", "ago", "0m ago"]
FAULTS = ["latency ms=800", " latency ms=5", "latency\tms=5", "latncy ms=5", "latency", "latency ms=-1",
          "error status=503 probability=0.5 route=/api/*", "error status=99", "abort", "hang max_s=3000",
          "crash exit_code=137", "memory_leak mb_per_s=20 max_mb=1500", "cpu_burn threads=33", "dependency_down",
          "not_ready probability=2", "not_live", '{"type":"error","status":503}', '{"type":"nope"}', "{", "",
          "error status=503, probability=0.5", "other: pulled the plug", "latency ms=5 ms=6", "error route=admin"]
WORDS = ["app", "API", "checkout-api", "db_1", "two words", "", "é", "x" * 101, "a.b", "-dash"]


def text(rng: random.Random) -> str:
    pick = rng.random() * 2
    if pick < 0.1:
        return ""
    if pick < 0.2:
        return " \t "
    if pick < 0.3:
        # At most 128 KiB: the kernel refuses longer arguments.
        return rng.choice(["a" * 65_535, "a" * 65_536, "a" * 65_537, "é" * 32_768, "é" * 32_769])
    if pick < 0.4:
        return "'); DROP TABLE incident;-- \x1b[31mred\x1b[0m | `x` <script> 🔥 שלום\nline\r\n"
    return " ".join(rng.choice(["checkout", "502", "pool", "exhausted", "🔥", "\"q\"", ",", "\\"]) for _ in range(5))


def identifier(rng: random.Random) -> str:
    return rng.choice(["1", "2", "3", "5", "0", "-1", "99", "9223372036854775807", "9223372036854775808", "x", ""])


def command(rng: random.Random, scratch: str) -> list:
    """One random command line, mostly well-formed enough to reach the store."""
    at = ["--at", rng.choice(TIMES)] if rng.random() < 0.6 else []
    kind = rng.choice(["open", "detect", "ack", "mitigate", "resolve", "note", "cancel", "reopen", "edit", "show",
                       "list", "report", "postmortem", "export", "action", "db", "import"])
    if kind == "open":
        line = ["open", text(rng)] + at
        if rng.random() < 0.5:
            line += ["--fault", rng.choice(FAULTS)]
        if rng.random() < 0.1:
            line += ["--other-fault", text(rng)]
        for option, values in [("--service", WORDS), ("--severity", ["sev1", "sev4", "SEV2", "sev9"]),
                               ("--kind", ["injected", "real", "fake"])]:
            if rng.random() < 0.3:
                line += [option, rng.choice(values)]
        return line + rng.choice([[], ["-q"], ["--json"], ["-q", "--json"]])
    if kind in ("detect", "ack", "mitigate", "reopen"):
        line = [kind, identifier(rng)] + at
        if kind == "detect" and rng.random() < 0.7:
            line += ["--via", rng.choice(["alert", "probe", "PROBE", "alert:HighErrorRate", "alert:", "pager",
                                          "pipeline", "alert:two words"])]
        return line
    if kind == "resolve":
        line = ["resolve", identifier(rng), "--cause", text(rng)] + at
        if rng.random() < 0.5:
            line += ["--category", rng.choice(WORDS)]
        for _ in range(rng.randint(0, 3)):
            line += ["--prevent", text(rng)]
        return line
    if kind in ("note", "cancel"):
        return [kind, identifier(rng)] + ([text(rng)] if kind == "note" else ["--reason", text(rng)]) + at
    if kind == "edit":
        line = ["edit", identifier(rng)]
        for _ in range(rng.randint(0, 3)):
            field = rng.choice(["title", "service", "severity", "kind", "fault", "started-at", "detected-at",
                                "acknowledged-at", "mitigated-at", "resolved-at", "detection", "cause",
                                "category", "fix", "summary", "impact", "trigger", "lessons"])
            if rng.random() < 0.2:
                line += ["--clear", field]
            elif field.endswith("-at"):
                line += ["--" + field, rng.choice(TIMES)]
            elif field == "fault":
                line += ["--fault", rng.choice(FAULTS)]
            else:
                line += ["--" + field, text(rng)]
        return line + at
    if kind == "show":
        return ["show", identifier(rng)] + rng.choice([[], ["--json"]])
    if kind == "list":
        line = ["list"]
        for _ in range(rng.randint(0, 2)):
            line += ["--status", rng.choice(["open", "detected", "resolved", "cancelled", "burning"])]
        if rng.random() < 0.3:
            line += ["--unresolved"]
        if rng.random() < 0.3:
            line += ["--since", rng.choice(TIMES)]
        if rng.random() < 0.3:
            line += ["--limit", identifier(rng)]
        return line + rng.choice([[], ["--json"]])
    if kind == "report":
        line = ["report", "--period", rng.choice(["week", "month", "quarter", "year"])]
        for option in ["--since", "--until"]:
            if rng.random() < 0.4:
                line += [option, rng.choice(TIMES)]
        return line + rng.choice([[], ["--json"], ["--markdown"]])
    if kind == "postmortem":
        return ["postmortem", identifier(rng)] + rng.choice(
            [[], ["--check"], ["--output", os.path.join(scratch, "pm.md")],
             ["--output", os.path.join(scratch, "pm.md"), "--force"], ["--output", "/nonexistent/dir/pm.md"]])
    if kind == "export":
        return ["export", "--format", rng.choice(["jsonl", "csv", "xml"])] + rng.choice(
            [[], ["--output", os.path.join(scratch, "out.jsonl")], ["--output", scratch],
             ["--output", "/nonexistent/dir/x"]])
    if kind == "action":
        sub = rng.choice(["add", "done", "drop", "list"])
        if sub == "add":
            return ["action", "add", identifier(rng), text(rng), "--kind", rng.choice(["prevent", "detect", "x"]),
                    "--due", rng.choice(["2026-12-15", "2026-02-30", "1900-01-01", "next week", "2199-12-31"])]
        if sub == "list":
            return ["action", "list"] + rng.choice([[], ["--open"], ["--incident", identifier(rng)]])
        return ["action", sub, identifier(rng)] + (["--reason", text(rng)] if sub == "drop" else []) + at
    if kind == "db":
        return ["db", "check"] if rng.random() < 0.7 else ["db", "backup", os.path.join(scratch, f"b{rng.random()}.db")]
    return ["import", rng.choice([scratch, "/nonexistent.jsonl", os.path.join(scratch, "out.jsonl")]), "--dry-run"]


def contents(database: str) -> list:
    """Every row of every table, read-only: equal lists mean equal databases."""
    if not os.path.exists(database):
        return []
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return [(table, connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()) for table in tables]
    finally:
        connection.close()


def run(binary: str, arguments: list, environment: dict, cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary] + arguments, env=environment, cwd=cwd, capture_output=True, timeout=5,
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
    statuses = {}
    with tempfile.TemporaryDirectory() as scratch:
        database = os.path.join(scratch, "fuzz.db")
        environment = {"PATH": "/usr/bin:/bin", "HOME": scratch, "TZ": rng.choice(["UTC", "Europe/Paris",
                       "America/Asuncion", "Asia/Kathmandu"]), "INCIDENT_DB": database, "INCIDENT_AUTHOR": "fuzz",
                       "NO_COLOR": "1"}
        for title in ["seed one", "seed two", "seed three"]:
            run(binary, ["open", title, "--at", "-2h", "--fault", "latency ms=800"], environment, scratch)
        deadline = time.monotonic() + args.seconds
        runs = 0
        while time.monotonic() < deadline and len(failures) < 20:
            arguments = command(rng, scratch)
            before = contents(database)
            try:
                result = run(binary, arguments, environment, scratch)
            except subprocess.TimeoutExpired:
                failures.append(f"over 5 s: {arguments!r}")
                continue
            runs += 1
            statuses[result.returncode] = statuses.get(result.returncode, 0) + 1
            stderr = result.stderr.decode("utf-8", "replace")
            allowed = DOCUMENTED | ({1} if "--check" in arguments else set())
            if result.returncode not in allowed:
                failures.append(f"exit {result.returncode}: {arguments!r}: {stderr[:300]}")
            elif "Fatal error" in stderr or "Stack dump" in stderr:
                failures.append(f"crash report: {arguments!r}: {stderr[:300]}")
            elif result.returncode not in (0, 1) and contents(database) != before:
                failures.append(f"refused (exit {result.returncode}) but changed the database: {arguments!r}")
        check = run(binary, ["db", "check"], environment, scratch)
        if check.returncode != 0:
            failures.append(f"db check failed at the end: {check.stdout.decode()} {check.stderr.decode()}")
        for form in ["jsonl", "csv"]:
            first = run(binary, ["export", "--format", form], environment, scratch)
            path = os.path.join(scratch, f"final.{form}")
            with open(path, "wb") as handle:
                handle.write(first.stdout)
            copy = os.path.join(scratch, f"copy-{form}.db")
            imported = run(binary, ["import", path, "--db", copy], environment, scratch)
            again = run(binary, ["export", "--format", form, "--db", copy], environment, scratch)
            if imported.returncode != 0 or again.stdout != first.stdout:
                failures.append(f"{form} round trip broke: import exit {imported.returncode}: "
                                f"{imported.stderr.decode()[:500]}")
        incidents = sum(len(rows) for table, rows in contents(database) if table == "incident")
    print(f"cli_fuzz: seed {args.seed}, {runs} command lines in {args.seconds:.0f} s, {incidents} incidents at the "
          f"end; exit statuses {dict(sorted(statuses.items()))}")
    for failure in failures:
        print("  FAILED", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
