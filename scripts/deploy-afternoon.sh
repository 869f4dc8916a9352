#!/usr/bin/env bash
# A lab afternoon of deploys, for docs/phase-6-changes.md: under steady traffic, the releases of
# examples/releases/ go out rolling and as canaries, one bad release goes out rolling and is let through (the
# alerts page, the on-call links the incident to the deploy and rolls back), and the tracker ends up with the
# deploys, the incident they caused and a decision record of the rollout strategy, measured. Not in CI: it
# takes about six minutes. Writes its table and the tracker's export to OUT_DIR.
#
#   scripts/deploy-afternoon.sh OUT_DIR        (LAB_BUILD=debug uses .build/debug binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/deploy-afternoon.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export LAB_DIR=${LAB_DIR:-$(mktemp -d)/lab}
work=$(mktemp -d)
traffic_pid=
cleanup() {
    [[ -n $traffic_pid ]] && kill -INT "$traffic_pid" 2>/dev/null || true
    scripts/lab.sh down > "$work/down.log" 2>&1 || cat "$work/down.log" >&2
}
trap cleanup EXIT

scripts/lab.sh up --replicas 3 --store postgres
# shellcheck disable=SC1091
source "$LAB_DIR/lab.env"
export PATH=$LAB_BIN:$PATH INCIDENT_AUTHOR=on-call

echo "| # | release | strategy | result | took | users' requests | failed (5xx) | why |" > "$out/deploys.md"
echo "|---|---|---|---|---|---|---|---|" >> "$out/deploys.md"
# Deploys $1 with the options after it, under traffic of its own; one row of the table.
deploy() {
    local release=$1
    shift
    python3 scripts/traffic.py --target "$INCIDENT_TARGET" --rps 40 --summary "$work/traffic.json" \
        > /dev/null 2>&1 &
    traffic_pid=$!
    sleep 2
    local started status=0
    started=$(date +%s.%N)
    scripts/deploy.sh "$release" "$@" > "$work/deploy.log" 2>&1 || status=$?
    local took
    took=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f} s')" "$started")
    sleep 2
    kill -INT "$traffic_pid"
    wait "$traffic_pid" || true
    traffic_pid=
    local last
    last=$(tail -n 1 "$work/deploy.log")
    python3 - "$release" "$*" "$took" "$last" "$work/traffic.json" >> "$out/deploys.md" <<'EOF'
import json, re, sys
release, options, took, last, traffic = sys.argv[1:]
counts = json.load(open(traffic))
failed = sum(n for status, n in counts.items() if status == "error" or status.startswith("5"))
found = re.match(r"deploy: deploy #(\d+): (\S+) (\S+) in [0-9.]+ s(?:: (.*))?", last)
number, version, result, why = found.groups() if found else ("?", release, "?", last)
strategy = "canary" if "canary" in options else "rolling"
print(f"| {number} | {version} | {strategy} | {result} | {took} | {sum(counts.values())} | {failed} | {why or '-'} |")
EOF
    cat "$work/deploy.log"
    return $status
}

# What the on-call does once the alerts have had their say: each incident they opened is linked to the deploy
# its note names, mitigated when that deploy ended (or when it was detected, if later), and resolved.
settle() {
    sleep 20
    for id in $(incident list --unresolved --json | python3 -c 'import json, sys
print(" ".join(str(i["id"]) for i in json.load(sys.stdin)))'); do
        local detail deploy at
        detail=$(incident show "$id" --json)
        deploy=$(python3 -c 'import json, re, sys
notes = [e["text"] for e in json.load(sys.stdin)["timeline"] if e["kind"] == "note"]
found = [m.group(1) for t in notes for m in [re.search(r"--caused-by (\d+)", t)] if m]
print(found[0] if found else "")' <<< "$detail")
        [[ -n $deploy ]] || continue
        at=$(incident deploy show "$deploy" --json | python3 -c 'import json, sys
print(json.load(sys.stdin)["deployed_at"])')
        at=$(python3 -c 'import json, sys
incident = json.loads(sys.argv[1])
print(max(sys.argv[2], incident["detected_at"] or sys.argv[2]))' "$detail" "$at")
        incident edit "$id" --caused-by "$deploy" > /dev/null
        incident mitigate "$id" --at "$at" > /dev/null
        incident resolve "$id" --category deploy --fix "the canary was rolled back" \
            --cause "the canary of deploy #$deploy failed some users' requests before it was rolled back" > /dev/null
        echo "afternoon: incident #$id, opened by an alert, was caused by deploy #$deploy"
    done
}

deploy good
deploy crash-loop --strategy canary --canary-share 0.05 || true
deploy failing-route --strategy canary --canary-share 0.05 || true
deploy next --strategy canary --canary-share 0.05 --bake 30
deploy slow-writes --strategy canary --canary-share 0.05 || true
settle

# The same failing release, rolling: nothing stops it. Traffic runs on until the page, the on-call links the
# incident the alert opened to the deploy and rolls back.
python3 scripts/traffic.py --target "$INCIDENT_TARGET" --rps 40 --summary "$work/through.json" > /dev/null 2>&1 &
traffic_pid=$!
sleep 2
started=$(date +%s.%N)
scripts/deploy.sh failing-route > "$work/through.log" 2>&1
cat "$work/through.log"
bad=$(sed -n 's/^deploy: deploy #\([0-9]*\):.*/\1/p' "$work/through.log")
incident_id=
for _ in $(seq 120); do
    # The page's incident: the newest unresolved one an alert detected (list is newest first).
    incident_id=$(incident list --unresolved --json | python3 -c 'import json, sys
found = [i for i in json.load(sys.stdin) if (i["detection"] or "").startswith("alert")]
print(found[0]["id"] if found else "")')
    [[ -n $incident_id ]] && break
    sleep 1
done
[[ -n $incident_id ]] || { echo "afternoon: no alert opened an incident within 120 s" >&2; exit 1; }
incident show "$incident_id" | grep -- "--caused-by" || true
incident edit "$incident_id" --caused-by "$bad" > /dev/null
incident ack "$incident_id" > /dev/null
# The failure began with the rollout, not with the alert: the incident starts when the deploy did.
incident edit "$incident_id" --started-at "$(date -u -d "@${started%.*}" +%Y-%m-%dT%H:%M:%SZ)" > /dev/null
scripts/deploy.sh next > "$work/rollback.log" 2>&1
cat "$work/rollback.log"
incident mitigate "$incident_id" > /dev/null
took=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f} s')" "$started")
sleep 2
kill -INT "$traffic_pid"
wait "$traffic_pid" || true
traffic_pid=
incident resolve "$incident_id" --category deploy \
    --cause "release 0.2.3-list answered GET /api/notes with 500 (its listing handler broke in a refactoring)" \
    --fix "rolled back to 0.3.0 (scripts/deploy.sh next)" \
    --prevent "deploy app by canary only (ADR 1)" > /dev/null
python3 - "$bad" "$took" "$work/through.json" >> "$out/deploys.md" <<'EOF'
import json, sys
bad, took, traffic = sys.argv[1:]
counts = json.load(open(traffic))
failed = sum(n for status, n in counts.items() if status == "error" or status.startswith("5"))
print(f"| {bad} | 0.2.3-list | rolling | succeeded, then rolled back by hand | {took} (to the rollback) | "
      f"{sum(counts.values())} | {failed} | nothing stopped it: the alert paged, the on-call rolled back |")
EOF
settle
incident export > "$out/lab-afternoon.jsonl"
cat "$out/deploys.md"
echo "afternoon: the tracker's export is $out/lab-afternoon.jsonl; incident #$incident_id was caused by deploy #$bad"
