#!/usr/bin/env bash
# Proves the monitoring end to end on the production-like lab (scripts/lab.sh: HAProxy, 3 replicas sharing
# PostgreSQL, Prometheus, Alertmanager, the blackbox and PostgreSQL exporters, `incident serve`): sends steady
# traffic with a small share of normal client errors, checks that no alert fires during a fault-free minute,
# then plays examples/gameday/all-faults.yaml twice with alerts as the detector: each fault on one replica,
# then on all replicas; then examples/gameday/infra-faults.yaml, every fault from outside the app (the lab's
# keeper: kill, pause, partition, db_down, db_lock, db_connections, cpu_throttle; as root). Prints a markdown
# table per pass, one row per fault type, with what the fault cost
# the user-facing SLI (measured at HAProxy) and which alerts paged. Checks, in the lab profile:
#
#   - on all replicas, every fault that changes what users get pages within 60 s, median at most 15 s;
#     memory_leak and cpu_burn, which change no answer, are caught by an alert (a ticket) within 60 s;
#   - on one replica, crash and not_ready page nobody (HAProxy masks them) yet a ticket alert sees them;
#     every one-replica fault is caught by an alert or masked (user-facing errors under the objective);
#   - a fault from outside the app whose cost to users reaches the fast-burn page threshold pages within
#     60 s, median at most 15 s; any other is caught by an alert or masked;
#   - every fault recovered.
#
# Leaves nothing running.
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
# A failure shows what the keeper did last (its log goes with the lab's folder).
fail() {
    echo "observe-e2e FAILED: $*" >&2
    [[ -f $LAB_DIR/keeper.log ]] && { echo "-- the last of keeper.log:" >&2; tail -n 30 "$LAB_DIR/keeper.log" >&2; }
    exit 1
}
# The outside faults (iptables, cgroups, PostgreSQL stopped as its user) need root: said now, not after
# the app's game days.
(( EUID == 0 )) || { echo "observe-e2e: run as root: the outside game day needs iptables and cgroups" >&2; exit 69; }

scripts/lab.sh up --replicas 3 --store postgres
# shellcheck disable=SC1091
source "$LAB_DIR/lab.env"
export INCIDENT_AUTHOR=observe-e2e
python3 scripts/traffic.py --target "$INCIDENT_TARGET" --rps 20 >"$LAB_DIR/traffic.log" 2>&1 &
TRAFFIC_PID=$!

echo "== a fault-free minute of normal traffic through HAProxy: no alert may fire"
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

for scope in 1 all; do
    echo "== the all-faults game day on $([[ $scope == 1 ]] && echo "one replica of 3" || echo "all 3 replicas"), alerts as the detector"
    scripts/gameday.sh examples/gameday/all-faults.yaml --detector alerts -- --scope "$scope" --json \
        >"$LAB_DIR/scorecard-$scope.json" || fail "the game day did not complete (exit $?)"
done

echo "== every fault from outside the app, played by the lab's keeper, alerts as the detector"
scripts/gameday.sh examples/gameday/infra-faults.yaml --detector alerts -- --json \
    >"$LAB_DIR/scorecard-outside.json" || fail "the outside game day did not complete (exit $?)"

"$LAB_BIN/incident" list --json >"$LAB_DIR/incidents.json"
python3 scripts/observe_verdict.py --prometheus "$PROMETHEUS_URL" --incidents "$LAB_DIR/incidents.json" \
    "$LAB_DIR/scorecard-1.json" "$LAB_DIR/scorecard-all.json" "$LAB_DIR/scorecard-outside.json" \
    | tee "$LAB_DIR/verdict.md"
echo "== what the game days cost the SLOs (incident slo status --profile lab, on the lab's Prometheus)"
"$LAB_BIN/incident" slo status --profile lab --markdown | tee "$LAB_DIR/slo-status.md" \
    || fail "incident slo status failed on the lab's Prometheus"
scripts/lab.sh down
echo "observe-e2e: every fault was paged, ticketed or masked as the targets say; nothing left running"
