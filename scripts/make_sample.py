#!/usr/bin/env python3
"""Builds incidents.db.sample: six months of game days and real outages on the service `app`.

It drives the `incident` CLI's own commands with explicit --at times, never SQL, so the sample is exactly
what a team would have recorded. Running it again gives the same `incident list --json`.

The story: in May the team watches `app` with an uptime probe and customer reports only; game days inject
every fault type and several go unnoticed. In July alerting rules arrive (error rate, p99 latency,
instance down), and in September SLO burn-rate alerts, so time to detect falls from tens of minutes to
about one. A connection-pool exhaustion in June gets a preventive change (done in July) and recurs in
October anyway: the change did not work.

Usage: scripts/make_sample.py [--incident PATH] [--output PATH]
"""
import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile

# Each incident: start (UTC), title, severity, fault (None for a real failure), then minutes after the
# start for detect / ack / mitigate / resolve (None: never happened), how it was detected, root cause,
# cause category, fix, and extras: prevent (list), actions (list of dicts), notes (list of
# (minute, text)), narrative (dict), cancel (reason).
INCIDENTS = [
    # --- May: probes and customers only -----------------------------------------------------------
    dict(start="2026-05-04T14:00", title="Game day: 800 ms latency on /api/notes", sev="sev3",
         fault="latency ms=800 jitter_ms=200 route=/api/*", times=(None, None, None, 45), via=None,
         cause="Injected latency; no alert watches latency and the probe's 5 s timeout never tripped",
         category="detection-gap", fix="Fault expired after 45 minutes",
         actions=[dict(title="Alert on p99 latency above 500 ms for 5 minutes", kind="detect", owner="maria",
                       due="2026-06-30", done="2026-07-02T10:00", url="https://git.example/app/pull/41")],
         narrative=dict(summary="A 45-minute latency injection went entirely unnoticed.",
                        impact="Every API request took about a second longer; no user complained.",
                        trigger="Game day fault injection through the admin API.",
                        lessons="Availability probes do not see slowness; we need latency alerting.")),
    dict(start="2026-05-04T15:30", title="Game day: 50% HTTP 500 on /api/notes", sev="sev2",
         fault="error status=500 probability=0.5 route=/api/*", times=(22, 25, 31, 40), via="customer",
         cause="Injected errors; noticed only when a support ticket arrived", category="detection-gap",
         fix="Cleared the fault with DELETE /admin/faults",
         prevent=["Error-rate alert on http_requests_total{status=~\"5..\"}"]),
    dict(start="2026-05-11T10:00", title="Game day: process crash with exit code 137", sev="sev2",
         fault="crash exit_code=137 delay_s=0", times=(6, 9, 12, 20), via="probe",
         cause="Injected crash; the supervisor restarted the service after 12 minutes of manual work",
         category="resilience", fix="Restarted the container by hand",
         actions=[dict(title="Run app with restart=always and a HEALTHCHECK", kind="mitigate", owner="tom",
                       due="2026-05-31", done="2026-05-20T16:00")]),
    dict(start="2026-05-18T09:15", title="Checkout page times out after the 1.8.0 deploy", sev="sev1", fault=None,
         times=(34, 36, 52, 95), via="customer",
         cause="1.8.0 ran an unindexed query on every request", category="deploy",
         fix="Rolled back to 1.7.3", prevent=["Load-test every release against production-sized data"],
         notes=[(40, "Rollback started"), (52, "Rollback done; latency back to normal")],
         narrative=dict(summary="A release made each notes request scan the whole table.",
                        impact="All users: requests timed out for 52 minutes.",
                        trigger="Deploy of 1.8.0 at 09:10.",
                        lessons="Nobody was paged; customers told us first.")),
    dict(start="2026-05-25T13:00", title="Game day: connections aborted on /api/*", sev="sev3",
         fault="abort probability=0.2 route=/api/*", times=(None, None, None, 30), via=None,
         cause="Injected aborts; clients retried and nothing alerted on resets", category="detection-gap",
         fix="Fault expired"),
    dict(start="2026-05-25T14:00", title="Game day: requests hang up to 30 s", sev="sev3",
         fault="hang max_s=30 probability=0.3", times=(18, 20, 24, 30), via="manual",
         cause="Injected hangs; an engineer noticed slow pages while testing", category="detection-gap",
         fix="Cleared the fault"),
    # --- June --------------------------------------------------------------------------------------
    dict(start="2026-06-02T03:10", title="API answers 503: connection pool exhausted", sev="sev2", fault=None,
         times=(41, 47, 63, 120), via="probe",
         cause="Nightly export held every pooled SQLite connection", category="capacity",
         fix="Restarted the export with a smaller batch",
         actions=[dict(title="Raise the pool to 32 and alert on pool saturation", kind="prevent", owner="tom",
                       due="2026-07-15", done="2026-07-10T11:00", url="https://git.example/app/pull/52")],
         narrative=dict(summary="The nightly export starved the API of database connections.",
                        impact="About 40% of API requests failed with 503 for an hour.",
                        trigger="The export job started at 03:00.",
                        lessons="The pool size was a guess; nothing measured its saturation.")),
    dict(start="2026-06-08T10:00", title="Game day: memory leak 20 MB/s", sev="sev3",
         fault="memory_leak mb_per_s=20 max_mb=1500", times=(27, 29, 33, 40), via="other",
         cause="Injected leak; found by the capacity dashboard review", category="detection-gap",
         fix="Restarted the process", prevent=["Alert on resident memory above 80% of the limit"]),
    dict(start="2026-06-08T11:00", title="Game day: CPU burn on 2 threads", sev="sev4",
         fault="cpu_burn threads=2", times=(None, None, None, 20), via=None,
         cause="Injected CPU burn; latency stayed within limits and no one looked", category="detection-gap",
         fix="Fault expired"),
    dict(start="2026-06-15T16:20", title="Notes API returns 500: database file read-only", sev="sev2", fault=None,
         times=(14, 17, 29, 60), via="customer",
         cause="A permissions change on the data volume made the SQLite file read-only", category="config",
         fix="Restored the volume's ownership",
         prevent=["Readiness check writes to the store, not only reads"]),
    dict(start="2026-06-22T10:00", title="Game day: dependency down", sev="sev2",
         fault="dependency_down", times=(11, 13, 15, 25), via="probe",
         cause="Injected store failure; /readyz turned 503 and the probe saw it", category="dependency",
         fix="Cleared the fault"),
    dict(start="2026-06-29T10:00", title="Game day: readiness fails", sev="sev3",
         fault="not_ready", times=(9, 12, 14, 20), via="probe",
         cause="Injected not_ready; the load balancer drained the only instance", category="resilience",
         fix="Cleared the fault",
         actions=[dict(title="Run two instances so one not-ready instance is not an outage", kind="prevent",
                       owner="maria", due="2026-12-31")]),
    # --- July: alerting rules arrive ---------------------------------------------------------------
    dict(start="2026-07-06T10:00", title="Game day: 800 ms latency again, now with a p99 alert", sev="sev3",
         fault="latency ms=800 jitter_ms=200 route=/api/*", times=(7, 9, 10, 15),
         via="alert:HighLatencyP99", cause="Injected latency", category="detection-gap",
         fix="Cleared the fault"),
    dict(start="2026-07-06T11:00", title="Game day: 30% HTTP 503", sev="sev2",
         fault="error status=503 probability=0.3", times=(5, 6, 8, 12), via="alert:HighErrorRate",
         cause="Injected errors", category="detection-gap", fix="Cleared the fault"),
    dict(start="2026-07-13T08:40", title="Config typo sends all traffic to the canary", sev="sev2", fault=None,
         times=(6, 8, 19, 45), via="alert:HighErrorRate",
         cause="A weight of 100 instead of 10 in the routing config", category="config",
         fix="Corrected the weight", prevent=["Validate routing weights in CI"]),
    dict(start="2026-07-20T10:00", title="Game day: liveness fails", sev="sev3",
         fault="not_live", times=(4, 5, 7, 10), via="alert:InstanceDown",
         cause="Injected not_live; the orchestrator restarted the instance", category="resilience",
         fix="Automatic restart"),
    dict(start="2026-07-27T10:00", title="Game day: crash loop on start-up", sev="sev2",
         fault="crash exit_code=1 delay_s=5", times=(3, 4, 9, 14), via="alert:InstanceDown",
         cause="Injected crash through APP_FAULTS, as a bad deploy would", category="deploy",
         fix="Removed APP_FAULTS and restarted"),
    dict(start="2026-07-29T19:05", title="Error spike after 1.9.0 deploy", sev="sev2", fault=None,
         times=(4, 6, 11, 50), via="alert:HighErrorRate",
         cause="1.9.0 dropped a null check on the notes body", category="deploy",
         fix="Rolled back to 1.8.4",
         actions=[dict(title="Canary releases with automatic rollback on error rate", kind="prevent",
                       owner="ana", due="2026-09-30", done="2026-09-24T15:00")]),
    # --- August ------------------------------------------------------------------------------------
    dict(start="2026-08-03T02:14", title="InstanceDown at 02:14", sev="sev3", fault=None,
         times=(1, 4, None, None), via="alert:InstanceDown", cause=None, category=None, fix=None,
         cancel="The alert fired on a stale scrape while Prometheus restarted; app was up"),
    dict(start="2026-08-10T10:00", title="Game day: memory leak 50 MB/s", sev="sev3",
         fault="memory_leak mb_per_s=50 max_mb=1800", times=(5, 7, 9, 12), via="alert:HighMemory",
         cause="Injected leak", category="detection-gap", fix="Restarted the process"),
    dict(start="2026-08-10T11:00", title="Game day: CPU burn on 4 threads", sev="sev3",
         fault="cpu_burn threads=4", times=(8, 10, 12, 15), via="alert:HighLatencyP99",
         cause="Injected CPU burn; latency rose enough to alert", category="detection-gap",
         fix="Cleared the fault"),
    dict(start="2026-08-17T14:30", title="Disk full on the data volume", sev="sev1", fault=None,
         times=(9, 10, 26, 70), via="alert",
         cause="WAL file grew without checkpoints during a long read", category="storage",
         fix="Freed space and forced a checkpoint",
         actions=[dict(title="Alert on volume usage above 80%", kind="detect", owner="tom", due="2026-09-15",
                       done="2026-09-01T09:00"),
                  dict(title="Bound long-running reads", kind="prevent", owner="ana", due="2026-12-15")]),
    dict(start="2026-08-24T10:00", title="Game day: aborts with the new reset alert", sev="sev3",
         fault="abort probability=0.2 route=/api/*", times=(6, 8, 9, 12), via="alert:HighErrorRate",
         cause="Injected aborts", category="detection-gap", fix="Cleared the fault"),
    dict(start="2026-08-31T10:00", title="Game day: requests hang", sev="sev3",
         fault="hang max_s=20 probability=0.3", times=(7, 9, 10, 14), via="alert:HighLatencyP99",
         cause="Injected hangs", category="detection-gap", fix="Cleared the fault"),
    # --- September: SLO burn-rate alerts -----------------------------------------------------------
    dict(start="2026-09-07T10:00", title="Game day: 10% HTTP 500 against the SLO alert", sev="sev3",
         fault="error status=500 probability=0.1", times=(2, 3, 4, 8), via="alert:SLOBurnRateFast",
         cause="Injected errors", category="detection-gap", fix="Cleared the fault"),
    dict(start="2026-09-07T11:00", title="Game day: dependency down", sev="sev2",
         fault="dependency_down", times=(1, 2, 3, 6), via="alert:SLOBurnRateFast",
         cause="Injected store failure", category="dependency", fix="Cleared the fault"),
    dict(start="2026-09-14T21:45", title="Upstream DNS outage breaks webhooks", sev="sev3", fault=None,
         times=(3, 5, 55, 80), via="alert:SLOBurnRateFast",
         cause="The resolver of our provider failed", category="dependency",
         fix="Switched to a secondary resolver", prevent=["Configure two resolvers"]),
    dict(start="2026-09-21T10:00", title="Game day: 400 ms latency", sev="sev4",
         fault="latency ms=400", times=(3, 4, 5, 8), via="alert:HighLatencyP99",
         cause="Injected latency", category="detection-gap", fix="Cleared the fault"),
    dict(start="2026-09-21T11:00", title="Game day: readiness fails with two instances", sev="sev4",
         fault="not_ready", times=(2, 3, 3, 5), via="alert:InstanceDown",
         cause="Injected not_ready on one instance; the other kept serving", category="resilience",
         fix="Cleared the fault"),
    dict(start="2026-09-28T10:00", title="Game day: crash", sev="sev3",
         fault="crash exit_code=137", times=(1, 2, 2, 4), via="alert:InstanceDown",
         cause="Injected crash; restart=always brought it back in seconds", category="resilience",
         fix="Automatic restart"),
    # --- October: the pool exhaustion recurs -------------------------------------------------------
    dict(start="2026-10-05T03:05", title="API answers 503: connection pool exhausted again", sev="sev2",
         fault=None, times=(2, 6, 18, 90), via="alert:SLOBurnRateFast",
         cause="The export now runs in 4 parallel workers, each holding 8 connections: 32 again",
         category="capacity", fix="Limited the export to one worker",
         actions=[dict(title="Give the export its own connection pool", kind="prevent", owner="tom",
                       due="2026-11-30", url="https://git.example/app/issues/77"),
                  dict(title="Review past preventive changes when a cause recurs", kind="process",
                       owner="maria", due="2026-10-31", done="2026-10-20T10:00")],
         narrative=dict(summary="The June pool exhaustion came back: the bigger pool was used up again.",
                        impact="About 30% of API requests failed with 503 for 18 minutes.",
                        trigger="The export job, now parallel, started at 03:00.",
                        lessons="Raising a limit is not a fix; isolate the batch job instead.")),
    dict(start="2026-10-12T10:00", title="Game day: memory leak 30 MB/s", sev="sev3",
         fault="memory_leak mb_per_s=30 max_mb=1200", times=(2, 3, 4, 6), via="alert:HighMemory",
         cause="Injected leak", category="detection-gap", fix="Restarted the process"),
    dict(start="2026-10-12T11:00", title="Game day: liveness fails", sev="sev4",
         fault="not_live", times=(1, 2, 2, 3), via="alert:InstanceDown",
         cause="Injected not_live", category="resilience", fix="Automatic restart"),
    dict(start="2026-10-19T15:40", title="TLS certificate expired on the API hostname", sev="sev1", fault=None,
         times=(2, 3, 21, 35), via="probe",
         cause="Certificate renewal cron was lost in the host migration", category="config",
         fix="Renewed the certificate by hand",
         actions=[dict(title="Alert 14 days before certificate expiry", kind="detect", owner="ana",
                       due="2026-11-15", done="2026-11-02T12:00")]),
    dict(start="2026-10-26T10:00", title="Game day: CPU burn", sev="sev4",
         fault="cpu_burn threads=2", times=(4, 5, 6, 8), via="alert:HighLatencyP99",
         cause="Injected CPU burn", category="detection-gap", fix="Cleared the fault"),
    # --- November ----------------------------------------------------------------------------------
    dict(start="2026-11-02T10:00", title="Game day: 800 ms latency, third run", sev="sev3",
         fault="latency ms=800 jitter_ms=200 route=/api/*", times=(2, 3, 3, 5),
         via="alert:HighLatencyP99", cause="Injected latency", category="detection-gap", fix="Cleared the fault"),
    dict(start="2026-11-02T11:00", title="Game day: aborts", sev="sev4",
         fault="abort probability=0.1", times=(2, 2, 3, 4), via="alert:SLOBurnRateFast",
         cause="Injected aborts", category="detection-gap", fix="Cleared the fault"),
    dict(start="2026-11-09T12:20", title="Slow notes list after a config change", sev="sev3", fault=None,
         times=(4, 6, 9, 30), via="alert:HighLatencyP99",
         cause="Page size raised from 50 to 5000", category="config", fix="Restored the page size"),
    dict(start="2026-11-16T10:00", title="Game day: hang", sev="sev3",
         fault="hang max_s=10 probability=0.2", times=(1, 2, 3, 4), via="alert:HighLatencyP99",
         cause="Injected hangs", category="detection-gap", fix="Cleared the fault"),
    dict(start="2026-11-16T11:00", title="Game day: dependency down during a deploy", sev="sev2",
         fault="dependency_down", times=(1, 1, 2, 4), via="alert:SLOBurnRateFast",
         cause="Injected store failure", category="dependency", fix="Cleared the fault"),
    dict(start="2026-11-23T09:00", title="Game day: 5% errors, below the alert threshold", sev="sev4",
         fault="error status=500 probability=0.05", times=(None, None, None, 30), via=None,
         cause="Injected errors below the burn-rate threshold; nothing fired", category="detection-gap",
         fix="Fault expired",
         actions=[dict(title="Add a slow-burn SLO alert (6 h window)", kind="detect", owner="maria",
                       due="2026-12-20")]),
    dict(start="2026-11-25T17:30", title="Elevated 502s from the load balancer", sev="sev3", fault=None,
         times=(3, 5, None, None), via="alert:HighErrorRate", cause=None, category=None, fix=None,
         notes=[(12, "Keep-alive timeout mismatch suspected between the load balancer and app")]),
]

AUTHORS = ["maria", "tom", "ana"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--incident", default=os.path.join(root, ".build", "debug", "incident"),
                        help="the incident binary to drive (default: .build/debug/incident)")
    parser.add_argument("--output", default=os.path.join(root, "incidents.db.sample"))
    args = parser.parse_args()
    if not os.access(args.incident, os.X_OK):
        sys.exit(f"make_sample: no incident binary at {args.incident}; run `swift build` first")

    with tempfile.TemporaryDirectory() as scratch:
        database = os.path.join(scratch, "sample.db")
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TZ": "UTC", "NO_COLOR": "1",
                       "INCIDENT_DB": database}

        def run(*arguments: str, author: str | None = None) -> str:
            command = [args.incident, *arguments] + (["--author", author] if author else [])
            result = subprocess.run(command, env=environment, capture_output=True, text=True)
            if result.returncode != 0:
                sys.exit(f"make_sample: `incident {' '.join(arguments)}` failed: {result.stderr.strip()}")
            return result.stdout.strip()

        for number, spec in enumerate(INCIDENTS):
            record(spec, run, author=AUTHORS[number % len(AUTHORS)])
        if os.path.exists(args.output):
            os.remove(args.output)
        run("db", "backup", args.output)
    print(f"wrote {len(INCIDENTS)} incidents to {args.output}")
    return 0


def record(spec: dict, run, author: str) -> None:
    start = dt.datetime.fromisoformat(spec["start"]).replace(tzinfo=dt.timezone.utc)

    def at(minutes: float) -> str:
        return (start + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    opening = ["open", spec["title"], "--severity", spec["sev"], "--at", at(0), "-q"]
    if spec["fault"]:
        opening += ["--fault", spec["fault"]]
    incident = run(*opening, author=author)
    detect, ack, mitigate, resolve = spec["times"]
    if detect is not None:
        run("detect", incident, "--via", spec["via"], "--at", at(detect), author=author)
    if ack is not None:
        run("ack", incident, "--at", at(ack), author=author)
    for minute, text in spec.get("notes", []):
        run("note", incident, text, "--at", at(minute), author=author)
    if mitigate is not None:
        run("mitigate", incident, "--at", at(mitigate), author=author)
    if resolve is not None:
        resolution = ["resolve", incident, "--cause", spec["cause"], "--category", spec["category"],
                      "--fix", spec["fix"], "--at", at(resolve)]
        for change in spec.get("prevent", []):
            resolution += ["--prevent", change]
        run(*resolution, author=author)
    narrative = spec.get("narrative")
    if narrative:
        run("edit", incident, *[part for field, text in narrative.items() for part in (f"--{field}", text)],
            "--at", at(resolve + 60 * 24), author=author)
    for action in spec.get("actions", []):
        adding = ["action", "add", incident, action["title"], "--kind", action["kind"], "--owner", action["owner"],
                  "--due", action["due"], "--at", at(resolve or 0)]
        if "url" in action:
            adding += ["--url", action["url"]]
        added = run(*adding, author=author)
        action_id = added.split()[1].lstrip("#")
        if "done" in action:
            run("action", "done", action_id, "--at", action["done"] + ":00Z", author=action["owner"])
    if "cancel" in spec:
        run("cancel", incident, "--reason", spec["cancel"], "--at", at(ack or detect or 0), author=author)


if __name__ == "__main__":
    sys.exit(main())
