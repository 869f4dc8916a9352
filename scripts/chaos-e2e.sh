#!/usr/bin/env bash
# Continuous chaos on the production-like lab, short (CI runs it; about 3 minutes), under steady traffic:
#   - a run stopped by SIGTERM in the middle of an experiment clears its fault, records the experiment as
#     halted, resolves its incident and exits 130; one killed (SIGKILL) leaves its fault, which the next run
#     clears before anything else;
#   - an experiment that hurts users (half of every request fails) is halted within seconds, its fault
#     cleared, and the chaos never spends more than the pool's cap of any SLO's budget;
#   - while a page fires, the guard refuses: the draw is skipped and recorded with the reason;
#   - while a real incident is open, the guard refuses too; once it is resolved, an experiment may start.
#
#   scripts/chaos-e2e.sh        (LAB_BUILD=debug uses .build/debug binaries)
#
# Needs what scripts/lab.sh up needs.
set -euo pipefail
cd "$(dirname "$0")/.."
export LAB_DIR=${LAB_DIR:-$(mktemp -d)/lab}
work=$(mktemp -d)
failures=0

fail() { echo "chaos-e2e: FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "chaos-e2e: ok: $*"; }

traffic_pid=
cleanup() {
    [[ -n $traffic_pid ]] && kill -INT "$traffic_pid" 2>/dev/null || true
    scripts/lab.sh down > "$work/down.log" 2>&1 || { cat "$work/down.log" >&2; failures=$((failures + 1)); }
}
trap cleanup EXIT

scripts/lab.sh up --replicas 3
# shellcheck disable=SC1091
source "$LAB_DIR/lab.env"
incident=$LAB_BIN/incident
read -r -a replica_urls <<< "$INCIDENT_REPLICAS"
python3 scripts/traffic.py --target "$INCIDENT_TARGET" --rps 80 > "$work/traffic.log" 2>&1 &
traffic_pid=$!

# A pool of one fault ($1), drawn 1 to 2 s after the last experiment, with the lab's guard.
pool() {
    cat > "$work/pool.yaml" <<POOL
name: ci chaos
service: app
schedule: {gap: 1s..2s}
guard: {min_budget_left: 0%, max_budget_spend: 10%, stop_burn_rate: 50}
defaults: {detect_within: 30s, recover_within: 30s}
faults:
  - {fault: "$1", hold: "$2", replicas: "${3:-1}"}
POOL
}
# The faults in force on every replica, as one count.
faults_in_force() {
    for url in "${replica_urls[@]}"; do
        curl -s -m 3 -H "Authorization: Bearer $APP_ADMIN_TOKEN" "$url/admin/faults"
        echo
    done | python3 -c 'import json, sys
print(sum(len(json.loads(line)["faults"]) for line in sys.stdin if line.strip()))'
}
# A field of the last JSON event of kind $2 in $1: python expression $3 over `e`.
event() {
    python3 -c 'import json, sys
events = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
last = [e for e in events if e["kind"] == sys.argv[2]]
e = last[-1] if last else None
print(eval(sys.argv[3]) if e else "none")' "$1" "$2" "$3"
}
sleep 15

# SIGTERM in the middle of an experiment.
pool "latency ms=600 probability=0.2" 60s
"$incident" chaos run "$work/pool.yaml" --profile lab --json > "$work/term.jsonl" 2> "$work/term.err" &
chaos_pid=$!
for _ in $(seq 60); do grep -q '"kind":"started"' "$work/term.jsonl" && break; sleep 1; done
sleep 3
kill -TERM "$chaos_pid"
status=0
wait "$chaos_pid" || status=$?
if (( status == 130 )) && [[ $(faults_in_force) == 0 ]] && [[ $(event "$work/term.jsonl" ended 'e["outcome"]') == halted ]]; then
    pass "SIGTERM during an experiment: exit 130, no fault left, the experiment halted"
else
    fail "SIGTERM during an experiment: exit $status, $(faults_in_force) fault(s) in force: $(tail -n 3 "$work/term.jsonl") $(cat "$work/term.err")"
fi
open=$("$incident" list --unresolved --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
[[ $open == 0 ]] && pass "the interrupted experiment's incident is resolved" || fail "$open incident(s) left open"

# A runner killed (SIGKILL) mid-experiment leaves its fault; the next run closes it first.
"$incident" chaos run "$work/pool.yaml" --profile lab --json > "$work/kill.jsonl" 2> "$work/kill.err" &
chaos_pid=$!
for _ in $(seq 60); do grep -q '"kind":"started"' "$work/kill.jsonl" && break; sleep 1; done
kill -KILL "$chaos_pid"
wait "$chaos_pid" 2> /dev/null || true
left=$(faults_in_force)
"$incident" chaos run "$work/pool.yaml" --profile lab --json --until 1s > "$work/restart.jsonl" 2> "$work/restart.err" \
    || true
closed=$(event "$work/restart.jsonl" closed 'e["reason"]')
if [[ $left == 1 && $(faults_in_force) == 0 && $closed == *"fault was cleared"* ]]; then
    pass "a killed runner's fault was cleared by the next run: $closed"
else
    fail "after SIGKILL $left fault(s) were left, $(faults_in_force) after the restart: $closed $(cat "$work/restart.err")"
fi
open=$("$incident" list --unresolved --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
[[ $open == 0 ]] && pass "the killed experiment's incident is resolved" || fail "$open incident(s) left open"

# An experiment that hurts users is halted, under the cap.
pool "error status=500 probability=0.5" 30s all
status=0
"$incident" chaos run "$work/pool.yaml" --profile lab --json --max-experiments 1 > "$work/halt.jsonl" 2> "$work/halt.err" \
    || status=$?
outcome=$(event "$work/halt.jsonl" ended 'e["outcome"] + ": " + (e["reason"] or "")')
incident_id=$(event "$work/halt.jsonl" ended 'e["incident"]')
if (( status == 0 )) && [[ $outcome == halted:* ]]; then
    pass "a breach halted the experiment: ${outcome#halted: }"
else
    fail "the breach was not halted (exit $status): $outcome $(cat "$work/halt.err")"
fi
held=$("$incident" show "$incident_id" --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
cleared = [e["at"] for e in d["timeline"] if e["kind"] in ("fault_cleared", "fault_expired")]
from datetime import datetime
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
print(round((t(cleared[0]) - t(d["started_at"])).total_seconds(), 1) if cleared else "never")')
if [[ $held != never ]] && python3 -c "import sys; sys.exit(0 if $held <= 10 else 1)"; then
    pass "its fault was cleared ${held} s after the injection (hold 30 s)"
else
    fail "its fault was cleared after $held s"
fi
"$incident" chaos status "$work/pool.yaml" --profile lab --json > "$work/status.json"
over=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join(b["slo"] + ":" + format(b["chaos_spent"], ".4f") for b in s["budgets"] or [] if b["chaos_spent"] > s["cap"]) or "-")' \
    "$work/status.json")
spent=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(", ".join(b["slo"] + " " + format(100 * b["chaos_spent"], ".2f") + " %" for b in s["budgets"] or []))' "$work/status.json")
[[ $over == - && -n $spent ]] && pass "the chaos spent under its 10 % cap: $spent" || fail "the chaos passed its cap: $over ($spent)"

# While a page fires, the guard refuses.
pool "latency ms=600 probability=0.2" 10s
read -r page_incident < <("$incident" inject error status=500 --target "${replica_urls[0]}" -q)
for _ in $(seq 60); do
    curl -s "$PROMETHEUS_URL/api/v1/query" --data-urlencode 'query=ALERTS{severity="page",alertstate="firing"}' \
        | grep -q '"alertname"' && break
    sleep 1
done
"$incident" chaos run "$work/pool.yaml" --profile lab --json --until 5s > "$work/page.jsonl" 2> "$work/page.err" || true
"$incident" clear "$page_incident" > /dev/null
checks=$(event "$work/page.jsonl" skipped '" ".join(c["name"] for c in e["checks"])')
[[ $checks == *"paging alerts"* ]] && pass "while a page fired the draw was skipped ($checks)" \
    || fail "the guard did not refuse while a page fired: $(cat "$work/page.jsonl" "$work/page.err")"
"$incident" resolve "$page_incident" --cause "chaos-e2e: a page on purpose" > /dev/null

# While a real incident is open, the guard refuses; resolved, it allows.
real=$("$incident" open "checkout is slow (a real one)" --service app -q)
"$incident" chaos run "$work/pool.yaml" --profile lab --dry-run --json > "$work/real.json"
verdict=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["guard_allows"], [c["detail"] for c in d["checks"] if c["name"] == "open incidents"][0])' "$work/real.json")
[[ $verdict == False*"real incident"* ]] && pass "a real incident open: the guard refuses" || fail "with a real incident open: $verdict"
"$incident" resolve "$real" --cause "chaos-e2e: resolved" > /dev/null

trap - EXIT
cleanup
if (( failures > 0 )); then
    echo "chaos-e2e: $failures check(s) failed" >&2
    exit 1
fi
echo "chaos-e2e: the chaos stayed within its budget, stopped when users paid, and waited for people"
