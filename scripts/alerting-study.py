#!/usr/bin/env python3
"""The alerting trade-off, measured on the lab stack: which alert on an SLO detects failures soonest, misses
none, raises no false alarm, and resets soon after recovery?

It starts the lab with scripts/lab.sh in a temporary folder (one replica of the app behind HAProxy, Prometheus
with the lab rules and the study's strategies beside them, the blackbox exporter, Alertmanager and the real
`incident serve`), sends
traffic with scripts/traffic.py and a small normal error rate, keeps a fault-free stretch, then injects faults
of several intensities with `incident inject` (each held, cleared with `incident clear`, then left to drain),
and reads from Prometheus when each alerting strategy fired and reset (the ALERTS series, one-second steps)
and from the receiver's database when Alertmanager first notified it. Every strategy is an alert rule evaluated side by side on the same data:

    threshold = budget            error ratio over 5m > the error budget, 0.1 %   (SRE workbook, approach 1)
    threshold = 10 × budget       error ratio over 5m > 1 %                       (a hand-tuned threshold)
    threshold = budget, held 10m  error ratio over 5m > 0.1 % for 10m             (approach 3)
    burn rate 14.4×, one window   error ratio over 1h > 14.4 × 0.1 %              (approach 4)
    multi-window burn rate        AppErrorBudgetBurnFast of ops/ (incident slo rules)  (approach 6)

and the same five on the latency SLO (share of requests over 300 ms, budget 1 %), with AppLatencyP99High
beside them. The lab runs 60 times faster than production (ops/README.md): every window and `for:` above is
the production one × 1/60, so a lab second stands for a production minute; the tables give both.

It writes the measured part of OUTPUT (between the markers <!-- study:begin --> and <!-- study:end -->; the
rest, the decision record, is kept), the raw results beside it as JSON, and an SVG chart. It takes about
50 minutes per repetition with the defaults, and is not run in CI: CI checks that the committed table parses
(Tests/incidentTests/AlertingStudyTests.swift).

Usage:
    scripts/alerting-study.py [--build release|debug] [--repeat 2] [--output docs/tradeoffs/alerting.md]
    scripts/alerting-study.py --quick --output /tmp/study.md     a 10-minute smoke run

Needs what scripts/lab.sh needs: python3 and the Debian packages prometheus, prometheus-alertmanager and
prometheus-blackbox-exporter; lab.sh builds the release binaries when they are missing or stale (--build debug
takes those of `swift build`). The app must write the metrics of docs/contract.md § Metrics (le="0.3" bucket,
operational traffic apart).
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import make_rules  # beside this script

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOKEN = "alerting-study-token"
# The lab profile of the monitoring contract, as the rules are made with it (one lab second is one
# production minute).
LAB = next(p for p in make_rules.PROFILES if p.name == "lab")

# (name, SLO, fault as `incident inject` takes it, probability)
FAULTS = [
    ("error 0.5 %", "availability", ["error", "status=500"], 0.005),
    ("error 2 %", "availability", ["error", "status=500"], 0.02),
    ("error 10 %", "availability", ["error", "status=500"], 0.1),
    ("error 100 %", "availability", ["error", "status=500"], 1.0),
    ("latency 800 ms on 50 %", "latency", ["latency", "ms=800"], 0.5),
]

# (strategy, alert on the availability SLO, alert on the latency SLO)
STRATEGIES = [
    ("threshold = budget", "StudyErrorsAboveBudget", "StudySlowAboveBudget"),
    ("threshold = 10 × budget", "StudyErrorsAboveTenBudgets", "StudySlowAboveTenBudgets"),
    ("threshold = budget, held 10m", "StudyErrorsAboveBudgetHeld", "StudySlowAboveBudgetHeld"),
    ("burn rate 14.4×, one window (1h)", "StudyErrorsBurnRate1h", "StudySlowBurnRate1h"),
    ("multi-window burn rate", "AppErrorBudgetBurnFast", "AppLatencyBudgetBurnFast"),
]
REFERENCE = [("p99 > 300 ms, held 10m (AppLatencyP99High)", None, "AppLatencyP99High")]


def study_rules():
    """The strategies that ops/ does not have, as lab rules over the SLO series of slo.yml."""
    rules = []
    for slo, prefix, budget in (("app-availability", "StudyErrors", 0.001), ("app-latency", "StudySlow", 0.01)):
        sli = 'slo:sli_error:ratio_rate{w}{{slo="%s"}}' % slo
        for name, window, threshold, hold in (
                ("AboveBudget", LAB.d(5 * 60), budget, None),
                ("AboveTenBudgets", LAB.d(5 * 60), 10 * budget, None),
                ("AboveBudgetHeld", LAB.d(5 * 60), budget, LAB.d(10 * 60)),
                ("BurnRate1h", LAB.d(3600), 14.4 * budget, None)):
            rule = [f"      - alert: {prefix}{name}",
                    f"        expr: '{sli.format(w=window)} > {threshold:g}'"]
            if hold:
                rule.append(f"        for: {hold}")
            rule += ["        labels:", "          service: app", "          severity: study",
                     "        annotations:", f"          summary: 'alerting study: {prefix}{name}'"]
            rules += rule
    return "# The alerting study's strategies (scripts/alerting-study.py), lab profile.\ngroups:\n" \
           "  - name: study-strategies\n    rules:\n" + "\n".join(rules) + "\n"


# --------------------------------------------------------------------------------------------------
# The stack
# --------------------------------------------------------------------------------------------------

class Lab:
    """The lab of scripts/lab.sh (the app, the blackbox exporter, Prometheus with the lab rules, Alertmanager and
    the real `incident serve`) in a folder of the study's, with the study's strategies added to the rules."""

    def __init__(self, args, work):
        self.folder = work / "lab"
        self.env = dict(os.environ, LAB_DIR=str(self.folder), LAB_BUILD=args.build, APP_ADMIN_TOKEN=TOKEN)

    def up(self):
        # One replica (behind HAProxy, which counts the availability SLI): the study injects and clears its faults
        # through the load balancer's address, which must reach the replica that holds them every time.
        subprocess.run([str(ROOT / "scripts/lab.sh"), "up", "--replicas", "1"], env=self.env, check=True,
                       stdout=subprocess.DEVNULL)
        self.settings = dict(re.findall(r"^export (\w+)=(.*)$", (self.folder / "lab.env").read_text(), re.M))
        self.app, self.prometheus = self.settings["INCIDENT_TARGET"], self.settings["PROMETHEUS_URL"]
        self.incident = str(pathlib.Path(self.settings["LAB_BIN"]) / "incident")
        (self.folder / "config/prometheus/rules/lab/study.yml").write_text(study_rules())
        urllib.request.urlopen(urllib.request.Request(self.prometheus + "/-/reload", method="POST"), timeout=30)
        deadline = time.time() + 30
        while "study-strategies" not in [g["name"] for g in self.get("/api/v1/rules")["groups"]]:
            if time.time() > deadline:
                sys.exit(f"alerting-study: Prometheus did not load the study's rules; see {self.folder}/prometheus.log")
            time.sleep(0.5)

    def down(self):
        subprocess.run([str(ROOT / "scripts/lab.sh"), "down"], env=self.env, stdout=subprocess.DEVNULL)

    def get(self, path, **parameters):
        body = urllib.parse.urlencode(parameters).encode() if parameters else None
        with urllib.request.urlopen(self.prometheus + path, body, timeout=60) as answer:
            return json.load(answer)["data"]

    def query_range(self, query, start, end):
        return self.get("/api/v1/query_range", query=query, start=f"{start:.3f}", end=f"{end:.3f}", step="1")["result"]

    def query(self, query):
        return self.get("/api/v1/query", query=query)["result"]

    def notifications(self):
        """When `incident serve` first received each alert, firing and resolved, from its database: redeliveries
        of the same alert change nothing there, so the time is the first notification's."""
        with sqlite3.connect(f"file:{self.settings['INCIDENT_DB']}?mode=ro", uri=True) as db:
            return [dict(at=received_ms / 1000, alert=name, status=status) for name, status, received_ms in
                    db.execute("SELECT name, status, received_at FROM alert ORDER BY received_at")]


# --------------------------------------------------------------------------------------------------
# The schedule
# --------------------------------------------------------------------------------------------------

class Study:
    def __init__(self, args, stack):
        self.args, self.stack = args, stack
        self.env = dict(os.environ, INCIDENT_DB=stack.settings["INCIDENT_DB"], INCIDENT_TARGET=stack.app,
                        APP_ADMIN_TOKEN=TOKEN, INCIDENT_AUTHOR="alerting-study", TZ="UTC")
        self.episodes = []

    def incident(self, *arguments):
        done = subprocess.run([self.stack.incident, *arguments], env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"alerting-study: incident {' '.join(arguments)}: {done.stderr.strip()}")
        return done.stdout

    def say(self, text):
        print(f"[{datetime.datetime.now():%H:%M:%S}] {text}", flush=True)

    def noise(self):
        """The normal error rate: an `error` fault in force all along, not an incident."""
        body = json.dumps(dict(type="error", status=500, probability=self.args.noise, duration_s=86400)).encode()
        request = urllib.request.Request(self.stack.app + "/admin/faults", data=body, method="POST", headers={
            "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 201

    def run(self):
        a = self.args
        self.noise()
        self.say(f"warm-up {a.warmup} s, then a fault-free stretch of {a.fault_free} s")
        time.sleep(a.warmup)
        self.fault_free = (time.time(), time.time() + a.fault_free)
        time.sleep(a.fault_free)
        for repetition in range(a.repeat):
            for name, slo, fault, probability in FAULTS:
                self.say(f"run {repetition + 1}: {name} for {a.hold} s, then {a.gap} s to drain")
                injected = json.loads(self.incident(
                    "inject", *fault, "--probability", f"{probability:g}", "--duration", f"{a.hold + 60}s",
                    "--title", f"alerting study: {name}", "--json"))
                started = datetime.datetime.fromisoformat(injected["started_at"].replace("Z", "+00:00")).timestamp()
                time.sleep(max(0, started + a.hold - time.time()))
                self.incident("clear", str(injected["id"]))
                cleared = time.time()
                at = datetime.datetime.fromtimestamp(cleared, datetime.timezone.utc).isoformat(timespec="milliseconds")
                self.incident("mitigate", str(injected["id"]), "--at", at)
                self.incident("resolve", str(injected["id"]), "--at", at, "--cause", f"alerting study: {name}",
                              "--category", "gameday")
                self.episodes.append(dict(repetition=repetition + 1, fault=name, slo=slo, incident=injected["id"],
                                          injected=started, cleared=cleared))
                time.sleep(a.gap)
        self.end = time.time()


# --------------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------------

def intervals(stack, start, end):
    """Firing intervals [(from, to)] of every alert, from the ALERTS series at one-second steps."""
    found = {}
    for series in stack.query_range('ALERTS{alertstate="firing"}', start, end):
        times = sorted(float(t) for t, _ in series["values"])
        spans, first, last = [], times[0], times[0]
        for t in times[1:]:
            if t - last > 1.5:
                spans.append((first, last))
                first = t
            last = t
        spans.append((first, last))
        found.setdefault(series["metric"]["alertname"], []).extend(spans)
    return {name: sorted(spans) for name, spans in found.items()}


def measure(study, firing, notifications):
    rows = []
    for episode in study.episodes:
        column = 1 if episode["slo"] == "availability" else 2
        strategies = STRATEGIES + (REFERENCE if episode["slo"] == "latency" else [])
        for strategy in strategies:
            alert = strategy[column]
            t0, t1 = episode["injected"], episode["cleared"]
            spans = [(a, b) for a, b in firing.get(alert, []) if b >= t0 and a <= t1]
            detected = [max(a, t0) for a, b in spans]
            ttd = (min(detected) - t0) if detected else None
            # The alert resets when the last firing that began during the fault ends.
            reset = (max(b for a, b in spans) + 1 - t1) if spans else None
            notified = [n["at"] for n in notifications if n["alert"] == alert and n["status"] == "firing"
                        and t0 <= n["at"] <= t1 + 5]
            rows.append(dict(
                strategy=strategy[0], alert=alert, fault=episode["fault"], repetition=episode["repetition"],
                ttd_s=ttd, notified_s=(min(notified) - t0) if notified else None,
                reset_s=max(reset, 0) if reset is not None else None, firings=len(spans)))
    false_alarms = {}
    f0, f1 = study.fault_free
    for strategy, errors, slow in STRATEGIES + REFERENCE:
        alerts = [a for a in (errors, slow) if a]
        spans = [(a, b) for alert in alerts for a, b in firing.get(alert, []) if f0 <= a <= f1]
        pages = [n for n in notifications if n["alert"] in alerts and n["status"] == "firing" and f0 <= n["at"] <= f1]
        false_alarms[strategy] = dict(firings=len(spans), seconds=sum(min(b, f1) + 1 - a for a, b in spans),
                                      notifications=len(pages))
    return rows, false_alarms


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------

def production(seconds):
    """Lab seconds as the production time they stand for (× the lab's divisor)."""
    if seconds is None:
        return "-"
    minutes = seconds * LAB.divisor / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def summary(rows):
    """One row per strategy and fault: medians over the repetitions, and the faults missed."""
    table = []
    for strategy in [s[0] for s in STRATEGIES + REFERENCE]:
        for fault in [f[0] for f in FAULTS]:
            runs = [r for r in rows if r["strategy"] == strategy and r["fault"] == fault]
            if not runs:
                continue
            table.append(dict(
                strategy=strategy, fault=fault, runs=len(runs), missed=sum(r["ttd_s"] is None for r in runs),
                ttd_s=median([r["ttd_s"] for r in runs]), notified_s=median([r["notified_s"] for r in runs]),
                reset_s=median([r["reset_s"] for r in runs]), firings=max(r["firings"] for r in runs)))
    return table


def lab(seconds):
    return "-" if seconds is None else f"{seconds:.0f}"


def markdown(results):
    s = results["settings"]
    table = results["summary"]
    lines = [
        "<!-- study:begin -->",
        "<!-- Written by scripts/alerting-study.py: run it again rather than edit this part. -->",
        "",
        f"Run on {results['date']} on {results['machine']} (shared: load average {results['load'][0]:.1f} at the "
        f"start, {results['load'][1]:.1f} at the end), {s['repeat']} repetition(s), app {results['app'].get('version', '?')}: "
        f"`{results['command']}`.",
        "",
        f"Traffic: {s['rate']} user requests per second from scripts/traffic.py (30 % `POST /api/notes`, the "
        f"rest `GET` of `/`, `/api/notes` and `/api/notes?limit=5`), with a normal error rate of {s['noise'] * 100:g} % (an `error` fault in force all along, "
        f"half the error budget). A lab window holds 60 times fewer requests than the production window it "
        f"stands for, so the lab behaves like a production service of {s['rate'] / 60:.1f} requests per second. "
        f"Fault-free stretch: {s['fault_free']} s (lab) = {production(s['fault_free'])} of production; each fault "
        f"held {s['hold']} s = {production(s['hold'])}, then {s['gap']} s to drain. Times: lab seconds, and the "
        "production time they stand for (× 60).",
        "",
        "<!-- study:table -->",
        "| strategy | fault | runs | missed | detected after (lab s) | detected after (production) | "
        "notified after (lab s) | reset after (lab s) | reset after (production) | firings during the fault |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in table:
        lines.append(
            f"| {row['strategy']} | {row['fault']} | {row['runs']} | {row['missed']} | {lab(row['ttd_s'])} | "
            f"{production(row['ttd_s'])} | {lab(row['notified_s'])} | {lab(row['reset_s'])} | "
            f"{production(row['reset_s'])} | {row['firings']} |")
    lines += ["<!-- /study:table -->", "",
              f"False alarms in the fault-free stretch ({s['fault_free']} lab s, {production(s['fault_free'])} of "
              "production), both SLOs' alerts of each strategy together:", "",
              "<!-- study:false-alarms -->",
              "| strategy | alerts fired | seconds firing | notifications sent |", "| --- | --- | --- | --- |"]
    for strategy, counts in results["false_alarms"].items():
        lines.append(f"| {strategy} | {counts['firings']} | {counts['seconds']:.0f} | {counts['notifications']} |")
    lines += ["<!-- /study:false-alarms -->", "", "![time to detect and false alarms](alerting.svg)", "",
              "What the faults cost (`incident slo status --profile lab`, at the end of the study; the windows are "
              "the lab's 12 hours, so the budget is that of the whole study):", "", results["slo_status"].strip(),
              "", "<!-- study:end -->"]
    return "\n".join(lines) + "\n"


def svg(results):
    """Bars: median time to detect per fault and strategy (production minutes, missed shown as such), and
    false alarms per strategy."""
    strategies = [s[0] for s in STRATEGIES]
    colors = ["#d62728", "#ff7f0e", "#9467bd", "#1f77b4", "#2ca02c"]
    faults = [f[0] for f in FAULTS]
    table = {(r["strategy"], r["fault"]): r for r in results["summary"]}
    width, height, left, top, plot_h = 900, 470, 60, 50, 230
    group = (width - left - 20) / len(faults)
    bar = group * 0.8 / len(strategies)
    longest = max([r["ttd_s"] * LAB.divisor / 60 for r in results["summary"] if r["ttd_s"] is not None] + [1])
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           'font-size="11">', '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14" font-weight="bold">Time to detect (production minutes, '
           'median of the runs); ✕ = missed</text>']
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line x1="{left}" y1="{y:.0f}" x2="{width - 20}" y2="{y:.0f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 5}" y="{y + 4:.0f}" text-anchor="end">{longest * i / 4:.0f}</text>')
    for f, fault in enumerate(faults):
        x0 = left + f * group + group * 0.1
        out.append(f'<text x="{x0 + group * 0.4:.0f}" y="{top + plot_h + 15}" text-anchor="middle">{fault}</text>')
        for s, strategy in enumerate(strategies):
            row = table.get((strategy, fault))
            x = x0 + s * bar
            if row is None:
                continue
            if row["ttd_s"] is None or row["missed"] == row["runs"]:
                out.append(f'<text x="{x + bar / 2:.0f}" y="{top + plot_h - 4}" text-anchor="middle" '
                           f'fill="{colors[s]}">✕</text>')
                continue
            h = plot_h * (row["ttd_s"] * LAB.divisor / 60) / longest
            out.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar - 1:.1f}" height="{max(h, 1):.1f}" '
                       f'fill="{colors[s]}"/>')
    y0 = top + plot_h + 60
    out.append(f'<text x="{left}" y="{y0 - 15}" font-size="14" font-weight="bold">False alarms in the fault-free '
               f'stretch ({production(results["settings"]["fault_free"])} of production)</text>')
    most = max([c["firings"] for c in results["false_alarms"].values()] + [1])
    for s, strategy in enumerate(strategies):
        y = y0 + s * 22
        count = results["false_alarms"][strategy]["firings"]
        w = (width - left - 260) * count / most
        out.append(f'<rect x="{left + 200}" y="{y}" width="{max(w, 1):.1f}" height="16" fill="{colors[s]}"/>')
        out.append(f'<text x="{left + 195}" y="{y + 12}" text-anchor="end">{strategy}</text>')
        out.append(f'<text x="{left + 205 + w:.0f}" y="{y + 12}">{count}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_document(path, text):
    """Replaces the part between the study markers of `path`, keeping the rest; a new file gets a title."""
    if path.exists():
        current = path.read_text()
        begin, end = current.find("<!-- study:begin -->"), current.find("<!-- study:end -->")
        if begin < 0 or end < 0:
            sys.exit(f"alerting-study: {path} has no <!-- study:begin --> … <!-- study:end --> markers")
        text = current[:begin] + text + current[end + len("<!-- study:end -->\n"):]
    else:
        text = "# The alerting trade-off, measured\n\n" + text
    path.write_text(text)


# --------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", choices=["release", "debug"], default="release",
                        help="the binaries the lab runs (scripts/lab.sh's LAB_BUILD; release is built when stale)")
    parser.add_argument("--rate", type=float, default=100, help="user requests per second (default 100)")
    parser.add_argument("--noise", type=float, default=0.0005, help="the normal error rate (default 0.0005)")
    parser.add_argument("--warmup", type=int, default=60)
    parser.add_argument("--fault-free", type=int, default=600, help="lab seconds without a fault (default 600)")
    parser.add_argument("--hold", type=int, default=90, help="lab seconds each fault is held (default 90)")
    parser.add_argument("--gap", type=int, default=360, help="lab seconds after each fault (default 360: the 6m "
                                                             "window of the 6× burn rate drains)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="short stretches, for a smoke run")
    parser.add_argument("--output", default=str(ROOT / "docs/tradeoffs/alerting.md"))
    args = parser.parse_args()
    if args.quick:
        args.warmup, args.fault_free, args.hold, args.gap = 20, 60, 30, 40
    for tool in ("prometheus", "prometheus-alertmanager", "prometheus-blackbox-exporter"):
        if not shutil.which(tool):
            sys.exit(f"alerting-study: {tool} is missing (Debian packages prometheus, prometheus-alertmanager, "
                     "prometheus-blackbox-exporter)")
    if args.build == "debug" and not all(os.access(ROOT / ".build/debug" / name, os.X_OK)
                                         for name in ("app", "incident", "incident-serve")):
        sys.exit("alerting-study: --build debug needs .build/debug/app, incident and incident-serve (swift build)")
    output = pathlib.Path(args.output)
    defaults = parser.parse_args([])
    command = " ".join(["scripts/alerting-study.py"] + [
        f"--{k.replace('_', '-')} {getattr(args, k):g}" for k in ("rate", "noise", "warmup", "fault_free", "hold",
                                                                   "gap", "repeat")
        if getattr(args, k) != getattr(defaults, k)])
    work = pathlib.Path(tempfile.mkdtemp(prefix="alerting-study-"))
    stack = Lab(args, work)
    traffic = None
    load = [os.getloadavg()[0]]
    try:
        stack.up()
        # The lab's traffic generator, with enough clients that a slow answer on half the requests keeps the rate.
        traffic = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts/traffic.py"), "--target", stack.app, "--rps", f"{args.rate:g}",
             "--client-errors", "0", "--workers", "80", "--summary", str(work / "traffic.json")],
            stdout=subprocess.DEVNULL)
        study = Study(args, stack)
        study.run()
        traffic.terminate()
        traffic.wait(30)
        statuses = json.loads((work / "traffic.json").read_text())
        study.say("reading the alerts from Prometheus and the notifications from incident serve's database")
        firing = intervals(stack, study.fault_free[0] - 5, study.end)
        notifications = stack.notifications()
        rows, false_alarms = measure(study, firing, notifications)
        load.append(os.getloadavg()[0])
        slo_status = subprocess.run(
            [stack.incident, "slo", "status", "--profile", "lab", "--prometheus", stack.prometheus, "--slo-dir",
             str(ROOT / "ops/slo"), "--markdown"], env=study.env, capture_output=True, text=True).stdout
        slo_status = re.sub(r"^# ", "#### ", slo_status, flags=re.M).replace(f"Prometheus at {stack.prometheus}", "the study's Prometheus")
        version = stack.query("app_build_info")
        results = dict(
            date=datetime.date.today().isoformat(),
            machine=f"{os.cpu_count()} cores, {platform.system()} {platform.release()}",
            load=load,
            command=command.strip() or "scripts/alerting-study.py",
            app=version[0]["metric"] if version else {},
            settings={k: getattr(args, k) for k in ("rate", "noise", "warmup", "fault_free", "hold", "gap", "repeat")},
            traffic=statuses, episodes=study.episodes, fault_free=study.fault_free,
            firing=firing, notifications=notifications, rows=rows, summary=summary(rows),
            false_alarms=false_alarms, slo_status=slo_status)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.with_name(output.stem + "-results.json").write_text(json.dumps(results, indent=1) + "\n")
        output.with_suffix(".svg").write_text(svg(results))
        write_document(output, markdown(results))
        print(markdown(results))
        print(f"alerting-study: wrote {output}, its -results.json and .svg; traffic {statuses}")
    finally:
        if traffic and traffic.poll() is None:
            traffic.kill()
        stack.down()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
