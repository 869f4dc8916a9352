#!/usr/bin/env bash
# Every fault from outside the app, played for real on the production-like lab and undone: for each type it
# injects with `incident inject`, checks the effect on the machine (a process killed or stopped, a rule in
# force, PostgreSQL down, a lock held, the slots taken, a CPU quota, a replica OOM-killed, the database's
# disk full), clears it with `incident clear`, and checks that nothing of it remains and the service answers
# and writes as before. Then a fault left to expire, a game day stopped with Ctrl-C (it clears what it
# injected), and a keeper killed with faults in force: `lab.sh down` must sweep what it left (no rule,
# cgroup, ballast or stopped process).
#
#   scripts/outside-faults-e2e.sh        (as root: iptables and cgroups; CI runs it)
#
# LAB_BUILD=debug uses .build/debug binaries. Needs what scripts/lab.sh up needs, plus psql and iptables.
set -euo pipefail
cd "$(dirname "$0")/.."
export LAB_DIR=${LAB_DIR:-$(mktemp -d)/lab}
work=$(mktemp -d)
failures=0

fail() { echo "outside-faults: FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "outside-faults: ok: $*"; }

cleanup() {
    scripts/lab.sh down > "$work/down.log" 2>&1 || { cat "$work/down.log" >&2; failures=$((failures + 1)); }
}
trap cleanup EXIT

(( EUID == 0 )) || { echo "outside-faults: run as root (iptables, cgroups, runuser)" >&2; exit 69; }
command -v iptables > /dev/null || { echo "outside-faults: iptables is missing (apt-get install iptables)" >&2; exit 69; }

scripts/lab.sh up --replicas 3 --store postgres
# shellcheck disable=SC1091
source "$LAB_DIR/lab.env"
incident=$LAB_BIN/incident
export INCIDENT_DB=$work/incidents.db
tag=incident-lab-$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tag"])' "$LAB_DIR/keeper.json")
admin_url=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["postgres"]["admin_url"])' "$LAB_DIR/keeper.json")
read -r -a replica_urls <<< "$INCIDENT_REPLICAS"
pg_dir=$(cat "$LAB_DIR/postgres.dir")

# The running app of replica N (the child of its supervisor loop).
app_pid() {
    local supervisor
    supervisor=$(cat "$LAB_DIR/app-$1.pid")
    for pid in $(cat "/proc/$supervisor/task/$supervisor/children" 2>/dev/null); do
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == app ]] && { echo "$pid"; return; }
    done
}
# HTTP status of GET $1, with a timeout of $2 seconds (000 when nothing answered).
status_of() { curl -s -o /dev/null -m "${2:-3}" -w '%{http_code}' "$1" || true; }
# Waits up to 20 s for a command to succeed.
eventually() {
    for _ in $(seq 100); do "$@" && return 0; sleep 0.2; done
    return 1
}
# Nothing of the lab's faults remains on the machine: no tagged rule or cgroup (the keeper's own inventory,
# whatever the cgroup layout), nothing in the keeper's list.
no_leftovers() { [[ -z $(python3 scripts/lab_keeper.py leftovers "$LAB_DIR/keeper.json") ]]; }
nothing_left() {
    no_leftovers \
        && [[ $("$incident" faults --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))') == 0 ]]
}
# A note written through HAProxy: 201, or the HTTP status it got.
write_status() {
    curl -s -o /dev/null -m 3 -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -d '{"text":"outside-faults"}' "$INCIDENT_TARGET/api/notes" || true
}
serves() {
    [[ $(status_of "$INCIDENT_TARGET/api/notes") == 200 && $(status_of "$INCIDENT_TARGET/") == 200 \
        && $(write_status) == 201 ]]
}
# lab.sh status, whatever its exit status (1 while something is down, as during a fault).
lab_status() { scripts/lab.sh status 2>&1 || true; }
every_replica_up() { [[ $(lab_status | grep -c 'replica-[0-9] UP ') == 3 ]]; }
sql() { psql "${admin_url%/*}/app" -qAtX -c "$1"; }

# Injects `$@` (TYPE key=value…), runs the check named by $effect, clears it, and checks that it is undone.
play() {
    local effect=$1
    shift
    local id
    if ! id=$("$incident" inject "$@" --duration 2m -q 2> "$work/inject.err"); then
        fail "$*: inject refused: $(cat "$work/inject.err")"
        return
    fi
    if eventually "$effect"; then pass "$*: $effect"; else fail "$*: $effect did not hold"; fi
    "$incident" clear "$id" > /dev/null || fail "$*: clear failed"
    if eventually nothing_left && eventually serves && eventually every_replica_up; then
        pass "$*: undone, the service answers, every replica in rotation"
    else
        fail "$*: not undone after clear: $(lab_status | tail -n 8)"
    fi
}

killed_pid=$(app_pid 2)
replica_2_restarted() { [[ -n $(app_pid 2) && $(app_pid 2) != "$killed_pid" ]]; }
play replica_2_restarted kill --replica 2

replica_stopped() { [[ $(ps -o stat= -p "$1") == T* ]]; }
replica_3_stopped() { replica_stopped "$(app_pid 3)"; }
play replica_3_stopped pause replica=3

replica_1_out() { lab_status | grep -q 'replica-1 DOWN'; }
play replica_1_out partition from=lb to=replica-1

# Its /readyz fails (503, or no answer in time: a query on a pooled connection whose packets are dropped
# waits), while replica-1's passes.
replica_2_cut_from_db() {
    [[ $(status_of "${replica_urls[1]}/readyz") != 200 && $(status_of "${replica_urls[0]}/readyz") == 200 ]]
}
play replica_2_cut_from_db partition from=replica-2 to=db

postgres_down() { ! sql 'SELECT 1' > /dev/null 2>&1 && [[ $(status_of "$INCIDENT_TARGET/api/notes") == 503 ]]; }
play postgres_down db_down

lock_held() {
    [[ $(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
        WHERE c.relname = 'note' AND l.mode = 'AccessExclusiveLock' AND l.granted") == 1 ]]
}
play lock_held db_lock

slots_taken() { ! psql "${APP_DATABASE_URL%%\?*}" -qAtX -c 'SELECT 1' > /dev/null 2>&1; }
play slots_taken db_connections

quota_set() {
    local pid
    pid=$(app_pid 1)
    [[ $(grep -E '^[0-9]+:cpu,cpuacct:|^[0-9]+:cpu:' "/proc/$pid/cgroup") == *"$tag"* ]] \
        && [[ $(cat /sys/fs/cgroup/cpu/"$tag"/*/cpu.cfs_quota_us) == 10000 ]]
}
play quota_set cpu_throttle replica=1 cpus=0.1

# The kernel, not the keeper, ends the replica: its fault cgroup counts the OOM kill.
oom_pid=$(app_pid 2)
replica_2_oom_killed() {
    [[ -n $(app_pid 2) && $(app_pid 2) != "$oom_pid" ]] \
        && grep -qE '^oom_kill [1-9]' /sys/fs/cgroup/memory/"$tag"/*/memory.oom_control
}
play replica_2_oom_killed oom replica=2

# Writes fail once the table needs a new page (PostgreSQL fills the free space of its last one first: up to a
# few hundred notes), reads go on: a partial failure.
disk_full() {
    (( SECONDS < disk_until )) || return 1
    [[ $(df --output=avail -B1 "$pg_dir/data" | tail -n 1 | tr -d ' ') -lt 65536 ]] || return 1
    while (( SECONDS < disk_until )); do
        [[ $(write_status) == 500 ]] && break
    done
    [[ $(write_status) == 500 && $(status_of "$INCIDENT_TARGET/api/notes") == 200 ]]
}
disk_until=$((SECONDS + 90))
play disk_full disk_full

# A fault left alone ends at its duration: the keeper's timer, not the CLI, undoes it.
id=$("$incident" inject pause replica=1 --duration 2s -q)
sleep 3
if [[ $(ps -o stat= -p "$(app_pid 1)") != T* ]] && eventually nothing_left; then
    pass "pause for 2s: ended by the keeper at its duration"
else
    fail "pause for 2s: still in force after 3 s"
fi
"$incident" clear "$id" > /dev/null

# Refused whole: a partition the topology has no such hop for, and a replica the lab does not run.
for fault in "partition from=lb to=db" "kill replica=9"; do
    # shellcheck disable=SC2086
    if "$incident" inject $fault -q > /dev/null 2> "$work/refused.err"; then
        fail "$fault was accepted"
    else
        pass "$fault refused: $(head -c 120 "$work/refused.err")"
    fi
done
# The keeper's own bounds: the catalog allows replica 1 to 8, this lab runs 3; nothing may be left half made.
for fault in "kill replica=4" "cpu_throttle replica=4" "pause replica=5"; do
    # shellcheck disable=SC2086
    if "$incident" inject $fault -q > /dev/null 2> "$work/refused.err"; then
        fail "$fault was accepted by a lab of 3 replicas"
    elif nothing_left; then
        pass "$fault refused by the keeper, nothing left: $(head -c 100 "$work/refused.err")"
    else
        fail "$fault refused but left: $(python3 scripts/lab_keeper.py leftovers "$LAB_DIR/keeper.json")"
    fi
done
# Two CPU quotas on one replica would undo each other: the second is refused, the first stays whole.
first=$("$incident" inject cpu_throttle replica=1 --duration 2m -q)
if "$incident" inject cpu_throttle replica=all -q > /dev/null 2> "$work/refused.err"; then
    fail "an overlapping cpu_throttle was accepted"
elif quota_set; then
    pass "an overlapping cpu_throttle refused, the first in force: $(head -c 100 "$work/refused.err")"
else
    fail "an overlapping cpu_throttle was refused, but the first quota is gone"
fi
"$incident" clear "$first" > /dev/null
if eventually nothing_left; then pass "the first cpu_throttle cleared whole"; else fail "cpu_throttle left something"; fi
# The end of a full disk starts the database: refused while db_down holds it stopped.
first=$("$incident" inject db_down --duration 2m -q)
if "$incident" inject disk_full -q > /dev/null 2> "$work/refused.err"; then
    fail "disk_full was accepted while db_down was in force"
elif postgres_down; then
    pass "disk_full refused while db_down is in force, the database still down: $(head -c 100 "$work/refused.err")"
else
    fail "disk_full was refused, but the database runs again under db_down"
fi
"$incident" clear "$first" > /dev/null
if eventually nothing_left && eventually serves; then pass "db_down cleared whole"; else fail "db_down left something"; fi

if "$incident" inject kill replica=all --lab "http://127.0.0.1:1" -q > /dev/null 2>&1; then
    fail "a dead keeper took a fault"
else
    pass "a dead keeper: refused, nothing recorded"
fi

# Ctrl-C of a game day clears the outside fault it injected, as it does the app's.
cat > "$work/pause.yaml" <<'YAML'
name: stopped by Ctrl-C
steps:
  - name: a replica frozen for a long time
    fault: pause replica=2
    hold: 10m
    detect_within: 10m
YAML
frozen=$(app_pid 2)
"$incident" gameday run "$work/pause.yaml" > "$work/gameday.out" 2>&1 &
gameday=$!
if eventually replica_stopped "$frozen"; then
    kill -INT "$gameday"
    wait "$gameday" && code=0 || code=$?
    if [[ $code == 130 ]] && eventually nothing_left && kill -0 "$frozen" && [[ $(ps -o stat= -p "$frozen") != T* ]]; then
        pass "Ctrl-C of a game day: exit 130, the paused replica runs again, nothing left"
    else
        fail "Ctrl-C of a game day: exit $code, left: $(python3 scripts/lab_keeper.py leftovers "$LAB_DIR/keeper.json") $(tail -n 3 "$work/gameday.out")"
    fi
else
    fail "the game day did not pause replica-2: $(tail -n 5 "$work/gameday.out")"
    kill -INT "$gameday" 2> /dev/null || true
    wait "$gameday" || true
fi

# The keeper dies with faults in force: lab.sh down sweeps what it left.
stopped=$(app_pid 2)
"$incident" inject pause replica=2 --duration 10m -q > /dev/null
"$incident" inject partition from=lb to=replica-3 --duration 10m -q > /dev/null
"$incident" inject cpu_throttle replica=1 --duration 10m -q > /dev/null
"$incident" inject oom replica=3 --duration 10m -q > /dev/null
"$incident" inject disk_full --duration 10m -q > /dev/null
kill -KILL -- "-$(cat "$LAB_DIR/keeper.pid")"
if lab_status | grep -q "rule: .*$tag"; then pass "status lists the rule a dead keeper left"; else
    fail "status does not list the rule a dead keeper left"
fi
# The sweep lab.sh down runs, by itself first: the stopped replica runs again, and nothing is left.
python3 scripts/lab_keeper.py sweep "$LAB_DIR/keeper.json" || fail "the sweep failed"
if kill -0 "$stopped" && [[ $(ps -o stat= -p "$stopped") != T* ]] && no_leftovers; then
    pass "the sweep after the keeper died: the paused replica runs again, no rule, cgroup or ballast"
else
    fail "the sweep left: $(ps -o stat= -p "$stopped") $(python3 scripts/lab_keeper.py leftovers "$LAB_DIR/keeper.json")"
fi
trap - EXIT
cleanup
if no_leftovers && ! kill -0 "$stopped" 2>/dev/null && ! mountpoint -q "$pg_dir/data" && [[ ! -d $pg_dir ]]; then
    pass "lab.sh down after the keeper died: nothing left running, no rule, no cgroup, no mount"
else
    fail "lab.sh down left something: $(python3 scripts/lab_keeper.py leftovers "$LAB_DIR/keeper.json")"
fi

if (( failures > 0 )); then
    echo "outside-faults: $failures check(s) failed" >&2
    exit 1
fi
echo "outside-faults: every fault played, undone by clear, by its duration, and by lab.sh down"
