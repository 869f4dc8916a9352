#!/usr/bin/env python3
"""Steady background traffic against the app, as its users would make it: reads, writes, and a small normal
share of client errors (unknown notes, bad requests), so that alerts are judged on a service that is used.

    scripts/traffic.py --target http://127.0.0.1:8080 [--rps 20] [--client-errors 0.04] [--seconds 0 (forever)]

It prints a line of totals every 10 s and stops on SIGTERM or Ctrl-C.
"""
import argparse
import http.client
import random
import signal
import sys
import time
import urllib.parse


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--rps", type=float, default=20)
    parser.add_argument("--client-errors", type=float, default=0.04)
    parser.add_argument("--seconds", type=float, default=0)
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.target)
    rng = random.Random(7)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    counts = {}
    started = time.monotonic()
    last_report = started
    interval = 1 / args.rps
    next_at = started
    while not stopping and (args.seconds == 0 or time.monotonic() - started < args.seconds):
        pick = rng.random()
        if pick < args.client_errors:
            method, path, body = rng.choice([("GET", "/api/notes/999999999", None), ("POST", "/api/notes", b"{}")])
        elif pick < 0.3:
            method, path, body = "POST", "/api/notes", b'{"text":"traffic"}'
        else:
            method, path, body = "GET", rng.choice(["/", "/api/notes", "/api/notes?limit=5"]), None
        try:
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
            connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
            status = connection.getresponse().status
            connection.close()
        except (OSError, http.client.HTTPException):
            status = "error"
        counts[status] = counts.get(status, 0) + 1
        now = time.monotonic()
        if now - last_report >= 10:
            print(f"traffic: {sum(counts.values())} requests, by status {dict(sorted(counts.items(), key=str))}", flush=True)
            last_report = now
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
