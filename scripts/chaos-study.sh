#!/usr/bin/env bash
# The measured runs of docs/phase-4-tradeoffs.md, "Continuous chaos" (not in CI: about 40 minutes):
#   1. examples/chaos/pool.yaml for MINUTES (default 30; the lab profile's 30 production hours) on the
#      production-like lab (3 replicas, PostgreSQL) under 80 requests a second;
#   2. the same pool for 8 minutes, with a real incident opened 2 minutes in and resolved 3 minutes later:
#      the runner halts what runs, skips while it is open, and goes on once it is resolved.
# Writes the events (JSON lines), `incident chaos status` of each run and the tracker's export into OUT.
#
#   LAB_BUILD=debug scripts/chaos-study.sh docs/data/phase-4 [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/chaos-study.sh OUT_DIR [MINUTES]}
minutes=${2:-30}
mkdir -p "$out"
export LAB_DIR=${LAB_DIR:-$(mktemp -d)/lab}
traffic_pid=
cleanup() {
    [[ -n $traffic_pid ]] && kill -INT "$traffic_pid" 2>/dev/null || true
    scripts/lab.sh down > /dev/null 2>&1 || true
}
trap cleanup EXIT
scripts/lab.sh up --replicas 3 --store postgres
# shellcheck disable=SC1091
source "$LAB_DIR/lab.env"
incident=$LAB_BIN/incident
python3 scripts/traffic.py --target "$INCIDENT_TARGET" --rps 80 --summary "$out/chaos-traffic.json" \
    > /dev/null 2>&1 &
traffic_pid=$!
sleep 60

"$incident" chaos run examples/chaos/pool.yaml --profile lab --until "${minutes}m" --json > "$out/chaos-run.jsonl"
"$incident" chaos status examples/chaos/pool.yaml --profile lab > "$out/chaos-status.txt"
"$incident" chaos status examples/chaos/pool.yaml --profile lab --json > "$out/chaos-status.json"

# The second run: a real incident in the middle.
sed 's/^name: lab chaos$/name: lab chaos with a real incident/' examples/chaos/pool.yaml > "$LAB_DIR/pool-real.yaml"
"$incident" chaos run "$LAB_DIR/pool-real.yaml" --profile lab --until 8m --json > "$out/chaos-real-run.jsonl" &
run_pid=$!
sleep 120
real=$("$incident" open "checkout fails for some users (a real incident, opened by hand)" --service app -q)
echo "{\"kind\":\"real_incident_opened\",\"at\":\"$(date -u +%FT%T.%3NZ)\",\"incident\":$real}" \
    > "$out/chaos-real-incident.jsonl"
sleep 180
"$incident" resolve "$real" --cause "a real incident opened by hand for the study" > /dev/null
echo "{\"kind\":\"real_incident_resolved\",\"at\":\"$(date -u +%FT%T.%3NZ)\",\"incident\":$real}" \
    >> "$out/chaos-real-incident.jsonl"
wait "$run_pid"
"$incident" chaos status "$LAB_DIR/pool-real.yaml" --profile lab > "$out/chaos-real-status.txt"
"$incident" export > "$out/chaos-history.jsonl"
echo "chaos-study: written to $out"
