#!/usr/bin/env bash
# Proves the monitoring end to end with the real Prometheus, Alertmanager and blackbox exporter: brings up the
# lab (scripts/lab.sh), sends steady traffic with a small share of normal client errors, checks that no alert
# fires during a fault-free minute, plays examples/gameday/all-faults.yaml with alerts as the detector, and
# checks that every one of the ten fault types was detected by an alert (arriving at `incident serve`) and
# recovered by the prober, within the lab target: every type within 60 s of its injection, median TTD at most
# 15 s. Prints a markdown table, one row per fault type. Leaves nothing running.
#
#   scripts/observe-e2e.sh          (LAB_BUILD=debug: the binaries `swift test` built)
set -euo pipefail
cd "$(dirname "$0")/.."
export LAB_DIR=${LAB_DIR:-$(mktemp -d)/lab}
QUIET_SECONDS=${QUIET_SECONDS:-60}
TRAFFIC_PID=
cleanup() {
    local status=$?
    [[ -n $TRAFFIC_PID ]] && kill "$TRAFFIC_PID" 2>/dev/null || true
    scripts/lab.sh down >/dev/null 2>&1 || true
    exit "$status"
}
trap cleanup EXIT
fail() { echo "observe-e2e FAILED: $*" >&2; exit 1; }

scripts/lab.sh up
# shellcheck disable=SC1091
source "$LAB_DIR/lab.env"
export INCIDENT_AUTHOR=observe-e2e
python3 scripts/traffic.py --target "$INCIDENT_TARGET" --rps 20 >"$LAB_DIR/traffic.log" 2>&1 &
TRAFFIC_PID=$!

echo "== a fault-free minute of normal traffic: no alert may fire"
sleep 10   # enough samples for every window the rules read
end=$((SECONDS + QUIET_SECONDS))
while (( SECONDS < end )); do
    firing=$(curl -sf "$PROMETHEUS_URL/api/v1/query" --data-urlencode 'query=ALERTS{alertstate="firing"}' \
        | python3 -c 'import json,sys; print(" ".join(r["metric"]["alertname"] for r in json.load(sys.stdin)["data"]["result"]))')
    [[ -z $firing ]] || fail "alerts fired without any fault: $firing"
    sleep 2
done
echo "no alert fired in $QUIET_SECONDS s"
kill "$TRAFFIC_PID" 2>/dev/null || true
TRAFFIC_PID=
scripts/lab.sh status

echo "== the all-faults game day, alerts as the detector (scripts/gameday.sh, as a user runs it)"
scripts/gameday.sh examples/gameday/all-faults.yaml --detector alerts -- --json >"$LAB_DIR/scorecard.json" \
    || fail "the game day did not complete (exit $?)"

"$LAB_BIN/incident" list --json >"$LAB_DIR/incidents.json"
python3 - "$LAB_DIR/scorecard.json" "$LAB_DIR/incidents.json" <<'PYTHON'
import json, statistics, sys
scorecard = json.load(open(sys.argv[1]))
incidents = {i["id"]: i for i in json.load(open(sys.argv[2]))}
rows, failures, ttds = [], [], []
for step in scorecard["steps"]:
    fault_type = step["fault"].split()[0]
    incident = incidents.get(step["incident"]) or {}
    detection = incident.get("detection") or ""
    ttd, ttr = step["ttd_s"], step["ttr_s"] if step["recovered"] else None
    alert = detection[len("alert:"):] if detection.startswith("alert:") else "-"
    rows.append(f"| {fault_type} | {alert} | {'-' if ttd is None else f'{ttd:.1f}'} | {'-' if ttr is None else f'{ttr:.1f}'} |")
    if not detection.startswith("alert:"):
        failures.append(f"{fault_type}: not detected by an alert ({detection or 'undetected'})")
    elif ttd is None or ttd > 60:
        failures.append(f"{fault_type}: detected after {ttd} s, over 60 s")
    else:
        ttds.append(ttd)
    if not step["recovered"]:
        failures.append(f"{fault_type}: not recovered")
print("| fault | alert | TTD s | TTR s |")
print("|---|---|---|---|")
print("\n".join(rows))
median = statistics.median(ttds) if ttds else None
print(f"\nmedian TTD {median:.1f} s over {len(ttds)} detected fault types" if median is not None else "\nno detection")
if median is not None and median > 15:
    failures.append(f"median TTD {median:.1f} s is over 15 s")
for failure in failures:
    print("FAILED:", failure)
sys.exit(1 if failures else 0)
PYTHON
echo "== what the game day cost the SLOs (incident slo status --profile lab, on the lab's Prometheus)"
"$LAB_BIN/incident" slo status --profile lab --markdown | tee "$LAB_DIR/slo-status.md" \
    || fail "incident slo status failed on the lab's Prometheus"
scripts/lab.sh down
echo "observe-e2e: every fault type was caught by an alert; nothing left running"
