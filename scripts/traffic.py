#!/usr/bin/env python3
"""Steady background traffic against the app, as its users would make it: reads, writes, and a small normal
share of client errors (unknown notes, bad requests), so that alerts are judged on a service that is used.

    scripts/traffic.py --target http://127.0.0.1:8080 [--rps 20] [--client-errors 0.04] [--seconds 0 (forever)]
                       [--workers 8] [--summary FILE] [--timeline FILE]

Requests start at the given rate whatever the answers take: --workers clients send them, so a slow answer
delays no other request until every worker is busy; past that, at most --workers requests wait, and one more
is counted as `dropped` instead of sent late. It prints a line of totals every 10 s and stops on SIGTERM or Ctrl-C; --summary writes
the totals by status as JSON when it stops; --timeline appends the totals so far every second, one JSON line
{"at_ms": …, "counts": {status: n}}, to tell what users saw during a window (a game day's step).
"""
import argparse
import http.client
import json
import queue
import random
import signal
import sys
import threading
import time
import urllib.parse


class Traffic:
    """Requests at a fixed rate from a pool of workers, counted by status."""

    def __init__(self, args):
        self.args, self.url = args, urllib.parse.urlsplit(args.target)
        self.tickets = queue.Queue(maxsize=args.workers)
        self.counts, self.lock, self.stopping = {}, threading.Lock(), threading.Event()
        self.rng, self.rng_lock = random.Random(7), threading.Lock()

    def request(self):
        """The next request: (method, path, body)."""
        with self.rng_lock:
            pick, rng = self.rng.random(), self.rng
            if pick < self.args.client_errors:
                return rng.choice([("GET", "/api/notes/999999999", None), ("POST", "/api/notes", b"{}")])
            if pick < 0.3:
                return "POST", "/api/notes", b'{"text":"traffic"}'
            return "GET", rng.choice(["/", "/api/notes", "/api/notes?limit=5"]), None

    def count(self, status):
        with self.lock:
            self.counts[status] = self.counts.get(status, 0) + 1

    def work(self):
        connection = None
        while True:
            if self.tickets.get() is None:
                return
            method, path, body = self.request()
            try:
                connection = connection or http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=5)
                connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
                answer = connection.getresponse()
                answer.read()
                self.count(answer.status)
            except (OSError, http.client.HTTPException):
                self.count("error")
                if connection:
                    connection.close()
                connection = None

    def totals(self):
        with self.lock:
            return dict(sorted(self.counts.items(), key=lambda item: str(item[0])))

    def run(self):
        workers = [threading.Thread(target=self.work, daemon=True) for _ in range(self.args.workers)]
        for worker in workers:
            worker.start()
        started = time.monotonic()
        next_at, last_report, last_mark = started, started, started
        timeline = open(self.args.timeline, "a") if self.args.timeline else None
        while not self.stopping.is_set() and (self.args.seconds == 0 or time.monotonic() - started < self.args.seconds):
            try:
                self.tickets.put_nowait(1)
            except queue.Full:
                self.count("dropped")
            now = time.monotonic()
            if now - last_report >= 10:
                totals = self.totals()
                print(f"traffic: {sum(totals.values())} requests, by status {totals}", flush=True)
                last_report = now
            if timeline and now - last_mark >= 1:
                counts = {str(status): n for status, n in self.totals().items()}
                timeline.write(json.dumps({"at_ms": int(time.time() * 1000), "counts": counts}) + "\n")
                timeline.flush()
                last_mark = now
            next_at += 1 / self.args.rps
            self.stopping.wait(max(0.0, next_at - time.monotonic()))
        for _ in workers:
            self.tickets.put(None)
        for worker in workers:
            worker.join(timeout=6)
        if timeline:
            timeline.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--rps", type=float, default=20)
    parser.add_argument("--client-errors", type=float, default=0.04)
    parser.add_argument("--seconds", type=float, default=0)
    parser.add_argument("--workers", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--summary", help="write the totals by status here as JSON when stopping")
    parser.add_argument("--timeline", help="append the totals so far here every second, as JSON lines")
    args = parser.parse_args()
    if args.rps <= 0 or args.workers < 1:
        parser.error("--rps must be above 0 and --workers at least 1")
    traffic = Traffic(args)
    signal.signal(signal.SIGTERM, lambda *_: traffic.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: traffic.stopping.set())
    traffic.run()
    if args.summary:
        with open(args.summary, "w") as summary:
            json.dump({str(status): n for status, n in traffic.totals().items()}, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
