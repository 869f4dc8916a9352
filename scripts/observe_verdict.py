#!/usr/bin/env python3
"""The verdict of scripts/observe-e2e.sh on the game days it played on the production-like lab.

    scripts/observe_verdict.py --prometheus URL --incidents incidents.json SCORECARD_JSON...

For each step of each scorecard (`incident gameday run --json`), from the lab's Prometheus and the store's
incidents: the alert that detected it and its TTD, the first paging alert and when it fired, and what the
fault cost users at the load balancer (user requests answered 5xx by HAProxy, HAProxy's own 502/503/504
included, of all user requests) and at the replicas (share slower than the latency SLO's 300 ms). Prints one markdown
table per scorecard and checks the lab targets (scripts/observe-e2e.sh says which); exits 1 when one is
missed. Python 3 standard library only.
"""
import argparse
import json
import statistics
import sys
import urllib.parse
import urllib.request
from datetime import datetime

# The objectives of ops/slo: under these shares a fault cost users nothing the SLOs count.
AVAILABILITY_OBJECTIVE, LATENCY_OBJECTIVE = 0.999, 0.99
# Fault types that change no answer: an alert on process metrics (a ticket) is all that can see them.
SILENT = {"memory_leak", "cpu_burn"}
# One-replica faults the load balancer must hide from users, and so from the pager.
MASKED_ON_ONE = {"crash", "not_ready"}
PAGE_WITHIN, MEDIAN_PAGE_WITHIN = 60, 15
# Faults from outside the app (the lab's keeper plays them), judged by what they cost users: one whose errors
# or slow answers reach the fast-burn page threshold (14.4 times the budget, ops/slo) must page within 60 s of
# the first failed request (a full disk hurts only once the database needs a new page, tens of seconds after
# the injection); any other must be seen by an alert (a ticket) or cost users nothing the SLOs count.
OUTSIDE = {
    "kill", "pause", "partition", "db_down", "db_lock", "db_connections", "cpu_throttle", "oom", "disk_full"}
FAST_BURN = 14.4


def seconds(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Prometheus:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def get(self, path, **params):
        with urllib.request.urlopen(f"{self.url}{path}?{urllib.parse.urlencode(params)}", timeout=30) as answer:
            return json.load(answer)["data"]["result"]

    def value(self, query, at):
        result = self.get("/api/v1/query", query=query, time=at)
        return float(result[0]["value"][1]) if result else None

    def first_pages(self, start, end):
        """For each paging alert that began firing between start and end, when it did; one firing at start
        already (still draining from the step before) is not this step's."""
        firsts = {}
        for series in self.get("/api/v1/query_range", query='ALERTS{alertstate="firing",severity="page"}',
                               start=start, end=end, step=1):
            began = float(series["values"][0][0])
            if began > start:
                name = series["metric"]["alertname"]
                firsts[name] = min(firsts.get(name, float("inf")), began)
        return firsts

    def first_failure(self, start, end):
        """When HAProxy first answered users 5xx in [start, end], to the second; None if it never did."""
        query = 'sum(increase(haproxy_backend_http_responses_total{job="haproxy",proxy="app",code=~"5xx|other"}[2s]))'
        for series in self.get("/api/v1/query_range", query=query, start=start, end=end, step=1):
            for at, value in series["values"]:
                if float(value) > 0:
                    return float(at)
        return None

    def cost(self, start, end):
        """User requests answered 5xx at HAProxy and all of them, and the share slower than 300 ms at the
        replicas, in [start, end]."""
        # From the last scrape before the injection (the lab scrapes every second), so that a jump in its first
        # second is counted.
        window = f"{round(end - start) + 2}s"
        responses = 'haproxy_backend_http_responses_total{job="haproxy",proxy="app"'
        failed = self.value(f'sum(increase({responses},code=~"5xx|other"}}[{window}]))', end) or 0.0
        total = self.value(f'sum(increase({responses}}}[{window}]))', end) or 0.0
        slow = self.value(
            f'1 - sum(increase(http_request_duration_seconds_bucket{{job="app",le="0.3"}}[{window}]))'
            f' / sum(increase(http_request_duration_seconds_count{{job="app"}}[{window}]))', end)
        return round(failed), round(total), slow or 0.0


def judge(prometheus, incidents, scorecard, failures):
    steps = scorecard["steps"]
    scopes = {step.get("scope") for step in steps}
    scope = "all" if scopes == {"all"} else "one"
    outside = all(step["fault"].split()[0] in OUTSIDE for step in steps)
    rows, page_delays = [], []
    for step in steps:
        fault_type = step["fault"].split()[0]
        incident = incidents.get(step["incident"]) or {}
        detection = incident.get("detection") or ""
        alert = detection[len("alert:"):] if detection.startswith("alert:") else "-"
        injected = seconds(step["injected_at"])
        ended = seconds(step["recovered_at"]) if step.get("recovered_at") else injected + 60
        pages = prometheus.first_pages(injected, ended + 5)
        first_page = min(pages.values()) if pages else None
        page_delay = first_page - injected if first_page is not None else None
        failed, total, slow = prometheus.cost(injected, ended)
        errors = failed / total if total else 0.0
        masked = errors < 1 - AVAILABILITY_OBJECTIVE and slow < 1 - LATENCY_OBJECTIVE
        ttd, ttr = step["ttd_s"], step["ttr_s"] if step["recovered"] else None
        page_text = ", ".join(sorted(pages)) + f" after {page_delay:.1f} s" if pages else "none"
        rows.append(f"| {fault_type} | {step.get('scope') or '1 of 1'} | {alert} | "
                    f"{'-' if ttd is None else f'{ttd:.1f}'} | {'-' if ttr is None else f'{ttr:.1f}'} | "
                    f"{failed} of {total} 5xx ({errors:.2%}), {slow:.1%} slow{' (masked)' if masked else ''} | {page_text} |")
        if not step["recovered"]:
            failures.append(f"{fault_type} on {scope}: not recovered")
        detected = detection.startswith("alert:") and ttd is not None and ttd <= PAGE_WITHIN
        if fault_type in OUTSIDE:
            hurt = errors >= FAST_BURN * (1 - AVAILABILITY_OBJECTIVE) or slow >= FAST_BURN * (1 - LATENCY_OBJECTIVE)
            harmed = max(injected, prometheus.first_failure(injected, ended) or injected)
            after_harm = first_page - harmed if first_page is not None else None
            if after_harm is not None and harmed > injected + 1 and after_harm > 0:
                rows[-1] = rows[-1][:-2] + f" ({after_harm:.1f} s after the first 5xx) |"
            if hurt and (after_harm is None or after_harm > PAGE_WITHIN):
                failures.append(f"{fault_type} ({step.get('scope')}) hurt users ({errors:.2%} 5xx, {slow:.1%} slow) "
                                f"and paged nobody within {PAGE_WITHIN} s ({page_text})")
            elif hurt:
                page_delays.append(page_delay)
            elif not detected and not masked:
                failures.append(f"{fault_type} ({step.get('scope')}): users paid ({errors:.2%} 5xx, {slow:.1%} slow) "
                                "and no alert saw it")
        elif scope == "all":
            if fault_type in SILENT:
                if not detected:
                    failures.append(f"{fault_type} on all: no alert within {PAGE_WITHIN} s ({detection or 'undetected'})")
            elif page_delay is None or page_delay > PAGE_WITHIN:
                failures.append(f"{fault_type} on all: no page within {PAGE_WITHIN} s ({page_text})")
            else:
                page_delays.append(page_delay)
        else:
            if fault_type in MASKED_ON_ONE and pages:
                failures.append(f"{fault_type} on one replica paged ({page_text}); HAProxy should have masked it")
            if fault_type in MASKED_ON_ONE and not detected:
                failures.append(f"{fault_type} on one replica: no ticket alert saw it ({detection or 'undetected'})")
            if not detected and not masked:
                failures.append(f"{fault_type} on one replica: users paid ({errors:.2%} 5xx, {slow:.1%} slow) "
                                "and no alert saw it")
    title = "from outside the app" if outside else "on all 3 replicas" if scope == "all" else "on one replica of 3"
    print(f"\n### Each fault {title}\n")
    print("| fault | scope | detected by | TTD s | TTR s | user-facing cost | paged |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    if page_delays:
        median = statistics.median(page_delays)
        what = "faults that hurt users past the page threshold" if outside else "fault types that change answers"
        print(f"\nmedian time to page {median:.1f} s over {len(page_delays)} {what}")
        if median > MEDIAN_PAGE_WITHIN:
            failures.append(f"median time to page {median:.1f} s is over {MEDIAN_PAGE_WITHIN} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--incidents", required=True, help="`incident list --json` of the lab's store")
    parser.add_argument("scorecards", nargs="+")
    args = parser.parse_args()
    prometheus = Prometheus(args.prometheus)
    incidents = {incident["id"]: incident for incident in json.load(open(args.incidents))}
    failures = []
    for path in args.scorecards:
        judge(prometheus, incidents, json.load(open(path)), failures)
    for failure in failures:
        print("FAILED:", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
