#!/usr/bin/env python3
"""Makes the Prometheus rules and their promtool tests for `app`, in two profiles, from one definition.

    ops/prometheus/rules/{production,lab}/{sli,alerts}.yml   from this script
    ops/prometheus/rules/{production,lab}/slo.yml            from `incident slo rules ops/slo/*.yaml`
    ops/prometheus/tests/{production,lab}/*_test.yml         from this script, for all of them

The SLOs (ops/slo/*.yaml, OpenSLO) are the one source of the SLO recording rules and the burn-rate alerts:
this script runs `incident slo rules` for each profile to make slo.yml, and reads the same rules back from
`incident slo rules --json` for the tests of the burn-rate alerts (their names, labels, annotations and
thresholds). The incident binary: --incident, else $INCIDENT_BINARY, else the newer of .build/debug/incident
and .build/release/incident, else `incident` on PATH; build it first (swift build --product incident).

Every window and `for:` below is written once, at production scale. The profiles, and the latency
buckets the tests' histograms use, are the monitoring contract's (Sources/MonitoringContract/monitoring.json,
which the app and `incident slo rules` are built with): the lab divides each duration by 60 (one production
minute is one lab second), rounding up, and no lab duration is shorter than 4 s (four scrape intervals of
the lab's 1 s): the workbook's shortest window, 5m, becomes 5 s, which still holds five scrapes, so rate()
has enough points even when one scrape is missed.
Thresholds (burn rates, ratios, seconds of latency, cores, bytes) are not scaled: requests take real
time in the lab too. Only quantities that are durations are.

The tests are made from the same scenarios for both profiles: a scenario is a number of samples, one per
scrape interval (1m at production scale, 1s in the lab), so a sample is a production minute in both.
Rates per real second (CPU seconds, requests for the in-flight check) are given per second and
multiplied by the profile's interval.

Python 3 standard library only; the YAML is written as text.

Usage:
    scripts/make_rules.py [--incident BINARY]            write the files
    scripts/make_rules.py [--incident BINARY] --check    write nothing; exit 1 if a committed file is missing or stale
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
RULES_DIR = pathlib.Path("ops/prometheus/rules")
TESTS_DIR = pathlib.Path("ops/prometheus/tests")
SLO_DIR = pathlib.Path("ops/slo")

# --------------------------------------------------------------------------------------------------
# The objectives
# --------------------------------------------------------------------------------------------------

# The SLOs themselves are ops/slo/*.yaml: 99.9 % of user requests without a 5xx, 99 % within 300 ms, over
# 30 days. AppLatencyP99High, a symptom alert that is not a burn rate, reads the same 300 ms.
LATENCY_OBJECTIVE_S = 0.3  # a histogram bucket boundary: le="0.3"
LATENCY_QUANTILE = 0.99

# The SLO recording rules and the multi-window, multi-burn-rate alerts (Google SRE workbook, table 5-8) are
# made by `incident slo rules` from ops/slo/*.yaml; their windows, thresholds and `for:` are in slo.yml.
S, M, H, D = 1, 60, 3600, 86400
AVAILABILITY_SLO, LATENCY_SLO = "app-availability", "app-latency"

# Other thresholds (not scaled).
STUCK_AFTER_S = 5  # Little's law: in flight ≥ requests/s × 5 s means requests stay ~5 s or more
PROBE_SUCCESS_MIN = 0.8  # fraction of probes that must succeed over the window
STORE_ERROR_RATIO_MAX = 0.05
# Of one core, per replica. Half a core: ten times what a replica spends at its usual tens of requests a second,
# and what each of three replicas still gets when they burn CPU together on a shared two-core host (two thirds
# of a core each), where 0.8 was never reached. Under a Kubernetes limit of one core it is half the limit.
CPU_CORES_MAX = 0.5
MEMORY_BUDGET_BYTES = 512 * 1024 * 1024
MEMORY_HORIZON_S = 4 * H  # scaled like a window: "exhausted within 4 hours"
POOL_IN_USE_MAX = 0.9  # share of a replica's database pool in use, on average over the window
DB_CONNECTIONS_MAX = 0.8  # share of PostgreSQL's max_connections open
# Durations of the production-like setup (scaled like every other duration).
OUT_OF_ROTATION_FOR_S = 5 * M  # a replica DOWN in HAProxy this long: longer than a restart (a few checks)
HELD_OUT_S = 1 * H  # a replica MAINT/DRAIN/NOLB (set by hand, or by a deploy) this long: longer than any deploy step
RESTARTED_TOGETHER_S = 5 * M  # every replica restarted within this window: shorter than a rolling deploy's step

# Who the user-facing figures come from: HAProxy's backend `app` (user traffic only; /livez, /readyz,
# /metrics and /admin/ go to backend app_operations).
LB = 'job="haproxy",proxy="app"'

RUNBOOK_BASE = "docs/runbooks/"  # relative to the repository root

CONTRACT = json.loads((ROOT / "Sources/MonitoringContract/monitoring.json").read_text())


class Profile:
    """A profile of the monitoring contract, with what this script says of it."""

    def __init__(self, name, note):
        contract = next(p for p in CONTRACT["profiles"] if p["name"] == name)
        self.name, self.note = name, note
        self.divisor, self.floor_s = contract["scale_divisor"], contract["floor_seconds"]
        self.interval_s = contract["interval_seconds"]

    def seconds(self, production_s):
        """A production duration in this profile, in whole seconds rounded up, never under the floor (0 stays
        0): MonitoringContract.Profile.seconds."""
        if production_s == 0:
            return 0
        return max(-(-production_s // self.divisor), self.floor_s)

    def d(self, production_s):
        """A production duration as a Prometheus duration of this profile: 5m, 1h12m, 4s."""
        return fmt_duration(self.seconds(production_s))


def fmt_duration(seconds):
    if seconds == 0:
        return "0s"
    out = ""
    for unit, size in (("d", D), ("h", H), ("m", M), ("s", S)):
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out


def lab_note():
    lab = Profile("lab", "")
    return (f"Lab: every window, `for:` and prediction horizon is the production one × 1/{lab.divisor} (one "
            f"production minute is one lab second), never below {lab.floor_s}s ({lab.floor_s} scrapes at the "
            f"lab's {lab.interval_s}s scrape and evaluation interval): 1h/5m → 1m/5s, 6h/30m → 6m/30s, "
            "1d/2h → 24m/2m, 3d/6h → 1h12m/6m.")


PROFILES = [
    Profile("production",
            "Production: the SRE workbook's windows (1h/5m, 6h/30m, 1d/2h, 3d/6h) and `for:` durations as "
            "written; scrape every 15-60 s (the tests scrape every 1m)."),
    Profile("lab", lab_note()),
]

# --------------------------------------------------------------------------------------------------
# Recording rules
# --------------------------------------------------------------------------------------------------

APP = 'job="app"'


def rate_sum(selector, w):
    return f"sum by (job) (rate({selector}[{w}]))"


def ratio(numerator, denominator):
    """numerator / denominator, 0 when the numerator has no series yet (no error has happened) or when
    there was no traffic in the window (no requests, no errors), never "no data" or NaN while the
    denominator's series exist."""
    return (f"(\n  {numerator}\n  or\n  0 * {denominator}\n)\n"
            f"/\n({denominator} > 0)\n"
            f"or\n0 * {denominator}")


def requests(w):
    return rate_sum(f"http_requests_total{{{APP}}}", w)


def errors(w):
    return rate_sum(f'http_requests_total{{{APP},status=~"5.."}}', w)


def slo_ratio(p, w, slo=AVAILABILITY_SLO):
    """The error-ratio series of an SLO over production window w, as `incident slo rules` names it."""
    labels = f'slo="{slo}"' + (f',threshold="{LATENCY_OBJECTIVE_S:g}"' if slo == LATENCY_SLO else "")
    return f"slo:sli_error:ratio_rate{p.d(w)}{{{labels}}}"


def slo_ratio_sample(p, w, slo=AVAILABILITY_SLO):
    """The labels of that series as promtool writes a sample of it."""
    name, labels = slo_ratio(p, w, slo).split("{", 1)
    return f'{name}{{service="app",{labels}'


def recording_rules(p):
    rules = []
    for w in (5 * M, 1 * H):
        rules.append(dict(
            _comment=f"User requests per second over {p.d(w)}, as the replicas count them, summed over the replicas "
                     "(http_requests_total holds user traffic only). Server side, for diagnosis: the SLI is "
                     "HAProxy's (slo.yml).",
            record=f"job:http_requests:rate{p.d(w)}", expr=requests(p.d(w))))
    rules.append(dict(
        _comment="5xx answers per second that the replicas gave (an abort is counted as status 599), summed; "
                 "HAProxy's own 502/503/504 are not in it (they are in the SLI, slo.yml).",
        record=f"job:http_request_errors:rate{p.d(5 * M)}",
        expr=f"{errors(p.d(5 * M))}\nor\n0 * {requests(p.d(5 * M))}"))
    buckets = f"http_request_duration_seconds_bucket{{{APP}}}"
    for q in (0.5, 0.9, 0.99):
        name = f"p{int(q * 100)}"
        rules.append(dict(
            _comment=f"Latency {name} of user requests over {p.d(5 * M)}, from the replicas' histograms summed "
                     "(interpolated in a bucket).",
            record=f"job:http_request_duration_seconds:{name}_rate{p.d(5 * M)}",
            expr=f"histogram_quantile({q}, sum by (job, le) (rate({buckets}[{p.d(5 * M)}])))"))
    store_all = rate_sum(f"app_store_calls_total{{{APP}}}", p.d(5 * M))
    store_err = rate_sum(f'app_store_calls_total{{{APP},result="error"}}', p.d(5 * M))
    rules.append(dict(
        _comment="Share of store calls (add, list, get, ping) that failed, over every replica; 0 before the "
                 "first failure.",
        record=f"job:app_store_call_errors_per_call:ratio_rate{p.d(5 * M)}",
        expr=ratio(store_err, store_all)))
    return [dict(name="app-sli", rules=rules)]


# --------------------------------------------------------------------------------------------------
# Alerts
# --------------------------------------------------------------------------------------------------

# Annotation templates: <value> becomes the alert's value through the alert's `value` filter,
# <instance> its instance label; the tests fill in the expected text.

class Alert:
    def __init__(self, name, severity, for_s, expr, summary, description, value="humanize", comment=""):
        self.name, self.severity, self.for_s, self.expr = name, severity, for_s, expr
        self.summary, self.description, self.value, self.comment = summary, description, value, comment

    def text(self, p, template):
        """An annotation for profile p: [[N]] is N production seconds as a duration of p."""
        text = template(p) if callable(template) else template
        return re.sub(r"\[\[([0-9]+)\]\]", lambda m: p.d(int(m.group(1))), text)

    def rule(self, p):
        render = lambda text: re.sub(r"<label:(\w+)>", r"{{ $labels.\1 }}", (
            self.text(p, text).replace("<value>", "{{ $value | %s }}" % self.value)
            .replace("<instance>", "{{ $labels.instance }}")))
        rule = dict(_comment=self.comment, alert=self.name, expr=self.expr(p))
        if self.for_s:
            rule["for"] = p.d(self.for_s)
        rule["labels"] = dict(service="app", severity=self.severity)
        rule["annotations"] = dict(
            summary=render(self.summary), description=render(self.description),
            runbook_url=f"{RUNBOOK_BASE}{self.name}.md")
        return rule

    def for_seconds(self, p):
        return p.seconds(self.for_s)

    def fixed_labels(self):
        return dict(service="app", severity=self.severity)

    def annotations(self, p, value, instance="", labels=None):
        fill = lambda text: re.sub(r"<label:(\w+)>", lambda m: (labels or {}).get(m.group(1), ""), (
            self.text(p, text).replace("<value>", value).replace("<instance>", instance)))
        return dict(summary=fill(self.summary), description=fill(self.description),
                    runbook_url=f"{RUNBOOK_BASE}{self.name}.md")


def probe(scope, path):
    """The blackbox probes of `path` (/readyz, /livez) of one scope: load_balancer (what users reach) or
    replica (each replica directly)."""
    return f'probe_success{{job="blackbox",scope="{scope}",instance=~".*{path}"}}'


def as_replica(expr, label):
    """expr with a `replica` label copied from `label` (instance of job app, server of HAProxy), so that
    Alertmanager can match the alerts of one replica whatever their source (inhibit_rules: equal: [replica])."""
    inner = expr.replace("\n", "\n  ")
    return f'label_replace(\n  {inner},\n  "replica", "$1", "{label}", "(.+)"\n)'


def pool_in_use(p):
    """Share of each replica's database pool in use, on average over 5m; none for a replica without a pool
    (SQLite: app_db_pool_max_connections is 0)."""
    return (f'max without (state) (avg_over_time(app_db_pool_connections{{{APP},state="in_use"}}[{p.d(5 * M)}]))\n'
            f"/ on (job, instance)\n(app_db_pool_max_connections{{{APP}}} > 0)")


ALERTS = [
    # ---- pages: users are hurt now (with the burn-rate pages of slo.yml) ---------------------------------
    Alert("AppNoHealthyReplica", "page", 1 * M,
          lambda p: f"haproxy_backend_active_servers{{{LB}}} == 0",
          "No replica of app is in rotation at the load balancer",
          "HAProxy's backend <label:proxy> has no replica passing its health checks (GET /readyz): every user "
          "request is answered 503 by HAProxy itself.",
          comment="A total outage as users see it. HAProxy's own `fall` (two failed checks) already keeps a "
                  "single failed check from taking a replica out, so the for: is short."),
    Alert("AppAllReplicasRestarted", "page", 0,
          lambda p: (f"count by (job) (changes(process_start_time_seconds{{{APP}}}[{p.d(RESTARTED_TOGETHER_S)}]) > 0)\n"
                     f">= on (job)\ncount by (job) (up{{{APP}}})"),
          "Every replica of app restarted at once",
          "All <value> replicas of app started again within [[300]] of each other: they crashed (or were killed) "
          "together, so for a moment no replica was left to serve, every request in flight was lost, and "
          "whatever killed them all can do it again.",
          comment="A crash of every replica that a supervisor undoes within a second leaves HAProxy little to "
                  "count (it retries the refused connections), yet it was a total outage and its cause is "
                  "shared. A rolling deploy restarts one replica per step (minutes apart), never all within "
                  "the window; one replica restarting is AppRestarted, a ticket."),
    Alert("LoadBalancerDown", "page", 1 * M,
          lambda p: 'up{job="haproxy"} == 0\nor\nabsent(up{job="haproxy"})',
          "Prometheus cannot scrape the load balancer in front of app",
          "HAProxy's exporter at <instance> does not answer (or no haproxy target is configured): users most "
          "likely cannot reach app at all, and the availability SLI, which HAProxy counts, is blind.",
          comment="HAProxy down is a total outage that no counter sees: the user-facing SLI is HAProxy's own."),
    Alert("DatabaseDown", "page", 1 * M,
          lambda p: 'pg_up{job="postgres"} == 0\nor\nup{job="postgres"} == 0',
          "The PostgreSQL database that every replica of app shares is down",
          "The PostgreSQL exporter at <instance> cannot reach the database (pg_up 0), or Prometheus cannot "
          "scrape the exporter (up 0): every replica's store calls fail, so the notes API answers 503.",
          comment="Nothing without the series: with SQLite (no postgres job) this yields no alert, on purpose "
                  "no absent()."),
    Alert("AppReadinessProbeFailing", "page", 2 * M,
          lambda p: f'avg_over_time({probe("load_balancer", "/readyz")}[{p.d(5 * M)}]) < {PROBE_SUCCESS_MIN:g}',
          "app /readyz probes through the load balancer are failing",
          "Only <value> of the blackbox probes of <instance> (through HAProxy) succeeded over the last [[300]]: "
          "no replica says it can take traffic (not ready, draining, or the store fails), or none answers.",
          value="humanizePercentage",
          comment="Seen from outside through HAProxy, as users come: it fails only when no replica answers "
                  "/readyz 200 (HAProxy retries a 503 on another replica). One replica's readiness is "
                  "AppReplicaOutOfRotation."),
    Alert("AppLivenessProbeFailing", "page", 2 * M,
          lambda p: f'avg_over_time({probe("load_balancer", "/livez")}[{p.d(5 * M)}]) < {PROBE_SUCCESS_MIN:g}',
          "app /livez probes through the load balancer are failing",
          "Only <value> of the blackbox probes of <instance> (through HAProxy) succeeded over the last [[300]]: "
          "no replica answers /livez 200; an orchestrator would restart them all.",
          value="humanizePercentage",
          comment="One replica not live is AppReplicaLivenessProbeFailing, a ticket."),
    # ---- tickets: a replica, a dependency or a resource needs an owner; users are not known to pay -------
    Alert("AppTargetDown", "ticket", 2 * M,
          lambda p: as_replica(f"up{{{APP}}} == 0\nor\nabsent(up{{{APP}}})", "instance"),
          "Prometheus cannot scrape a replica of app",
          "The replica <instance> does not answer Prometheus's scrape of /metrics (or no app target is "
          "configured at all): it is down, crashed, or not reachable. HAProxy sends its traffic to the others.",
          comment="One replica gone is a ticket: HAProxy takes it out and the others serve. All of them gone "
                  "pages through AppNoHealthyReplica and the budget burn at the load balancer."),
    Alert("AppRestarted", "ticket", 0,
          lambda p: f"changes(process_start_time_seconds{{{APP}}}[{p.d(10 * M)}]) > 0",
          "app restarted",
          "The process on <instance> started again <value> time(s) in the last [[600]]: it crashed or was "
          "killed, and a supervisor brought it back. A restart fast enough to be missed by the scrapes and "
          "probes still shows here.",
          comment="A crash that a restart policy undoes within a scrape or two never makes AppTargetDown fire; "
                  "the process's start time changing does. A ticket: one replica restarting is no outage "
                  "(HAProxy retries on the others); every replica at once pages (AppAllReplicasRestarted)."),
    Alert("AppReplicaOutOfRotation", "ticket", OUT_OF_ROTATION_FOR_S,
          lambda p: as_replica(
              f'haproxy_server_status{{{LB},state="DOWN"}} == 1\nor\n'
              f'min_over_time(haproxy_server_status{{{LB},state=~"MAINT|DRAIN|NOLB"}}[{p.d(HELD_OUT_S)}]) == 1',
              "server"),
          "A replica of app is out of rotation at the load balancer",
          "HAProxy has had replica <label:server> in state <label:state>: DOWN (failing its /readyz health "
          "checks) for [[300]], or MAINT, DRAIN or NOLB (set through the runtime API) for over [[3600]]. The "
          "others carry its traffic, with less headroom.",
          comment="DOWN is the health checks' verdict: for 5m, longer than a restart (a few checks), so a crash "
                  "undone by a supervisor does not count. MAINT, DRAIN and NOLB are set by hand or by a "
                  "deploy (a step of about 10 minutes): only one left so for a whole hour counts."),
    Alert("AppReplicaLivenessProbeFailing", "ticket", 2 * M,
          lambda p: f'avg_over_time({probe("replica", "/livez")}[{p.d(5 * M)}]) < {PROBE_SUCCESS_MIN:g}',
          "A replica of app fails its /livez probes",
          "Only <value> of the blackbox probes of <instance> (replica <label:replica>, probed directly) "
          "succeeded over the last [[300]]: an orchestrator would restart it. HAProxy checks /readyz only, so "
          "it may still be serving.",
          value="humanizePercentage",
          comment="Per replica, as a kubelet would probe it. Readiness per replica is HAProxy's own health "
                  "check: AppReplicaOutOfRotation."),
    Alert("BlackboxExporterDown", "ticket", 5 * M,
          lambda p: 'max by (job) (up{job="blackbox"}) == 0\nor\nabsent(up{job="blackbox"})',
          "The blackbox exporter that probes app is down",
          "Prometheus cannot scrape the blackbox exporter, so no /readyz or /livez probe of app runs and the "
          "probe alerts cannot fire.",
          comment="Without it the probe alerts are blind; a ticket, the app itself is not known to be hurt."),
    Alert("AppLatencyP99High", "ticket", 10 * M,
          lambda p: f"job:http_request_duration_seconds:p99_rate{p.d(5 * M)}{{{APP}}} > {LATENCY_OBJECTIVE_S:g}",
          "app p99 latency is above its 300 ms objective",
          "The 99th percentile of user request latency is <value> over the last [[300]], above the "
          f"objective of {LATENCY_QUANTILE:.0%} of requests within {LATENCY_OBJECTIVE_S * 1000:g} ms.",
          value="humanizeDuration",
          comment="For longer than the 5m window itself, so that a burst of slow requests that a single window "
                  "holds (up to about 5 minutes of it) does not count. A ticket: the latency budget's burn "
                  "pages when users pay."),
    Alert("AppRequestsStuckInFlight", "ticket", 5 * M,
          lambda p: (f"min_over_time(http_requests_in_flight{{{APP}}}[{p.d(5 * M)}])\n"
                     f">= on (job, instance)\n"
                     f"(\n  clamp_min(sum by (job, instance) (rate(http_requests_total{{{APP}}}[{p.d(1 * H)}])) "
                     f"* {STUCK_AFTER_S}, 1)\n  or\n"
                     f"  max by (job, instance) (http_requests_in_flight{{{APP}}}) * 0 + 1\n)"),
          "app requests are stuck in flight",
          "At least <value> user requests were in flight on <instance> at every scrape of the last [[300]], "
          f"more than its request rate of the last [[3600]] times {STUCK_AFTER_S} s (Little's law): requests are "
          "held and not answered.",
          comment=f"Per replica: in flight never below max(1, its requests/s over 1h × {STUCK_AFTER_S} s): a "
                  f"request that completes normally stays milliseconds, so this means requests stay "
                  f"{STUCK_AFTER_S} s or more or never finish. The fallback of 1 covers hung requests before any "
                  "request has finished. A ticket: HAProxy answers 504 after its `timeout server`, which the "
                  "budget burn at the load balancer pages for."),
    Alert("AppMemoryGrowing", "ticket", 10 * M,
          lambda p: (f"predict_linear(process_resident_memory_bytes{{{APP}}}[{p.d(30 * M)}], "
                     f"{p.seconds(MEMORY_HORIZON_S)}) > {MEMORY_BUDGET_BYTES}\n"
                     f"and\npredict_linear(process_resident_memory_bytes{{{APP}}}[{p.d(5 * M)}], "
                     f"{p.seconds(MEMORY_HORIZON_S)}) > {MEMORY_BUDGET_BYTES}"),
          "app resident memory is growing steadily",
          "At the rate resident memory of <instance> grew over the last [[1800]] and over the last [[300]], it "
          "reaches <value>B within [[14400]], over the 512 MiB budget: a leak.",
          value="humanize1024",
          comment="Growth over both a long and a short window, so a one-off step (a cache filling) that the "
                  "short window has left behind does not count."),
    Alert("AppCPUSaturated", "ticket", 10 * M,
          lambda p: f"rate(process_cpu_seconds_total{{{APP}}}[{p.d(5 * M)}]) > {CPU_CORES_MAX:g}",
          "app is using over half a CPU core",
          "The process on <instance> used <value> of one CPU core over the last [[300]], above "
          f"{CPU_CORES_MAX:.0%}: requests will queue behind it.",
          value="humanizePercentage",
          comment=f"Per replica. {CPU_CORES_MAX:g} of a core, not most of one: replicas that share a host share "
                  "its cores, so a burn on every replica gives each only its share."),
    Alert("AppStoreErrors", "ticket", 2 * M,
          lambda p: (f"job:app_store_call_errors_per_call:ratio_rate{p.d(5 * M)}{{{APP}}} > "
                     f"{STORE_ERROR_RATIO_MAX:g}"),
          "app store calls are failing",
          "<value> of the calls from app's replicas to their store (PostgreSQL or SQLite: add, list, get, ping) "
          f"failed over the last [[300]], above {STORE_ERROR_RATIO_MAX:.0%}.",
          value="humanizePercentage",
          comment="Summed over the replicas. A ticket: the failed calls answer 503, which the budget burn at the "
                  "load balancer pages for when users pay (HAProxy retries a GET's 503 on another replica)."),
    Alert("AppStoreNotReady", "ticket", 2 * M,
          lambda p: f'avg_over_time(app_not_ready{{{APP},reason="store"}}[{p.d(5 * M)}]) > 0.5',
          "app is not ready because its store fails",
          "<instance> reported itself not ready because of its store at <value> of the scrapes of the last "
          "[[300]].",
          value="humanizePercentage"),
    Alert("AppDatabasePoolSaturated", "ticket", 5 * M,
          lambda p: (f"(\n  {pool_in_use(p)}\n) >= {POOL_IN_USE_MAX:g}\nor\n(\n  {pool_in_use(p)}\n)\n"
                     f"and on (job, instance)\nrate(app_db_pool_timeouts_total{{{APP}}}[{p.d(5 * M)}]) > 0"),
          "The database pool of a replica of app is saturated",
          "<value> of the database pool of <instance> was in use on average over the last [[300]], or calls "
          "kept waiting longer than the pool timeout (app_db_pool_timeouts_total rising, each one a 503): "
          "requests queue for a connection.",
          value="humanizePercentage",
          comment=f"In use at {POOL_IN_USE_MAX:.0%} or more of app_db_pool_max_connections on average, or pool "
                  "timeouts in every window: sustained, not a burst. A replica without a pool (SQLite, max 0) "
                  "yields nothing."),
    Alert("DatabaseConnectionsNearMax", "ticket", 5 * M,
          lambda p: ('sum by (job, instance) (pg_stat_activity_count{job="postgres"})\n/ on (job, instance)\n'
                     f'max by (job, instance) (pg_settings_max_connections{{job="postgres"}})\n> {DB_CONNECTIONS_MAX:g}'),
          "PostgreSQL is near its max_connections",
          "<value> of PostgreSQL's max_connections at <instance> are open: one more replica, or a rollout "
          "that briefly runs one more, may be refused connections.",
          value="humanizePercentage",
          comment="Every replica's pool (app_db_pool_max_connections each) plus a rollout's extra replica, "
                  "the exporter and people's psql sessions share max_connections."),
]
ALERT = {a.name: a for a in ALERTS}


def alert_groups(p):
    def group(name, names):
        return dict(name=name, rules=[ALERT[n].rule(p) for n in names])
    return [
        group("app-load-balancer", ["AppNoHealthyReplica", "AppAllReplicasRestarted", "LoadBalancerDown",
                                    "AppReplicaOutOfRotation"]),
        group("app-latency", ["AppLatencyP99High"]),
        group("app-availability", ["AppTargetDown", "AppRestarted", "AppReadinessProbeFailing",
                                   "AppLivenessProbeFailing", "AppReplicaLivenessProbeFailing",
                                   "BlackboxExporterDown"]),
        group("app-saturation", ["AppRequestsStuckInFlight", "AppMemoryGrowing", "AppCPUSaturated"]),
        group("app-dependencies", ["AppStoreErrors", "AppStoreNotReady", "AppDatabasePoolSaturated",
                                   "DatabaseDown", "DatabaseConnectionsNearMax"]),
    ]




# --------------------------------------------------------------------------------------------------
# SLO rules: made by `incident slo rules` from ops/slo/*.yaml, read back for the tests
# --------------------------------------------------------------------------------------------------

INCIDENT = None  # the incident binary, set by main()
_SLO_OUTPUT = {}


def find_incident(explicit):
    """The incident binary: --incident, else $INCIDENT_BINARY, else the newest of .build/{debug,release},
    else one on PATH; None without any."""
    if explicit:
        return explicit
    if os.environ.get("INCIDENT_BINARY"):
        return os.environ["INCIDENT_BINARY"]
    built = [b for b in (ROOT / ".build/debug/incident", ROOT / ".build/release/incident") if os.access(b, os.X_OK)]
    if built:
        return str(max(built, key=lambda b: b.stat().st_mtime))
    return shutil.which("incident")


def slo_rules(p, *options):
    """The output of `incident slo rules ops/slo/*.yaml` for profile p, with `options`."""
    key = (p.name, options)
    if key not in _SLO_OUTPUT:
        files = sorted(str(f.relative_to(ROOT)) for f in (ROOT / SLO_DIR).glob("*.yaml"))
        command = [INCIDENT, "slo", "rules", *files, *options]
        if p.name != "production":
            command += ["--profile", p.name]
        if RUNBOOK_BASE != "docs/runbooks/":
            command += ["--runbook-base", RUNBOOK_BASE]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"make_rules: {' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}\n"
                     "build incident (swift build --product incident) or pass --incident BINARY")
        _SLO_OUTPUT[key] = done.stdout
    return _SLO_OUTPUT[key]


def slo_rules_text(p):
    """slo.yml of profile p, with its comments."""
    return slo_rules(p)


def parse_duration(text):
    return sum(int(n) * dict(s=S, m=M, h=H, d=D)[u] for n, u in re.findall(r"([0-9]+)([smhd])", text))


class SloAlert:
    """A burn-rate alert of slo.yml: its name, labels, `for:` and annotations, for the tests."""

    def __init__(self, rule):
        self.name, self.expr, self.labels = rule["alert"], rule["expr"], rule["labels"]
        self.severity, self.for_text, self.templates = self.labels["severity"], rule["for"], rule["annotations"]

    def for_seconds(self, p):
        return parse_duration(self.for_text)

    def fixed_labels(self):
        return self.labels

    def annotations(self, p, value, instance="", labels=None):
        return {k: v.replace("{{ $value | humanizePercentage }}", value) for k, v in self.templates.items()}

    def thresholds(self):
        """(long window in the profile's seconds, threshold) of each condition."""
        return [(parse_duration(w), float(t)) for w, t in re.findall(r"ratio_rate(\w+)\{[^}]*\} > ([0-9.]+)\n  and",
                                                                     self.expr)]


def slo_groups(p):
    """The groups of slo.yml: [{name, rules: [{record|alert, expr, for, labels, annotations}]}]."""
    return json.loads(slo_rules(p, "--json"))["groups"]


def slo_alerts(p):
    return [SloAlert(r) for g in slo_groups(p) for r in g["rules"] if "alert" in r]


def alerts_of(p):
    """Every alert of profile p by name: those of this script and those of slo.yml."""
    return {**ALERT, **{a.name: a for a in slo_alerts(p)}}


# --------------------------------------------------------------------------------------------------
# Test scenarios: series of samples, one per scrape interval
# --------------------------------------------------------------------------------------------------

# The production-like setup as prometheus.yml scrapes it: three replicas (job app, instance="replica-N"),
# HAProxy's exporter (job haproxy), the PostgreSQL exporter (job postgres), and the blackbox exporter probing
# through the load balancer (scope="load_balancer") and each replica directly (scope="replica").
REPLICAS = ["replica-1", "replica-2", "replica-3"]
INSTANCE = REPLICAS[0]  # the replica that a one-replica scenario breaks
REPLICA_ADDRESS = {r: f"127.0.0.1:{8081 + i}" for i, r in enumerate(REPLICAS)}
LB_ADDRESS = "127.0.0.1:8080"  # where users reach app: HAProxy's frontend
HAPROXY = "127.0.0.1:8404"  # HAProxy's exporter: instance of job haproxy
POSTGRES = "127.0.0.1:9187"  # the PostgreSQL exporter: instance of job postgres
READYZ = f"http://{LB_ADDRESS}/readyz"
LIVEZ = f"http://{LB_ADDRESS}/livez"
HAPROXY_STATES = ["UP", "DOWN", "MAINT", "DRAIN", "NOLB"]  # haproxy_server_status{state}: 1 for the current one
LB_CODES = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"]  # haproxy_backend_http_responses_total{code}
START_TIME = 1_700_000_000  # process_start_time_seconds of the replicas in a scenario


def replica_url(replica, path):
    return f"http://{REPLICA_ADDRESS[replica]}{path}"


def num(x):
    x = float(x)
    return str(int(x)) if x == int(x) else repr(round(x, 9))


# The app's bounds, written as the app writes `le` (as the Go client does: "0.1", "1", "+Inf").
BUCKETS = [num(b) for b in CONTRACT["request_duration_buckets_seconds"]] + ["+Inf"]


def counter(segments, start=0):
    """A counter: segments of (samples, increase per sample); the first sample is `start`."""
    parts, value, first = [], start, True
    for n, inc in segments:
        if first:
            parts.append(f"{num(value)}+{num(inc)}x{n - 1}")
            value += inc * (n - 1)
            first = False
        else:
            parts.append(f"{num(value + inc)}+{num(inc)}x{n - 1}")
            value += inc * n
    return " ".join(parts)


def gauge(segments):
    """A gauge: segments of (samples, value); a value of None is n missing samples (a failed scrape)."""
    return " ".join(f"_x{n}" if v is None else f"{num(v)}+0x{n - 1}" for n, v in segments)


def cycle(values, n):
    """A gauge repeating `values` for n samples."""
    return " ".join(num(values[i % len(values)]) for i in range(n))


def code_class(status):
    """HAProxy's class of an answer the app gave: an abort (599, the connection closed without an answer)
    is HAProxy's 502."""
    return f"{status[0]}xx"


class Traffic:
    """User traffic: segments of (samples, {(method, route, status): requests per sample}, latency bucket),
    or (samples, mix, bucket, {code: answers per sample at the load balancer}) when HAProxy's answers are not
    the replicas' (its own 503s, say).

    Every replica of `replicas` answers the same mix (so the ratios are those of one), each with its
    http_requests_total and, with `histogram`, its latency histogram; HAProxy's backend `app` answers what
    they answered together, as haproxy_backend_http_responses_total of every code class."""

    def __init__(self, segments, histogram=True, replicas=REPLICAS, lb=True):
        self.segments = [s if len(s) == 4 else (*s, None) for s in segments]
        self.histogram, self.replicas, self.lb = histogram, replicas, lb

    def lb_codes(self, mix, codes):
        if codes is not None:
            return {c: codes.get(c, 0) for c in LB_CODES}
        out = {c: 0 for c in LB_CODES}
        for (_, _, status), count in mix.items():
            out[code_class(status)] += count * max(len(self.replicas), 1)
        return out

    def series(self):
        keys = []
        for _, mix, _, _ in self.segments:
            keys += [k for k in mix if k not in keys]
        out = []
        for replica in self.replicas:
            for method, route, status in keys:
                labels = f'{APP},instance="{replica}",method="{method}",route="{route}",status="{status}"'
                counts = [(n, mix.get((method, route, status), 0)) for n, mix, _, _ in self.segments]
                out.append(dict(series=f"http_requests_total{{{labels}}}", values=counter(counts)))
            if not self.histogram:
                continue
            # One histogram for all of them (histogram_quantile sums by le anyway).
            labels = f'{APP},instance="{replica}",method="GET",route="/",status="200"'
            for le in BUCKETS:
                incs = [(n, sum(mix.values()) if float(le) >= bucket else 0) for n, mix, bucket, _ in self.segments]
                out.append(dict(series=f'http_request_duration_seconds_bucket{{{labels},le="{le}"}}',
                                values=counter(incs)))
            incs = [(n, sum(mix.values())) for n, mix, _, _ in self.segments]
            out.append(dict(series=f"http_request_duration_seconds_count{{{labels}}}", values=counter(incs)))
            sums = [(n, sum(mix.values()) * bucket / 2) for n, mix, bucket, _ in self.segments]
            out.append(dict(series=f"http_request_duration_seconds_sum{{{labels}}}", values=counter(sums)))
        if self.lb:
            per_segment = [(n, self.lb_codes(mix, codes)) for n, mix, _, codes in self.segments]
            for code in LB_CODES:
                out.append(dict(
                    series=f'haproxy_backend_http_responses_total{{job="haproxy",instance="{HAPROXY}",proxy="app",'
                           f'code="{code}"}}',
                    values=counter([(n, codes[code]) for n, codes in per_segment])))
        return out


def mix(ok=1000, client_errors=0, server_errors=0, aborts=0, status="500"):
    """Requests per sample: successes on three routes, 4xx, 5xx and aborts (599)."""
    m = {("GET", "/", "200"): ok * 5 // 10, ("GET", "/api/notes", "200"): ok * 3 // 10,
         ("POST", "/api/notes", "201"): ok - ok * 5 // 10 - ok * 3 // 10}
    if client_errors:
        m[("GET", "/api/notes/{id}", "404")] = client_errors - client_errors // 2
        m[("GET", "NotFound", "404")] = client_errors // 2
    if server_errors:
        m[("GET", "/api/notes", status)] = server_errors
    if aborts:
        m[("POST", "/api/notes", "599")] = aborts
    return m


FAST = 0.005  # normal answers: a few milliseconds
SLOW = 1  # a second: over every latency threshold the rules read


def p99_text(latency):
    """What histogram_quantile(0.99, …) reads, as humanizeDuration writes it, when every request takes
    `latency` seconds: interpolated between the bounds of its bucket."""
    bounds = [float(b) for b in BUCKETS[:-1]]
    upper = next(b for b in bounds if b >= latency)
    lower = max((b for b in bounds if b < upper), default=0)
    return f"{(lower + (upper - lower) * LATENCY_QUANTILE) * 1000:.4g}ms"


def replica_process(p, n, replica, cpu_cores=0.05, rss=40e6, pool=4):
    """Series of one healthy replica and its own probes for n samples; `pool` is its database pool's size
    (0: SQLite, no pool)."""
    inst = f'{APP},instance="{replica}"'
    out = [
        dict(series=f"up{{{inst}}}", values=gauge([(n, 1)])),
        dict(series=f"http_requests_in_flight{{{inst}}}", values=cycle([0, 1, 0, 0, 2], n)),
        dict(series=f"process_cpu_seconds_total{{{inst}}}", values=counter([(n, cpu_cores * p.interval_s)], start=3)),
        dict(series=f"process_resident_memory_bytes{{{inst}}}", values=cycle([rss, rss + 2e6, rss - 1e6, rss + 1e6], n)),
        dict(series=f"process_start_time_seconds{{{inst}}}", values=gauge([(n, START_TIME)])),
        dict(series=f"app_ready{{{inst}}}", values=gauge([(n, 1)])),
    ]
    out += [dict(series=f'app_not_ready{{{inst},reason="{r}"}}', values=gauge([(n, 0)]))
            for r in ("starting", "draining", "fault", "store")]
    out += [dict(series=f'app_store_calls_total{{{inst},operation="{op}",result="ok"}}', values=counter([(n, k)]))
            for op, k in (("ping", 2), ("add", 100), ("list", 300))]
    in_use = [0, 1, 0, 2] if pool else [0]
    out += [
        dict(series=f"app_db_pool_max_connections{{{inst}}}", values=gauge([(n, pool)])),
        dict(series=f'app_db_pool_connections{{{inst},state="in_use"}}', values=cycle(in_use, n)),
        dict(series=f'app_db_pool_connections{{{inst},state="idle"}}', values=cycle([pool - u for u in in_use], n)),
        dict(series=f"app_db_pool_waiting_requests{{{inst}}}", values=gauge([(n, 0)])),
        dict(series=f"app_db_pool_timeouts_total{{{inst}}}", values=gauge([(n, 0)])),
    ]
    for path in ("/readyz", "/livez"):
        labels = f'job="blackbox",instance="{replica_url(replica, path)}",replica="{replica}",scope="replica"'
        out += [dict(series=f"up{{{labels}}}", values=gauge([(n, 1)])),
                dict(series=f"probe_success{{{labels}}}", values=gauge([(n, 1)]))]
    return out


def load_balancer(n, replicas=REPLICAS):
    """HAProxy with every replica UP for n samples, and the blackbox probes through it."""
    out = [dict(series=f'up{{job="haproxy",instance="{HAPROXY}"}}', values=gauge([(n, 1)])),
           dict(series=f'haproxy_backend_active_servers{{{LB},instance="{HAPROXY}"}}', values=gauge([(n, len(replicas))]))]
    out += [dict(series=server_status(r, state), values=gauge([(n, 1 if state == "UP" else 0)]))
            for r in replicas for state in HAPROXY_STATES]
    for url in (READYZ, LIVEZ):
        labels = f'job="blackbox",instance="{url}",scope="load_balancer"'
        out += [dict(series=f"up{{{labels}}}", values=gauge([(n, 1)])),
                dict(series=f"probe_success{{{labels}}}", values=gauge([(n, 1)]))]
    return out


def server_status(replica, state):
    return f'haproxy_server_status{{{LB},instance="{HAPROXY}",server="{replica}",state="{state}"}}'


def server_states(replica, segments):
    """haproxy_server_status of one replica: segments of (samples, state)."""
    return [dict(series=server_status(replica, state),
                 values=gauge([(k, 1 if s == state else 0) for k, s in segments])) for state in HAPROXY_STATES]


def database(n, connections=14, max_connections=50):
    """The PostgreSQL exporter, the database up, `connections` of `max_connections` open, for n samples."""
    server = f'job="postgres",instance="{POSTGRES}",server="127.0.0.1:5432"'
    return [dict(series=f'up{{job="postgres",instance="{POSTGRES}"}}', values=gauge([(n, 1)])),
            dict(series=f'pg_up{{job="postgres",instance="{POSTGRES}"}}', values=gauge([(n, 1)])),
            dict(series=f"pg_settings_max_connections{{{server}}}", values=gauge([(n, max_connections)]))
            ] + activity([(n, connections)])


def activity(segments, active=2):
    """pg_stat_activity_count as the exporter writes it (per database and state): segments of (samples,
    connections open in all), `active` of them active."""
    server = f'job="postgres",instance="{POSTGRES}",server="127.0.0.1:5432"'
    return [dict(series=f'pg_stat_activity_count{{{server},datname="app",state="active"}}',
                 values=gauge([(k, active) for k, _ in segments])),
            dict(series=f'pg_stat_activity_count{{{server},datname="app",state="idle"}}',
                 values=gauge([(k, c - active) for k, c in segments])),
            dict(series=f'pg_stat_activity_count{{{server},datname="postgres",state="idle"}}',
                 values=gauge([(sum(k for k, _ in segments), 0)]))]


def healthy_process(p, n, cpu_cores=0.05, rss=40e6, pool=4, postgres=True):
    """Series of the whole setup, healthy, for n samples: every replica, HAProxy, the probes, PostgreSQL
    (without it, `postgres=False`, as with SQLite)."""
    out = [s for r in REPLICAS for s in replica_process(p, n, r, cpu_cores, rss, pool)] + load_balancer(n)
    return out + (database(n) if postgres else [])


def replace(series, name_prefix, new):
    """series without those whose selector starts with name_prefix, and with new."""
    out = [s for s in series if not s["series"].startswith(name_prefix)]
    return out + new


def pages(p):
    """The paging alerts of profile p, by name."""
    return sorted(n for n, a in alerts_of(p).items() if a.fixed_labels()["severity"] == "page")


def silent(names, times):
    return [dict(eval_time=t, alertname=n, exp_alerts=[]) for n in names for t in times]


def firing(p, name, t, value, labels=None, instance=""):
    alert = alerts_of(p)[name]
    exp = dict(exp_labels=dict(labels or {}, **alert.fixed_labels()),
               exp_annotations=alert.annotations(p, value, instance, labels))
    return dict(eval_time=t, alertname=name, exp_alerts=[exp])


def at(p, samples):
    """The time of sample `samples` in profile p."""
    return fmt_duration(samples * p.interval_s)


def after_for(p, name, samples):
    """Samples to wait after a condition holds before the alert must fire: its `for:` in this profile,
    in samples, plus 2 for the windows to see the change."""
    return -(-alerts_of(p)[name].for_seconds(p) // p.interval_s) + 2


def slo_tests(p):
    normal = mix(ok=990, client_errors=10)
    app_job = dict(job="app")
    tests = []
    slo_records = [(r["record"], r["labels"]) for g in slo_groups(p) for r in g["rules"] if "record" in r]

    def sample(name, labels):
        return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"

    # 1. No 5xx yet: every error ratio is 0, not "no data"; nothing fires.
    n = 40
    tests.append(dict(
        name="no 5xx yet: error ratios are 0, not no data; no alert on normal traffic with 1 % of 4xx, three "
             "replicas behind HAProxy and PostgreSQL all healthy",
        interval=at(p, 1),
        input_series=Traffic([(n, normal, FAST)]).series() + healthy_process(p, n),
        promql_expr_test=[
            dict(expr=sample(name, labels), eval_time=at(p, 30),
                 exp_samples=[dict(labels=sample(name, labels), value=0)])
            for name, labels in slo_records] + [
            dict(expr=f"job:http_request_errors:rate{p.d(5 * M)}", eval_time=at(p, 30),
                 exp_samples=[dict(labels=f'job:http_request_errors:rate{p.d(5 * M)}{{job="app"}}', value=0)]),
            dict(expr=f"job:app_store_call_errors_per_call:ratio_rate{p.d(5 * M)}", eval_time=at(p, 30),
                 exp_samples=[dict(labels=f'job:app_store_call_errors_per_call:ratio_rate{p.d(5 * M)}{{job="app"}}',
                                   value=0)]),
        ],
        alert_rule_test=silent(sorted(alerts_of(p)), [at(p, t) for t in (10, 20, 30, 39)])))

    # 2. Idle: counters exist but no request in the window: the ratio is 0, not NaN.
    tests.append(dict(
        name="idle after traffic: error ratio 0, not NaN",
        interval=at(p, 1),
        input_series=Traffic([(10, normal, FAST), (20, {k: 0 for k in normal}, FAST)]).series(),
        promql_expr_test=[dict(expr=slo_ratio(p, 5 * M), eval_time=at(p, 25),
                               exp_samples=[dict(labels=slo_ratio_sample(p, 5 * M), value=0)])]))

    # 3. 6.25 % of requests fail (500s and aborts): fast burn (14.4× over 1h and 5m) pages.
    bad = mix(ok=960, server_errors=40, aborts=24)  # 1/16 fail: a ratio that floats hold exactly
    tests.append(dict(
        name="6.25 % errors (500 and 599 aborts) after an hour of normal traffic: fast burn pages, slow burn tickets",
        interval=at(p, 1),
        input_series=Traffic([(60, normal, FAST), (40, bad, FAST)]).series(),
        promql_expr_test=[dict(expr=f"abs({slo_ratio(p, 5 * M)} - 0.0625) < bool 1e-9", eval_time=at(p, 70),
                               exp_samples=[dict(labels=f'{{service="app",slo="{AVAILABILITY_SLO}"}}', value=1)])],
        alert_rule_test=(
            silent(["AppErrorBudgetBurnFast"], [at(p, 62)])
            + [firing(p, "AppErrorBudgetBurnFast", at(p, 90), "3.266%")]
            + [firing(p, "AppErrorBudgetBurnSlow", at(p, 90), "2.186%")]
            + silent(["AppLatencyP99High", "AppLatencyBudgetBurnFast", "AppStoreErrors", "AppRequestsStuckInFlight"],
                     [at(p, 90)]))))

    # 3a. Every replica crashed at once: for three samples HAProxy had no replica and answered every request
    #     503 itself, while the replicas, gone, counted nothing. The budget burns at the load balancer; the
    #     server-side error rate (sli.yml) stays 0: before the SLI moved to HAProxy, this cost no budget.
    outage = {c: 0 for c in LB_CODES}
    outage["5xx"] = 3000
    tests.append(dict(
        name="errors at the load balancer only (every replica down: HAProxy answers 503, the replicas count "
             "nothing): fast burn pages",
        interval=at(p, 1),
        input_series=Traffic([(60, normal, FAST), (3, {k: 0 for k in normal}, FAST, outage),
                              (30, normal, FAST)]).series(),
        promql_expr_test=[
            dict(expr=f"job:http_request_errors:rate{p.d(5 * M)}", eval_time=at(p, 63),
                 exp_samples=[dict(labels=f'job:http_request_errors:rate{p.d(5 * M)}{{job="app"}}', value=0)]),
            dict(expr=f"{slo_ratio(p, 5 * M)} > bool 0.5", eval_time=at(p, 63),
                 exp_samples=[dict(labels=f'{{service="app",slo="{AVAILABILITY_SLO}"}}', value=1)])],
        alert_rule_test=(silent(["AppErrorBudgetBurnFast"], [at(p, 60)])
                         + [firing(p, "AppErrorBudgetBurnFast", at(p, 65), "5%")])))

    # 3b. An abort on every request: every answer is a 599.
    tests.append(dict(
        name="abort on every request (all 599) after an hour of normal traffic: fast burn pages within its for:",
        interval=at(p, 1),
        input_series=Traffic([(60, normal, FAST), (20, mix(ok=0, aborts=1000), FAST)], histogram=False).series(),
        alert_rule_test=(silent(["AppErrorBudgetBurnFast"], [at(p, 60)])
                         + [firing(p, "AppErrorBudgetBurnFast", at(p, 67), "13.33%")])))

    # 4. 1 % of requests fail from the start: below 14.4×, above 6×: the 6h/30m page.
    tests.append(dict(
        name="1 % errors: only the 6× over 6h and 30m page fires",
        interval=at(p, 1),
        input_series=Traffic([(40, mix(ok=990, server_errors=10, status="503"), FAST)]).series(),
        alert_rule_test=(silent(["AppErrorBudgetBurnFast"], [at(p, 1)])
                         + [firing(p, "AppErrorBudgetBurnFast", at(p, 20), "1%")]
                         + [firing(p, "AppErrorBudgetBurnSlow", at(p, 30), "1%")])))

    # 5. 0.15 % of requests fail: only the 1× over 3d and 6h ticket.
    tests.append(dict(
        name="0.15 % errors: no page, the 1× over 3d and 6h ticket",
        interval=at(p, 1),
        input_series=Traffic([(40, mix(ok=9985, server_errors=15), FAST)]).series(),
        alert_rule_test=(silent(["AppErrorBudgetBurnFast"], [at(p, t) for t in (10, 20, 39)])
                         + silent(["AppErrorBudgetBurnSlow"], [at(p, 10)])
                         + [firing(p, "AppErrorBudgetBurnSlow", at(p, 30), "0.15%")])))

    # 6. A short blip after a day of normal traffic: half the requests fail for one sample (a minute).
    day = 1440
    tests.append(dict(
        name="a one-minute blip of 50 % errors after a day of normal traffic: no page, no ticket",
        interval=at(p, 1),
        input_series=Traffic([(day, normal, FAST), (1, mix(ok=500, server_errors=500), FAST),
                              (60, normal, FAST)], histogram=False, replicas=[]).series(),
        alert_rule_test=silent(["AppErrorBudgetBurnFast", "AppErrorBudgetBurnSlow"],
                               [at(p, day + t) for t in (1, 3, 6, 10, 20, 40, 60)])))

    # 7. A day of normal traffic, then two hours of 0.5 % errors: the 2h window is over 3× and the 6h one
    #    over 1×, but the 1d and 3d windows are not: the long windows keep the ticket quiet. The thresholds
    #    are those of the generated ticket (3× and 1× the budget).
    (_, three), (_, one) = alerts_of(p)["AppErrorBudgetBurnSlow"].thresholds()
    tests.append(dict(
        name="two hours of 0.5 % errors after a clean day: the long windows keep the ticket quiet",
        interval=at(p, 1),
        input_series=Traffic([(day, mix(ok=1000), FAST), (120, mix(ok=995, server_errors=5), FAST)],
                             histogram=False, replicas=[]).series(),
        promql_expr_test=[dict(expr=f"{slo_ratio(p, w)} {op} bool {threshold:g}",
                               eval_time=at(p, day + 119),
                               exp_samples=[dict(labels=f'{{service="app",slo="{AVAILABILITY_SLO}"}}', value=1)])
                          for w, op, threshold in ((2 * H, ">", three), (1 * D, "<", three), (6 * H, ">", one),
                                                   (3 * D, "<", one))],
        alert_rule_test=silent(["AppErrorBudgetBurnFast", "AppErrorBudgetBurnSlow"],
                               [at(p, day + t) for t in (30, 60, 90, 119)])))

    # 8. Latency: every request takes a second: the latency SLI is 1 (every request slower than 300 ms), the
    #    p99 alert pages after its for:, and so does the latency burn rate.
    tests.append(dict(
        name="all requests take a second: p99 above 300 ms and the latency budget's burn page, then ticket",
        interval=at(p, 1),
        input_series=Traffic([(30, normal, FAST), (30, normal, SLOW)]).series(),
        promql_expr_test=[dict(expr=slo_ratio(p, 5 * M, LATENCY_SLO), eval_time=at(p, 45),
                               exp_samples=[dict(labels=slo_ratio_sample(p, 5 * M, LATENCY_SLO), value=1)])],
        alert_rule_test=(silent(["AppLatencyP99High"], [at(p, 31), at(p, 38)])
                         + [firing(p, "AppLatencyP99High", at(p, 30 + after_for(p, "AppLatencyP99High", 0)), p99_text(SLOW),
                                   app_job)]
                         + silent(["AppLatencyBudgetBurnFast"], [at(p, 31)])
                         # 21 of 50 samples slow over the 1h window (all the history), 30 of 59 over the 1d one.
                         + [firing(p, "AppLatencyBudgetBurnFast", at(p, 50), "42%")]
                         + [firing(p, "AppLatencyBudgetBurnSlow", at(p, 59), "50.85%")]
                         + silent(["AppErrorBudgetBurnFast"], [at(p, 50)]))))

    # 9. Latency blip: two samples (minutes) of slow requests, after 6 hours of fast ones (so that the 6h
    #    window of the burn rate is full: with less history, 2 slow minutes are a larger share of it).
    six_hours = 360
    tests.append(dict(
        name="two minutes of slow requests after six fast hours: no page",
        interval=at(p, 1),
        input_series=Traffic([(six_hours, normal, FAST), (2, normal, SLOW), (30, normal, FAST)], lb=False,
                             replicas=[INSTANCE]).series(),
        alert_rule_test=silent(["AppLatencyP99High", "AppLatencyBudgetBurnFast"],
                               [at(p, six_hours + t) for t in (2, 3, 4, 5, 8, 10, 12, 15, 20)])))
    return tests


def availability_tests(p):
    tests = []
    up = f'up{{{APP},instance="{INSTANCE}"}}'
    target = dict(job="app", instance=INSTANCE)
    tests.append(dict(
        name="one replica stops answering scrapes (crash, not restarted): AppTargetDown, a ticket",
        interval=at(p, 1),
        input_series=[dict(series=up, values=gauge([(10, 1), (20, 0)]))],
        alert_rule_test=(silent(["AppTargetDown"], [at(p, 5), at(p, 11)])
                         + [firing(p, "AppTargetDown", at(p, 10 + after_for(p, "AppTargetDown", 0)), "0",
                                   dict(target, replica=INSTANCE), INSTANCE)])))
    start = f'process_start_time_seconds{{{APP},instance="{INSTANCE}"}}'
    tests.append(dict(
        name="the process starts again (a crash undone by a restart): AppRestarted",
        interval=at(p, 1),
        input_series=[dict(series=start, values=gauge([(10, START_TIME), (20, START_TIME + 600)]))],
        alert_rule_test=(silent(["AppRestarted"], [at(p, 5), at(p, 9)])
                         + [firing(p, "AppRestarted", at(p, 11), "1", target, INSTANCE)])))
    tests.append(dict(
        name="a process that keeps running never fires AppRestarted",
        interval=at(p, 1),
        input_series=[dict(series=start, values=gauge([(30, START_TIME)]))],
        alert_rule_test=silent(["AppRestarted"], [at(p, t) for t in (1, 10, 20, 29)])))
    tests.append(dict(
        name="one failed scrape is a blip: no AppTargetDown",
        interval=at(p, 1),
        input_series=[dict(series=up, values=gauge([(10, 1), (1, 0), (20, 1)]))],
        alert_rule_test=silent(["AppTargetDown"], [at(p, t) for t in (10, 11, 12, 13, 15, 20)])))
    tests.append(dict(
        name="no app target at all: AppTargetDown through absent()",
        interval=at(p, 1),
        input_series=[dict(series=f'up{{job="blackbox",instance="{READYZ}",scope="load_balancer"}}',
                           values=gauge([(20, 1)]))],
        alert_rule_test=[firing(p, "AppTargetDown", at(p, after_for(p, "AppTargetDown", 0) + 2), "1",
                                dict(job="app"), "")]))
    for name, url in (("AppReadinessProbeFailing", READYZ), ("AppLivenessProbeFailing", LIVEZ)):
        probe_series = f'probe_success{{job="blackbox",instance="{url}",scope="load_balancer"}}'
        labels = dict(job="blackbox", instance=url, scope="load_balancer")
        tests.append(dict(
            name=f"every probe of {url} through the load balancer fails: {name}",
            interval=at(p, 1),
            input_series=[dict(series=probe_series, values=gauge([(10, 1), (20, 0)]))],
            alert_rule_test=(silent([name], [at(p, 5), at(p, 11)])
                             + [firing(p, name, at(p, 12 + after_for(p, name, 0)), "0%", labels, url)])))
        tests.append(dict(
            name=f"half the probes of {url} through the load balancer fail: {name}",
            interval=at(p, 1),
            input_series=[dict(series=probe_series, values=gauge([(10, 1)]) + " " + cycle([0, 1], 20))],
            alert_rule_test=[firing(p, name, at(p, 12 + after_for(p, name, 0)), "50%", labels, url)]))
        tests.append(dict(
            name=f"one failed probe of {url} is a blip: no {name}",
            interval=at(p, 1),
            input_series=[dict(series=probe_series, values=gauge([(10, 1), (1, 0), (20, 1)]))],
            alert_rule_test=silent([name], [at(p, t) for t in (10, 11, 12, 14, 16, 20)])))
    # One replica not live (or not ready), probed directly: a ticket for that replica; the probes through the
    # load balancer, which HAProxy answers from the other replicas, stay green and nothing pages.
    one = f'job="blackbox",replica="{INSTANCE}",scope="replica"'
    livez = dict(job="blackbox", instance=replica_url(INSTANCE, "/livez"), replica=INSTANCE, scope="replica")
    replica_probes = [dict(series=f'probe_success{{{one},instance="{replica_url(INSTANCE, path)}"}}',
                           values=gauge([(10, 1), (20, 0)])) for path in ("/readyz", "/livez")]
    tests.append(dict(
        name="one replica fails its own /readyz and /livez probes: AppReplicaLivenessProbeFailing tickets, "
             "the load balancer's probes do not page",
        interval=at(p, 1),
        input_series=replica_probes + load_balancer(30),
        alert_rule_test=(silent(["AppReplicaLivenessProbeFailing"], [at(p, 5), at(p, 11)])
                         + [firing(p, "AppReplicaLivenessProbeFailing",
                                   at(p, 12 + after_for(p, "AppReplicaLivenessProbeFailing", 0)), "0%", livez,
                                   livez["instance"])]
                         + silent(["AppReadinessProbeFailing", "AppLivenessProbeFailing"],
                                  [at(p, t) for t in (12, 20, 29)]))))
    tests.append(dict(
        name="one failed /livez probe of a replica is a blip: no AppReplicaLivenessProbeFailing",
        interval=at(p, 1),
        input_series=[dict(series=f'probe_success{{{one},instance="{livez["instance"]}"}}',
                           values=gauge([(10, 1), (1, 0), (20, 1)]))],
        alert_rule_test=silent(["AppReplicaLivenessProbeFailing"], [at(p, t) for t in (10, 11, 12, 14, 16, 20)])))
    exporter = [f'up{{job="blackbox",instance="{u}",scope="load_balancer"}}' for u in (READYZ, LIVEZ)]
    tests.append(dict(
        name="the blackbox exporter stops answering: BlackboxExporterDown",
        interval=at(p, 1),
        input_series=[dict(series=s, values=gauge([(5, 1), (20, 0)])) for s in exporter],
        alert_rule_test=(silent(["BlackboxExporterDown"], [at(p, 6)])
                         + [firing(p, "BlackboxExporterDown", at(p, 5 + after_for(p, "BlackboxExporterDown", 0)), "0",
                                   dict(job="blackbox"))])))
    tests.append(dict(
        name="one failed scrape of the blackbox exporter is a blip",
        interval=at(p, 1),
        input_series=[dict(series=s, values=gauge([(5, 1), (1, 0), (20, 1)])) for s in exporter],
        alert_rule_test=silent(["BlackboxExporterDown"], [at(p, t) for t in (5, 6, 8, 10, 15)])))
    return tests


def load_balancer_tests(p):
    """HAProxy in front of the replicas: what pages (no replica, all crashed at once, HAProxy down) and what
    does not (one replica crashed, out of rotation, a deploy step)."""
    tests = []
    normal = mix(ok=990, client_errors=10)
    n = 30
    start = lambda r: f'process_start_time_seconds{{{APP},instance="{r}"}}'

    # One replica crashes and a supervisor restarts it within a scrape: one failed scrape, a new start time,
    # two failed health checks (DOWN for two samples), its own probes failing once; HAProxy retries the refused
    # connections on the others, so users see no error. A ticket (AppRestarted), no page.
    crashed = healthy_process(p, n) + Traffic([(n, normal, FAST)], histogram=False).series()
    crashed = replace(crashed, f'up{{{APP},instance="{INSTANCE}"}}',
                      [dict(series=f'up{{{APP},instance="{INSTANCE}"}}', values=gauge([(10, 1), (1, 0), (19, 1)]))])
    crashed = replace(crashed, start(INSTANCE),
                      [dict(series=start(INSTANCE), values=gauge([(10, START_TIME), (1, None), (19, START_TIME + 600)]))])
    crashed = replace(crashed, f'haproxy_server_status{{{LB},instance="{HAPROXY}",server="{INSTANCE}"',
                      server_states(INSTANCE, [(10, "UP"), (2, "DOWN"), (18, "UP")]))
    crashed = replace(crashed, f'haproxy_backend_active_servers{{{LB}',
                      [dict(series=f'haproxy_backend_active_servers{{{LB},instance="{HAPROXY}"}}',
                            values=gauge([(10, 3), (2, 2), (18, 3)]))])
    for path in ("/readyz", "/livez"):
        series = (f'probe_success{{job="blackbox",instance="{replica_url(INSTANCE, path)}",replica="{INSTANCE}",'
                  'scope="replica"}')
        crashed = replace(crashed, series, [dict(series=series, values=gauge([(10, 1), (1, 0), (19, 1)]))])
    tests.append(dict(
        name="one replica of three crashes and is restarted within a scrape: AppRestarted tickets, nothing pages",
        interval=at(p, 1),
        input_series=crashed,
        alert_rule_test=(silent(["AppRestarted"], [at(p, 10)])
                         + [firing(p, "AppRestarted", at(p, 11), "1", dict(job="app", instance=INSTANCE), INSTANCE)]
                         + silent(pages(p) + ["AppReplicaOutOfRotation", "AppTargetDown",
                                              "AppReplicaLivenessProbeFailing"],
                                  [at(p, t) for t in (10, 11, 12, 13, 15, 18, 22, 29)]))))

    # Every replica crashes at once (the same poison request, the shared database): a page, even when the
    # supervisor brings them back before HAProxy or the scrapes notice.
    tests.append(dict(
        name="every replica restarts at once: AppAllReplicasRestarted pages",
        interval=at(p, 1),
        input_series=[dict(series=start(r), values=gauge([(10, START_TIME), (20, START_TIME + 600)]))
                      for r in REPLICAS] + [dict(series=f'up{{{APP},instance="{r}"}}', values=gauge([(30, 1)]))
                                            for r in REPLICAS],
        alert_rule_test=(silent(["AppAllReplicasRestarted"], [at(p, 9)])
                         + [firing(p, "AppAllReplicasRestarted", at(p, 10), "3", dict(job="app"))])))
    tests.append(dict(
        name="a rolling restart, one replica per 10-sample step (a deploy), or two of three at once: no "
             "AppAllReplicasRestarted",
        interval=at(p, 1),
        input_series=[dict(series=start(r), values=gauge([(10 * (i + 1), START_TIME), (45 - 10 * i, START_TIME + 600)]))
                      for i, r in enumerate(REPLICAS)]
                     + [dict(series=f'up{{{APP},instance="{r}"}}', values=gauge([(55, 1)])) for r in REPLICAS],
        alert_rule_test=silent(["AppAllReplicasRestarted"], [at(p, t) for t in (11, 12, 21, 22, 31, 32, 40)])))
    tests.append(dict(
        name="two replicas of three restart at once: no AppAllReplicasRestarted",
        interval=at(p, 1),
        input_series=[dict(series=start(r), values=gauge([(10, START_TIME), (20, START_TIME + 600)]))
                      for r in REPLICAS[:2]]
                     + [dict(series=start(REPLICAS[2]), values=gauge([(30, START_TIME)]))]
                     + [dict(series=f'up{{{APP},instance="{r}"}}', values=gauge([(30, 1)])) for r in REPLICAS],
        alert_rule_test=silent(["AppAllReplicasRestarted"], [at(p, t) for t in (11, 12, 13, 15)])))

    # No replica in rotation: HAProxy answers 503 to everyone.
    active = f'haproxy_backend_active_servers{{{LB},instance="{HAPROXY}"}}'
    backend = dict(job="haproxy", instance=HAPROXY, proxy="app")
    tests.append(dict(
        name="all replicas out of rotation (not ready, or down): AppNoHealthyReplica pages",
        interval=at(p, 1),
        input_series=[dict(series=active, values=gauge([(10, 3), (20, 0)]))],
        alert_rule_test=(silent(["AppNoHealthyReplica"], [at(p, 10)])
                         + [firing(p, "AppNoHealthyReplica", at(p, 10 + after_for(p, "AppNoHealthyReplica", 0)), "0",
                                   backend, HAPROXY)])))
    tests.append(dict(
        name="one sample with no replica in rotation is a blip: no AppNoHealthyReplica",
        interval=at(p, 1),
        input_series=[dict(series=active, values=gauge([(10, 3), (1, 0), (20, 3)]))],
        alert_rule_test=silent(["AppNoHealthyReplica"], [at(p, t) for t in (10, 11, 12, 13, 15, 20)])))

    # HAProxy itself.
    haproxy_up = f'up{{job="haproxy",instance="{HAPROXY}"}}'
    tests.append(dict(
        name="HAProxy stops answering: LoadBalancerDown pages",
        interval=at(p, 1),
        input_series=[dict(series=haproxy_up, values=gauge([(10, 1), (20, 0)]))],
        alert_rule_test=(silent(["LoadBalancerDown"], [at(p, 10)])
                         + [firing(p, "LoadBalancerDown", at(p, 10 + after_for(p, "LoadBalancerDown", 0)), "0",
                                   dict(job="haproxy", instance=HAPROXY), HAPROXY)])))
    tests.append(dict(
        name="one failed scrape of HAProxy is a blip: no LoadBalancerDown",
        interval=at(p, 1),
        input_series=[dict(series=haproxy_up, values=gauge([(10, 1), (1, 0), (20, 1)]))],
        alert_rule_test=silent(["LoadBalancerDown"], [at(p, t) for t in (10, 11, 12, 13, 15, 20)])))
    tests.append(dict(
        name="no haproxy target at all: LoadBalancerDown through absent() (the availability SLI is blind)",
        interval=at(p, 1),
        input_series=[dict(series=f'up{{{APP},instance="{INSTANCE}"}}', values=gauge([(20, 1)]))],
        alert_rule_test=[firing(p, "LoadBalancerDown", at(p, after_for(p, "LoadBalancerDown", 0) + 2), "1",
                                dict(job="haproxy"), "")]))

    # One replica out of rotation.
    def out_of_rotation(state):
        return dict(job="haproxy", instance=HAPROXY, proxy="app", server=REPLICAS[1], state=state,
                    replica=REPLICAS[1])
    tests.append(dict(
        name="a replica fails its health checks for good (DOWN): AppReplicaOutOfRotation tickets",
        interval=at(p, 1),
        input_series=server_states(REPLICAS[1], [(10, "UP"), (30, "DOWN")]),
        alert_rule_test=(silent(["AppReplicaOutOfRotation"], [at(p, 10), at(p, 13)])
                         + [firing(p, "AppReplicaOutOfRotation",
                                   at(p, 10 + after_for(p, "AppReplicaOutOfRotation", 0)), "1",
                                   out_of_rotation("DOWN"))])))
    tests.append(dict(
        name="a deploy step of 10 samples (DRAIN 2, MAINT 6, DOWN 2 until its checks pass, UP): no "
             "AppReplicaOutOfRotation",
        interval=at(p, 1),
        input_series=server_states(REPLICAS[1], [(10, "UP"), (2, "DRAIN"), (6, "MAINT"), (2, "DOWN"), (30, "UP")]),
        alert_rule_test=silent(["AppReplicaOutOfRotation"], [at(p, t) for t in range(10, 50, 3)])))
    tests.append(dict(
        name="a replica left in MAINT for over an hour: AppReplicaOutOfRotation tickets",
        interval=at(p, 1),
        input_series=server_states(REPLICAS[1], [(10, "UP"), (80, "MAINT")]),
        alert_rule_test=(silent(["AppReplicaOutOfRotation"], [at(p, t) for t in (20, 50, 69)])
                         + [firing(p, "AppReplicaOutOfRotation", at(p, 80), "1", out_of_rotation("MAINT"))])))
    return tests


def saturation_tests(p):
    tests = []
    inst = dict(job="app", instance=INSTANCE)
    in_flight = f'http_requests_in_flight{{{APP},instance="{INSTANCE}"}}'
    per_s = lambda r: r * p.interval_s  # requests per second → per sample

    def traffic(segments):
        # (samples, requests per second): 200s only, the in-flight check reads the request rate.
        return dict(series=f'http_requests_total{{{APP},instance="{INSTANCE}",method="GET",route="/",status="200"}}',
                    values=counter([(n, per_s(r)) for n, r in segments]))

    tests.append(dict(
        name="hang: 60 requests held in flight at 2 requests/s: AppRequestsStuckInFlight",
        interval=at(p, 1),
        input_series=[traffic([(40, 2)]), dict(series=in_flight, values=cycle([0, 1, 0], 10) + " " +
                                                                         gauge([(30, 60)]))],
        alert_rule_test=(silent(["AppRequestsStuckInFlight"], [at(p, 11)])
                         + [firing(p, "AppRequestsStuckInFlight",
                                   at(p, 10 + p.seconds(5 * M) // p.interval_s
                                      + after_for(p, "AppRequestsStuckInFlight", 0)), "60", inst, INSTANCE)])))
    others = [dict(series=f'http_requests_total{{{APP},instance="{r}",method="GET",route="/",status="200"}}',
                   values=counter([(40, per_s(20))])) for r in REPLICAS[1:]]
    tests.append(dict(
        name="one replica of three holds 30 requests at its 2 requests/s, the others serve 20/s each: "
             "AppRequestsStuckInFlight for that replica (its own rate, not the service's)",
        interval=at(p, 1),
        input_series=[traffic([(40, 2)]), dict(series=in_flight, values=cycle([0, 1, 0], 10) + " " +
                                                                         gauge([(30, 30)]))] + others,
        alert_rule_test=[firing(p, "AppRequestsStuckInFlight",
                                at(p, 10 + p.seconds(5 * M) // p.interval_s
                                   + after_for(p, "AppRequestsStuckInFlight", 0)), "30", inst, INSTANCE)]))
    tests.append(dict(
        name="hang before any request finished (no http_requests_total yet): one stuck request is enough",
        interval=at(p, 1),
        input_series=[dict(series=in_flight, values=gauge([(3, 0), (30, 1)]))],
        alert_rule_test=[firing(p, "AppRequestsStuckInFlight",
                                at(p, 3 + p.seconds(5 * M) // p.interval_s
                                   + after_for(p, "AppRequestsStuckInFlight", 0)), "1", inst, INSTANCE)]))
    tests.append(dict(
        name="busy but healthy: 40 in flight at 100 requests/s (0.4 s each) is not stuck",
        interval=at(p, 1),
        input_series=[traffic([(40, 100)]), dict(series=in_flight, values=gauge([(40, 40)]))],
        alert_rule_test=silent(["AppRequestsStuckInFlight"], [at(p, t) for t in (10, 20, 39)])))
    tests.append(dict(
        name="a two-sample burst of requests in flight is not stuck",
        interval=at(p, 1),
        input_series=[traffic([(40, 2)]), dict(series=in_flight, values=cycle([0, 1, 0], 10) + " 60 60 " +
                                                                         cycle([0, 1, 0], 28))],
        alert_rule_test=silent(["AppRequestsStuckInFlight"], [at(p, t) for t in (11, 13, 15, 20, 30)])))

    rss = f'process_resident_memory_bytes{{{APP},instance="{INSTANCE}"}}'
    mb = 1e6
    tests.append(dict(
        name="memory_leak at its defaults (10 MB per sample up to 256 MB, then flat): AppMemoryGrowing",
        interval=at(p, 1),
        input_series=[dict(series=rss, values=gauge([(30, 40 * mb)]) + " " +
                           counter([(26, 10 * mb)], start=50 * mb) + " " + gauge([(20, 296 * mb)]))],
        alert_rule_test=(silent(["AppMemoryGrowing"], [at(p, 31)])
                         + [firing(p, "AppMemoryGrowing", at(p, 52), "2.146Gi", inst, INSTANCE)])))
    tests.append(dict(
        name="a one-off step of 200 MB (a cache filling) is not a leak",
        interval=at(p, 1),
        input_series=[dict(series=rss, values=gauge([(30, 40 * mb), (40, 240 * mb)]))],
        alert_rule_test=silent(["AppMemoryGrowing"], [at(p, t) for t in range(30, 70, 3)])))
    tests.append(dict(
        name="flat memory with noise: no AppMemoryGrowing",
        interval=at(p, 1),
        input_series=[dict(series=rss, values=cycle([40 * mb, 42 * mb, 39 * mb, 41 * mb], 60))],
        alert_rule_test=silent(["AppMemoryGrowing"], [at(p, t) for t in (10, 30, 59)])))

    cpu = f'process_cpu_seconds_total{{{APP},instance="{INSTANCE}"}}'
    tests.append(dict(
        name="cpu_burn with one thread: a full core: AppCPUSaturated",
        interval=at(p, 1),
        input_series=[dict(series=cpu, values=counter([(30, 0.05 * p.interval_s), (30, 1.05 * p.interval_s)],
                                                        start=3))],
        alert_rule_test=(silent(["AppCPUSaturated"], [at(p, 33)])
                         + [firing(p, "AppCPUSaturated", at(p, 35 + after_for(p, "AppCPUSaturated", 0)), "105%", inst,
                                   INSTANCE)])))
    cpus = {r: f'process_cpu_seconds_total{{{APP},instance="{r}"}}' for r in REPLICAS}
    tests.append(dict(
        name="cpu_burn on every replica of a shared two-core host: each gets about two thirds of a core: "
             "AppCPUSaturated for each",
        interval=at(p, 1),
        input_series=[dict(series=cpus[r], values=counter([(30, 0.05 * p.interval_s), (30, 0.625 * p.interval_s)],
                                                           start=3)) for r in REPLICAS],
        alert_rule_test=(silent(["AppCPUSaturated"], [at(p, 33)])
                         + [dict(eval_time=at(p, 35 + after_for(p, "AppCPUSaturated", 0)), alertname="AppCPUSaturated",
                                 exp_alerts=[firing(p, "AppCPUSaturated", "", "62.5%", dict(job="app", instance=r),
                                                    r)["exp_alerts"][0] for r in REPLICAS])])))
    tests.append(dict(
        name="a replica busy at 0.4 of a core (eight times its usual) is not saturated",
        interval=at(p, 1),
        input_series=[dict(series=cpu, values=counter([(30, 0.05 * p.interval_s), (30, 0.4 * p.interval_s)],
                                                        start=3))],
        alert_rule_test=silent(["AppCPUSaturated"], [at(p, t) for t in (35, 45, 59)])))
    tests.append(dict(
        name="two samples of a busy core are a blip: no AppCPUSaturated",
        interval=at(p, 1),
        input_series=[dict(series=cpu, values=counter([(30, 0.05 * p.interval_s), (2, 1.05 * p.interval_s),
                                                        (30, 0.05 * p.interval_s)], start=3))],
        alert_rule_test=silent(["AppCPUSaturated"], [at(p, t) for t in (31, 33, 35, 40, 45)])))
    return tests


def dependency_tests(p):
    tests = []
    inst = dict(job="app", instance=INSTANCE)
    app_job = dict(job="app")

    def calls(ok, err):
        """Store calls per sample: ping 2, add and list by weight; `err` of every kind fail."""
        out = []
        for op in ("ping", "add", "list"):
            out.append(dict(series=f'app_store_calls_total{{{APP},instance="{INSTANCE}",operation="{op}",result="ok"}}',
                            values=counter([(n, k) for n, k in ok])))
            if err:
                out.append(dict(series=f'app_store_calls_total{{{APP},instance="{INSTANCE}",operation="{op}",'
                                       'result="error"}', values=counter([(n, k) for n, k in err])))
        return out

    tests.append(dict(
        name="dependency_down: every store call fails: AppStoreErrors",
        interval=at(p, 1),
        input_series=calls([(10, 10), (20, 0)], [(10, 0), (20, 10)]),
        alert_rule_test=(silent(["AppStoreErrors"], [at(p, 5), at(p, 11)])
                         + [firing(p, "AppStoreErrors", at(p, 11 + after_for(p, "AppStoreErrors", 0)), "100%",
                                   app_job)])))
    tests.append(dict(
        name="a tenth of the store calls fail for one sample: no AppStoreErrors",
        interval=at(p, 1),
        input_series=calls([(10, 10), (1, 9), (20, 10)], [(10, 0), (1, 1), (20, 0)]),
        alert_rule_test=silent(["AppStoreErrors"], [at(p, t) for t in (10, 11, 12, 14, 16, 20)])))
    store = f'app_not_ready{{{APP},instance="{INSTANCE}",reason="store"}}'
    labels = dict(inst, reason="store")
    tests.append(dict(
        name="readiness reports reason=store: AppStoreNotReady",
        interval=at(p, 1),
        input_series=[dict(series=store, values=gauge([(10, 0), (20, 1)]))],
        alert_rule_test=(silent(["AppStoreNotReady"], [at(p, 11)])
                         + [firing(p, "AppStoreNotReady", at(p, 12 + after_for(p, "AppStoreNotReady", 0)), "100%",
                                   labels, INSTANCE)])))
    tests.append(dict(
        name="two samples of reason=store are a blip: no AppStoreNotReady",
        interval=at(p, 1),
        input_series=[dict(series=store, values=gauge([(10, 0), (2, 1), (20, 0)]))],
        alert_rule_test=silent(["AppStoreNotReady"], [at(p, t) for t in (10, 11, 12, 14, 16, 20)])))
    return tests


def database_tests(p):
    """The PostgreSQL database every replica shares, and each replica's pool of connections to it."""
    tests = []
    pg = dict(job="postgres", instance=POSTGRES)
    pg_up = f'pg_up{{job="postgres",instance="{POSTGRES}"}}'
    exporter_up = f'up{{job="postgres",instance="{POSTGRES}"}}'
    tests.append(dict(
        name="the exporter cannot reach PostgreSQL (pg_up 0): DatabaseDown pages",
        interval=at(p, 1),
        input_series=[dict(series=exporter_up, values=gauge([(30, 1)])),
                      dict(series=pg_up, values=gauge([(10, 1), (20, 0)]))],
        alert_rule_test=(silent(["DatabaseDown"], [at(p, 10)])
                         + [firing(p, "DatabaseDown", at(p, 10 + after_for(p, "DatabaseDown", 0)), "0", pg, POSTGRES)])))
    tests.append(dict(
        name="the PostgreSQL exporter cannot be scraped (up 0, pg_up gone): DatabaseDown pages",
        interval=at(p, 1),
        input_series=[dict(series=exporter_up, values=gauge([(10, 1), (20, 0)])),
                      dict(series=pg_up, values=gauge([(10, 1), (20, None)]))],
        alert_rule_test=[firing(p, "DatabaseDown", at(p, 10 + after_for(p, "DatabaseDown", 0)), "0", pg, POSTGRES)]))
    tests.append(dict(
        name="one failed scrape of the PostgreSQL exporter is a blip: no DatabaseDown",
        interval=at(p, 1),
        input_series=[dict(series=exporter_up, values=gauge([(10, 1), (1, 0), (20, 1)])),
                      dict(series=pg_up, values=gauge([(10, 1), (1, None), (20, 1)]))],
        alert_rule_test=silent(["DatabaseDown"], [at(p, t) for t in (10, 11, 12, 13, 15, 20)])))
    tests.append(dict(
        name="SQLite: no postgres job at all, pools of size 0: no DatabaseDown, no database alert",
        interval=at(p, 1),
        input_series=healthy_process(p, 30, pool=0, postgres=False),
        alert_rule_test=silent(["DatabaseDown", "DatabaseConnectionsNearMax", "AppDatabasePoolSaturated"],
                               [at(p, t) for t in (5, 10, 20, 29)])))

    max_connections = [dict(series=f'pg_settings_max_connections{{job="postgres",instance="{POSTGRES}",'
                                   'server="127.0.0.1:5432"}', values=gauge([(40, 50)]))]
    tests.append(dict(
        name="43 of PostgreSQL's 50 connections open: DatabaseConnectionsNearMax tickets",
        interval=at(p, 1),
        input_series=max_connections + activity([(10, 14), (30, 43)]),
        alert_rule_test=(silent(["DatabaseConnectionsNearMax"], [at(p, 10), at(p, 12)])
                         + [firing(p, "DatabaseConnectionsNearMax",
                                   at(p, 10 + after_for(p, "DatabaseConnectionsNearMax", 0)), "86%", pg, POSTGRES)])))
    tests.append(dict(
        name="45 of 50 connections for two samples (a burst of sessions): no DatabaseConnectionsNearMax",
        interval=at(p, 1),
        input_series=max_connections + activity([(10, 14), (2, 45), (28, 14)]),
        alert_rule_test=silent(["DatabaseConnectionsNearMax"], [at(p, t) for t in (10, 11, 12, 14, 16, 20)])))

    inst = f'{APP},instance="{INSTANCE}"'
    labels = dict(job="app", instance=INSTANCE)

    def pool(in_use, timeouts=None, size=4):
        """One replica's pool: in_use a list of (samples, connections in use); timeouts a counter's segments."""
        total = sum(k for k, _ in in_use)
        return [dict(series=f"app_db_pool_max_connections{{{inst}}}", values=gauge([(total, size)])),
                dict(series=f'app_db_pool_connections{{{inst},state="in_use"}}', values=gauge(in_use)),
                dict(series=f'app_db_pool_connections{{{inst},state="idle"}}',
                     values=gauge([(k, size - u) for k, u in in_use])),
                dict(series=f"app_db_pool_timeouts_total{{{inst}}}", values=counter(timeouts or [(total, 0)]))]
    tests.append(dict(
        name="every connection of a replica's pool in use: AppDatabasePoolSaturated tickets",
        interval=at(p, 1),
        input_series=pool([(10, 1), (30, 4)]),
        alert_rule_test=(silent(["AppDatabasePoolSaturated"], [at(p, 10), at(p, 14)])
                         + [firing(p, "AppDatabasePoolSaturated",
                                   at(p, 16 + after_for(p, "AppDatabasePoolSaturated", 0)), "100%", labels, INSTANCE)])))
    tests.append(dict(
        name="a replica's pool times out calls in every window (pool half in use): AppDatabasePoolSaturated",
        interval=at(p, 1),
        input_series=pool([(40, 2)], timeouts=[(10, 0), (30, 3)]),
        alert_rule_test=(silent(["AppDatabasePoolSaturated"], [at(p, 10), at(p, 12)])
                         + [firing(p, "AppDatabasePoolSaturated",
                                   at(p, 11 + after_for(p, "AppDatabasePoolSaturated", 0)), "50%", labels, INSTANCE)])))
    tests.append(dict(
        name="a two-sample burst of a full pool and one timeout: no AppDatabasePoolSaturated",
        interval=at(p, 1),
        input_series=pool([(10, 1), (2, 4), (28, 1)], timeouts=[(10, 0), (1, 1), (29, 0)]),
        alert_rule_test=silent(["AppDatabasePoolSaturated"], [at(p, t) for t in range(10, 40, 2)])))
    return tests

TEST_FILES = [("slo", slo_tests), ("availability", availability_tests), ("load_balancer", load_balancer_tests),
              ("saturation", saturation_tests), ("dependencies", dependency_tests), ("database", database_tests)]

# --------------------------------------------------------------------------------------------------
# YAML text
# --------------------------------------------------------------------------------------------------


PLAIN = re.compile(r"^[A-Za-z_./][A-Za-z0-9_.:/+-]*$")
YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(v):
    """A YAML scalar: plain when unambiguous, else single-quoted, else JSON-style double-quoted."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return num(v)
    if re.fullmatch(r"([0-9]+[smhdwy])+", v) or (
            PLAIN.match(v) and v.lower() not in YAML_WORDS and not re.match(r"^[0-9.+-]", v)):
        return v
    if "'" not in v and "\\" not in v and v.isprintable():
        return "'" + v + "'"
    return json.dumps(v, ensure_ascii=False)


def yaml_lines(obj, indent=0):
    pad = " " * indent
    lines = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "_comment":
                continue
            if isinstance(v, str) and "\n" in v:
                lines.append(f"{pad}{k}: |-")
                lines += [f"{pad}  {line}" if line else "" for line in v.split("\n")]
            elif isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:")
                lines += yaml_lines(v, indent + 2)
            elif isinstance(v, (dict, list)):
                lines.append(f"{pad}{k}: {'{}' if isinstance(v, dict) else '[]'}")
            else:
                lines.append(f"{pad}{k}: {scalar(v)}")
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, dict):
                for c in wrap(item.get("_comment", ""), 110 - indent):
                    lines.append(f"{pad}# {c}")
                inner = yaml_lines(item, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines += inner[1:]
            else:
                lines.append(f"{pad}- {scalar(item)}")
    return lines


def wrap(text, width):
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return out + ([line] if line else [])


def header(p, what):
    text = [
        f"{what} for app, {p.name} profile.",
        "GENERATED by scripts/make_rules.py from its one definition: do not edit; change the script and run "
        "it (scripts/make_rules.py --check tells when this file is stale).",
        p.note,
        "SLOs (ops/slo/*.yaml): 99.9% of user requests answered without a 5xx at the load balancer (HAProxy's "
        "own 502/503/504 included), and 99% within 300 ms at the replicas, over 30 days; their recording rules "
        "and burn-rate alerts are slo.yml, made by `incident slo rules`.",
        "Severity: page when users are hurt now (the fast burns, no replica in rotation, every replica "
        "restarted at once, HAProxy or PostgreSQL down, the probes through the load balancer); ticket for the "
        "rest (ops/README.md, \"Page or ticket\").",
        "No rule reads app_faults_*: a real outage carries no label saying what broke.",
    ]
    return "".join(f"# {line}\n" for t in text for line in wrap(t, 108))


def document(p, what, obj):
    return header(p, what) + "\n".join(yaml_lines(obj)) + "\n"


def outputs():
    files = {}
    for p in PROFILES:
        files[RULES_DIR / p.name / "slo.yml"] = slo_rules_text(p)
        files[RULES_DIR / p.name / "sli.yml"] = document(p, "Recording rules (service level indicators)",
                                                       dict(groups=recording_rules(p)))
        files[RULES_DIR / p.name / "alerts.yml"] = document(p, "Alerting rules", dict(groups=alert_groups(p)))
        for name, make in TEST_FILES:
            test = dict(
                rule_files=[f"../../rules/{p.name}/{f}.yml" for f in ("slo", "sli", "alerts")],
                evaluation_interval=at(p, 1),
                # Recording rules first, so each alert reads the indicators of the same evaluation (without
                # an order promtool picks one at random, and values one evaluation apart). The SLO groups
                # hold their recording rules before their alerts.
                group_eval_order=[g["name"] for g in slo_groups(p) + recording_rules(p) + alert_groups(p)],
                tests=make(p))
            files[TESTS_DIR / p.name / f"{name}_test.yml"] = document(p, f"promtool tests ({name})", test)
    return files


def problems():
    """What the definition itself gets wrong: a rule reading app_faults_*, an alert without a runbook or
    without a test that it fires and one that it stays silent, in each profile."""
    found = []
    for p in PROFILES:
        exprs = [r["expr"] for g in slo_groups(p) + recording_rules(p) + alert_groups(p) for r in g["rules"]]
        found += [f"{p.name}: a rule reads app_faults_*: {e!r}" for e in exprs if "app_faults_" in e]
        fires, quiet = set(), set()
        for _, make in TEST_FILES:
            for test in make(p):
                for check in test.get("alert_rule_test", []):
                    (fires if check["exp_alerts"] else quiet).add(check["alertname"])
        for name in sorted(alerts_of(p)):
            if name not in fires:
                found.append(f"{p.name}: no test shows {name} firing")
            if name not in quiet:
                found.append(f"{p.name}: no test shows {name} silent")
            if p == PROFILES[0] and not (ROOT / RUNBOOK_BASE / f"{name}.md").exists():
                found.append(f"no runbook {RUNBOOK_BASE}{name}.md")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed file is missing or stale")
    parser.add_argument("--incident", help="the incident binary that makes slo.yml (default: see above)")
    args = parser.parse_args()
    global INCIDENT
    INCIDENT = find_incident(args.incident)
    if INCIDENT is None or not os.access(INCIDENT, os.X_OK):
        sys.exit(f"make_rules: no incident binary{f' at {INCIDENT}' if INCIDENT else ''}, which makes slo.yml and "
                 "the rules its tests read: build it (swift build --product incident) or pass --incident BINARY")
    files = outputs()
    for problem in problems():
        print(f"make_rules: {problem}", file=sys.stderr)
    if problems():
        return 1
    stale = []
    for path, text in files.items():
        full = ROOT / path
        current = full.read_text() if full.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            full.parent.mkdir(parents=True, exist_ok=True)
            full.write_text(text)
    # Files in the generated folders that the script no longer makes.
    extra = sorted(f.relative_to(ROOT) for d in (RULES_DIR, TESTS_DIR) for f in (ROOT / d).glob("*/*.yml")
                   if f.relative_to(ROOT) not in files)
    if args.check:
        for path in stale:
            print(f"stale or missing: {path}", file=sys.stderr)
        for path in extra:
            print(f"not made by this script: {path}", file=sys.stderr)
        if stale or extra:
            print("run scripts/make_rules.py and commit the result", file=sys.stderr)
            return 1
        print(f"make_rules: {len(files)} generated files are up to date")
        return 0
    for path in extra:
        (ROOT / path).unlink()
        print(f"removed {path}")
    print(f"make_rules: wrote {len(stale)} of {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
