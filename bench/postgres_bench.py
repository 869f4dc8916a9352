#!/usr/bin/env python3
"""Measures `incident` on PostgreSQL against its floors and against SQLite, and prints the figures.

Targets (issue #19): `incident open` on PostgreSQL (loopback) within 3x of `psql -c 'INSERT ...'` on the same
server; `report --json` on 100,000 incidents in PostgreSQL within 1.5x of the same report on SQLite; and the
figure a team reads to decide when to move: commands per second with 8 writers at once on each store.

    swift build -c release --static-swift-stdlib --product incident
    bench/postgres_bench.py [--incident .build/release/incident] [--postgres URI] [--size 100000]

Without --postgres (or $INCIDENT_BENCH_POSTGRES: the URI of a role that may create databases) it starts a
throwaway cluster with scripts/throwaway-postgres.sh and removes it at the end. Needs hyperfine and psql.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

from report_bench import write_history
from benchlib import ROOT, incident_arguments, require_binary


def hyperfine(commands: dict, environment: dict, runs: int) -> dict:
    """Median wall time in ms of each named command line, run alternately by hyperfine without a shell."""
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        subprocess.run(["hyperfine", "-N", "--warmup", "3", "--runs", str(runs), "--export-json", export.name,
                        *commands.values()], env=environment, check=True, stdout=subprocess.DEVNULL)
        results = json.load(open(export.name))["results"]
    return {name: result["median"] * 1000 for name, result in zip(commands, results)}


def new_database(admin: str) -> str:
    """A new, empty database on the server `admin` names, and its URI."""
    name = "incident_bench_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    return urllib.parse.urlparse(admin)._replace(path="/" + name).geturl()


def writers_per_second(incident: str, store: str, writers: int, commands: int) -> float:
    """Commands per second of `writers` processes each opening `commands` incidents one after the other."""
    environment = {"PATH": "/usr/bin:/bin", "INCIDENT_DB": store, "INCIDENT_AUTHOR": "bench"}

    def work(writer: int) -> None:
        for number in range(commands):
            subprocess.run([incident, "open", f"writer {writer} {number}", "-q"], env=environment, check=True,
                           stdout=subprocess.DEVNULL)

    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(writers) as pool:
        list(pool.map(work, range(writers)))
    return writers * commands / (time.perf_counter() - began)


def verdict(ratio: float, limit: float) -> str:
    return f"{ratio:.2f}x, target <= {limit:g}x: {'ok' if ratio <= limit else 'MISSED'}"


def main() -> int:
    parser = incident_arguments(__doc__, runs=30)
    parser.add_argument("--postgres", default=os.environ.get("INCIDENT_BENCH_POSTGRES"))
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    require_binary(args.incident, "postgres_bench")
    cluster = None
    if not args.postgres:
        cluster = tempfile.mkdtemp(prefix="incident-bench-postgres.")
        args.postgres = subprocess.run([os.path.join(ROOT, "scripts", "throwaway-postgres.sh"), "start", cluster],
                                       check=True, capture_output=True, text=True).stdout.strip()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            run(args, scratch)
    finally:
        if cluster:
            subprocess.run([os.path.join(ROOT, "scripts", "throwaway-postgres.sh"), "stop", cluster], check=True)
    return 0


def run(args: argparse.Namespace, scratch: str) -> None:
    environment = {"PATH": "/usr/bin:/bin", "TZ": "UTC", "INCIDENT_AUTHOR": "bench"}
    sqlite = os.path.join(scratch, "open.db")
    postgres = new_database(args.postgres)
    subprocess.run([args.incident, "db", "init", "--db", postgres], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([args.incident, "db", "init", "--db", sqlite], check=True, stdout=subprocess.DEVNULL)
    insert = "INSERT INTO incident (title, kind, started_at) VALUES ('bench', 'real', 0)"
    opens = hyperfine({
        "psql INSERT": f"psql {postgres} -qc \"{insert}\"",
        "open on PostgreSQL": f"{args.incident} open bench -q --db {postgres}",
        "open on SQLite": f"{args.incident} open bench -q --db {sqlite}",
    }, environment, args.runs)
    print(f"open, median of {args.runs} (hyperfine -N):")
    for name, milliseconds in opens.items():
        print(f"  {name:<20} {milliseconds:7.1f} ms")
    print(f"  PostgreSQL / psql INSERT: {verdict(opens['open on PostgreSQL'] / opens['psql INSERT'], 3)}")

    history = os.path.join(scratch, "history.jsonl")
    big_sqlite = os.path.join(scratch, "big.db")
    big_postgres = new_database(args.postgres)
    write_history(history, args.size)
    subprocess.run([args.incident, "import", history, "--db", big_sqlite], check=True, stdout=subprocess.DEVNULL)
    began = time.perf_counter()
    subprocess.run([args.incident, "db", "copy", "--db", big_sqlite, "--to", big_postgres], check=True,
                   stdout=subprocess.DEVNULL)
    copy_seconds = time.perf_counter() - began
    reports = hyperfine({
        "SQLite": f"{args.incident} report --json --db {big_sqlite}",
        "PostgreSQL": f"{args.incident} report --json --db {big_postgres}",
    }, environment, 5)
    print(f"report --json on {args.size:,} incidents, median of 5 (db copy SQLite -> PostgreSQL took "
          f"{copy_seconds:.1f} s):")
    for name, milliseconds in reports.items():
        print(f"  {name:<20} {milliseconds:7.0f} ms")
    print(f"  PostgreSQL / SQLite: {verdict(reports['PostgreSQL'] / reports['SQLite'], 1.5)}")

    print("writers at once, each opening 50 incidents in a row (commands per second):")
    for writers in (1, 8):
        on_sqlite = writers_per_second(args.incident, os.path.join(scratch, f"writers{writers}.db"), writers, 50)
        on_postgres = writers_per_second(args.incident, new_database(args.postgres), writers, 50)
        print(f"  {writers} writer(s): SQLite {on_sqlite:6.0f}/s, PostgreSQL {on_postgres:6.0f}/s")


if __name__ == "__main__":
    sys.exit(main())
