#!/usr/bin/env bash
# Runs the Chaos Toolkit experiments of examples/chaostoolkit/ for real against the app on a loopback port,
# imports their journals into a fresh database and checks what `incident` recorded: the deviating run as an
# injected incident detected via probe, the holding one undetected, and a second import adding nothing.
#
#   scripts/chaostoolkit-e2e.sh [CHAOS] [INCIDENT] [APP]
#   (defaults: .build-ci-tools/bin/chaos, .build/debug/incident, .build/debug/app)
set -euo pipefail
cd "$(dirname "$0")/.."
CHAOS=${1:-.build-ci-tools/bin/chaos}
INCIDENT=$(realpath "${2:-.build/debug/incident}")
APP=$(realpath "${3:-.build/debug/app}")
WORK=$(mktemp -d)
APP_PID=
cleanup() {
    [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "chaostoolkit-e2e FAILED: $*" >&2; exit 1; }

export APP_ADMIN_TOKEN=ctk-e2e-$RANDOM$RANDOM
APP_PORT=0 APP_DATA="$WORK/app.db" APP_DRAIN_DELAY_S=0 "$APP" >"$WORK/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 100); do
    PORT=$(grep -o '"message":"listening".*"port":[0-9]*' "$WORK/app.log" | grep -o '[0-9]*$' || true)
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "${PORT:-}" ] || fail "the app did not start: $(cat "$WORK/app.log")"
export APP_URL=http://127.0.0.1:$PORT

# `chaos run` exits 1 when the steady state deviated: the journal is what counts.
for experiment in error-deviates latency-holds; do
    "$CHAOS" --no-log-file run --journal-path "$WORK/$experiment.json" "examples/chaostoolkit/$experiment.json" \
        >"$WORK/$experiment.out" 2>&1 || true
    [ -s "$WORK/$experiment.json" ] || fail "chaos run $experiment wrote no journal: $(tail -5 "$WORK/$experiment.out")"
done

export INCIDENT_DB=$WORK/incidents.db INCIDENT_AUTHOR=chaostoolkit-e2e
"$INCIDENT" import --format chaostoolkit "$WORK/error-deviates.json" "$WORK/latency-holds.json"
again=$("$INCIDENT" import --format chaostoolkit "$WORK/error-deviates.json")
[[ $again == *"skipped 1 journal imported before"* ]] || fail "a second import added the journal again: $again"
"$INCIDENT" list --json | python3 -c '
import json, sys
incidents = {i["title"]: i for i in json.load(sys.stdin)}
assert len(incidents) == 2, f"two incidents expected, got {len(incidents)}"
deviated = next(i for t, i in incidents.items() if "503" in t)
held = next(i for t, i in incidents.items() if "latency" in t)
for incident in incidents.values():
    assert incident["kind"] == "injected" and incident["status"] == "resolved", incident
assert deviated["detection"] == "probe" and deviated["fault"].startswith("error status=503"), deviated
assert held["detected_at"] is None and held["fault"].startswith("latency ms=50"), held
print("deviated run: detected after", deviated["durations"]["ttd_s"], "s; held run: undetected")
'
"$INCIDENT" db check >/dev/null
echo "chaostoolkit-e2e: both experiments ran against the app and imported as expected"
