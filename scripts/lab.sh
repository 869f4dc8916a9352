#!/usr/bin/env bash
# The production-like lab on loopback: HAProxy in front of N replicas of the app (each restarted whenever it
# exits, as a container runtime would), PostgreSQL as the store they share (a throwaway cluster run as the
# unprivileged postgres user) with its Prometheus exporter, the blackbox exporter, Prometheus with the lab
# rules, Alertmanager, and `incident serve` receiving its alerts, each on a free port, with all their data
# in one folder.
#
#   scripts/lab.sh up [--replicas N] [--store postgres|sqlite]
#                           starts everything (building release binaries when missing or stale) and says
#                           where each UI is; the settings go to $LAB_DIR/lab.env for scripts to source.
#                           3 replicas on PostgreSQL by default; --replicas 1 --store sqlite is the
#                           single-process lab of a laptop (still behind HAProxy, which measures the SLIs)
#   scripts/lab.sh status   what runs, every replica with HAProxy's view of it, and the outside faults in force
#   scripts/lab.sh down     undoes every outside fault, stops everything; no process, rule, cgroup or port left
#
# The keeper (scripts/lab_keeper.py, at $INCIDENT_LAB_URL) plays the faults from outside the app on what the
# lab started: kill, pause, partition, db_down, db_lock, db_connections, cpu_throttle.
#
# Each replica runs the release $LAB_DIR/app-N.release names (a folder in $LAB_DIR/releases: the app binary
# and its release.env); scripts/deploy.sh rolls a new one out, rolling or as a canary.
#
# LAB_DIR (default .lab/) holds the data, logs and lab.env. LAB_BUILD=debug uses .build/debug binaries
# (as CI does after `swift test`) instead of building release ones. LAB_OPS_REV=COMMIT takes the monitoring
# (ops/) as it was at that commit, to measure the alerts before a change against the alerts after it.
# LAB_POOL_SIZE (4) is each replica's database pool. APP_ADMIN_TOKEN and the receiver's token are made up
# when not set. Needs haproxy, prometheus, prometheus-alertmanager, prometheus-blackbox-exporter, and for
# the PostgreSQL store postgresql and prometheus-postgres-exporter (Debian packages), and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LAB_DIR=${LAB_DIR:-$ROOT/.lab}
ENV_FILE=$LAB_DIR/lab.env

die() { echo "lab: $*" >&2; exit 1; }
# A command line the lab cannot take: exit 64, as the CLI does.
usage_error() { echo "lab: $*" >&2; exit 64; }

# A free loopback port, from the kernel.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The folder of the binaries, built when missing or older than a source file.
binaries() {
    if [[ ${LAB_BUILD:-release} == debug ]]; then
        echo "$ROOT/.build/debug"
        return
    fi
    local folder=$ROOT/.build/release
    local stale=
    for binary in app incident incident-serve; do
        if [[ ! -x $folder/$binary ]] || [[ -n $(find Sources app Package.swift Package.resolved -newer "$folder/$binary" -print -quit) ]]; then
            stale=yes
        fi
    done
    if [[ -n $stale ]]; then
        echo "lab: building release binaries (a few minutes the first time)…" >&2
        swift build -c release --static-swift-stdlib --product app >&2
        swift build -c release --static-swift-stdlib --product incident >&2
        swift build -c release --static-swift-stdlib --product incident-serve >&2
    fi
    echo "$folder"
}

# Waits until http://127.0.0.1:$1$2 answers (any status), for a component named $3.
wait_for() {
    for _ in $(seq 150); do
        if python3 - "$1" "$2" <<'EOF' 2>/dev/null; then return 0; fi
import http.client, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=1)
connection.request("GET", sys.argv[2])
connection.getresponse()
EOF
        running "$3" || die "$3 exited: $(tail -n 3 "$LAB_DIR/$3.log")"
        sleep 0.2
    done
    die "$3 did not answer on 127.0.0.1:$1$2; see $LAB_DIR/$3.log"
}

# Starts a component in a process group of its own, so that `down` stops all it started.
start() {
    local name=$1
    shift
    setsid "$@" >"$LAB_DIR/$name.log" 2>&1 < /dev/null &
    echo "$!" > "$LAB_DIR/$name.pid"
}

need() {
    command -v "$1" >/dev/null || die "$1 is missing (apt-get install $2)"
}

up() {
    local replicas=3 store=postgres
    while (( $# > 0 )); do
        case $1 in
            --replicas) replicas=${2:-}; shift 2 || usage_error "--replicas needs a number" ;;
            --store) store=${2:-}; shift 2 || usage_error "--store needs postgres or sqlite" ;;
            *) usage_error "unknown option '$1'; usage: scripts/lab.sh up [--replicas N] [--store postgres|sqlite]" ;;
        esac
    done
    [[ $replicas =~ ^[1-8]$ ]] || usage_error "--replicas is '$replicas'; give 1 to 8"
    [[ $store == postgres || $store == sqlite ]] || usage_error "--store is '$store'; give postgres or sqlite"
    (( replicas == 1 )) || [[ $store == postgres ]] \
        || usage_error "--store sqlite keeps each replica's notes in its own file; use --store postgres for $replicas replicas"
    need haproxy haproxy
    need prometheus prometheus
    need prometheus-alertmanager prometheus-alertmanager
    need prometheus-blackbox-exporter prometheus-blackbox-exporter
    if [[ $store == postgres ]]; then
        need prometheus-postgres-exporter prometheus-postgres-exporter
        ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || die "PostgreSQL's server is missing (apt-get install postgresql)"
    fi
    if [[ -f $ENV_FILE ]] && running_any; then die "the lab runs already ($LAB_DIR); run scripts/lab.sh down first"; fi
    local bin
    bin=$(binaries)
    # The folder is replaced: only one a lab made before (it holds the marker), or an empty one.
    if [[ -d $LAB_DIR && ! -f $LAB_DIR/.lab-dir && -n $(ls -A "$LAB_DIR") ]]; then
        die "$LAB_DIR holds files that are not a lab's; set LAB_DIR to an empty or new folder"
    fi
    rm -rf "$LAB_DIR"
    mkdir -p "$LAB_DIR"
    touch "$LAB_DIR/.lab-dir"
    local lb_port haproxy_metrics_port blackbox_port prometheus_port alertmanager_port serve_port exporter_port
    lb_port=$(free_port); haproxy_metrics_port=$(free_port); blackbox_port=$(free_port)
    prometheus_port=$(free_port); alertmanager_port=$(free_port); serve_port=$(free_port)
    local replica_ports=() replica_addresses=() replica_urls=() components=()
    for _ in $(seq "$replicas"); do
        replica_ports+=("$(free_port)")
        replica_addresses+=("127.0.0.1:${replica_ports[-1]}")
        replica_urls+=("http://127.0.0.1:${replica_ports[-1]}")
    done
    local keeper_port
    keeper_port=$(free_port)
    local admin_token=${APP_ADMIN_TOKEN:-lab-$RANDOM$RANDOM$RANDOM}
    local serve_token=${INCIDENT_SERVE_TOKEN:-lab-receiver-$RANDOM$RANDOM$RANDOM}
    echo "$serve_token" > "$LAB_DIR/receiver.token"
    chmod 600 "$LAB_DIR/receiver.token"
    local ops=$ROOT
    if [[ -n ${LAB_OPS_REV:-} ]]; then
        ops=$LAB_DIR/ops-$LAB_OPS_REV
        mkdir -p "$ops"
        git archive "$LAB_OPS_REV" ops scripts/render-ops-config.sh | tar -x -C "$ops" \
            || die "cannot read ops/ at $LAB_OPS_REV"
    fi
    # A component that does not start leaves none of the others running.
    trap 'if (( $? != 0 )); then echo "lab: up failed; stopping what it started" >&2; down >/dev/null 2>&1; fi' EXIT
    local database_url='' exporter_address=none postgres_json=null
    if [[ $store == postgres ]]; then
        # max_connections low enough that the lab's alert on connections near the limit means something.
        # The cluster's folder directly under /tmp: run as root, PostgreSQL runs as the postgres user, who
        # may not enter LAB_DIR's parents (mktemp -d makes them private). Its path is kept for `down`.
        local admin_url password pg_dir
        pg_dir=$(mktemp -d -u /tmp/incident-lab-postgres.XXXXXX)
        echo "$pg_dir" > "$LAB_DIR/postgres.dir"
        # As root, the data on a small tmpfs of its own: the disk_full fault fills that, not the machine's disk.
        local data_fs=
        (( EUID == 0 )) && data_fs=${LAB_POSTGRES_DATA_MB:-192}
        [[ -z $data_fs || ($data_fs =~ ^[0-9]+$ && data_fs -ge 64 && data_fs -le 4096) ]] \
            || usage_error "LAB_POSTGRES_DATA_MB is '$data_fs'; give 64 to 4096 (MiB of RAM for the database's data)"
        admin_url=$(POSTGRES_MAX_CONNECTIONS=${LAB_POSTGRES_MAX_CONNECTIONS:-50} POSTGRES_DATA_FS_MB=$data_fs \
            scripts/throwaway-postgres.sh start "$pg_dir") || die "PostgreSQL did not start; see $pg_dir"
        password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
        psql "$admin_url" -q -v ON_ERROR_STOP=1 \
            -c "CREATE ROLE app LOGIN PASSWORD '$password'" -c "CREATE DATABASE app OWNER app" >/dev/null
        local server=${admin_url#*@}
        server=${server%%/*}
        # connect_timeout and statement_timeout bound what a replica waits for a database that hangs.
        database_url="postgres://app:$password@$server/app?connect_timeout=2&options=-c%20statement_timeout%3D5000"
        local pg_bin
        pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
        postgres_json=$(python3 -c 'import json, sys; print(json.dumps(dict(
            bin=sys.argv[1], dir=sys.argv[2], data=sys.argv[2] + "/data", port=int(sys.argv[3]), admin_url=sys.argv[4],
            app_url=sys.argv[5], max_connections=int(sys.argv[6]))))' \
            "$pg_bin" "$pg_dir" "${server##*:}" "$admin_url" "${database_url%%\?*}" "${LAB_POSTGRES_MAX_CONNECTIONS:-50}")
        exporter_port=$(free_port)
        exporter_address=127.0.0.1:$exporter_port
        start postgres-exporter env DATA_SOURCE_NAME="${admin_url}?sslmode=disable" prometheus-postgres-exporter \
            --web.listen-address="$exporter_address"
        components+=(postgres postgres-exporter)
    fi
    APP_ADDRESS=127.0.0.1:$lb_port REPLICA_ADDRESSES="${replica_addresses[*]}" \
        HAPROXY_METRICS_ADDRESS=127.0.0.1:$haproxy_metrics_port HAPROXY_SOCKET=$LAB_DIR/haproxy.sock \
        POSTGRES_EXPORTER_ADDRESS=$exporter_address BLACKBOX_ADDRESS=127.0.0.1:$blackbox_port \
        ALERTMANAGER_ADDRESS=127.0.0.1:$alertmanager_port INCIDENT_SERVE_ADDRESS=127.0.0.1:$serve_port \
        INCIDENT_WEBHOOK_TOKEN_FILE=$LAB_DIR/receiver.token "$ops/scripts/render-ops-config.sh" "$LAB_DIR/config" >/dev/null
    for index in $(seq "$replicas"); do components+=("app-$index"); done
    components+=(haproxy keeper blackbox alertmanager prometheus serve)
    cat > "$ENV_FILE" <<EOF
# Written by scripts/lab.sh up; source it to talk to the lab.
export LAB_DIR=$LAB_DIR
export LAB_BIN=$bin
export APP_ADMIN_TOKEN=$admin_token
# Where users reach the app: HAProxy. The replicas themselves (their admin API, for faults on one of them):
export INCIDENT_TARGET=http://127.0.0.1:$lb_port
export INCIDENT_REPLICAS="${replica_urls[*]}"
# The keeper, which plays the faults from outside the app (kill, partition, db_down…):
export INCIDENT_LAB_URL=http://127.0.0.1:$keeper_port
export APP_DATABASE_URL='$database_url'
export HAPROXY_SOCKET=$LAB_DIR/haproxy.sock
export HAPROXY_STATS_URL=http://127.0.0.1:$haproxy_metrics_port/stats
export INCIDENT_DB=$LAB_DIR/incidents.db
export PROMETHEUS_URL=http://127.0.0.1:$prometheus_port
export ALERTMANAGER_URL=http://127.0.0.1:$alertmanager_port
export BLACKBOX_URL=http://127.0.0.1:$blackbox_port
export INCIDENT_SERVE_URL=http://127.0.0.1:$serve_port
# How a game day's deploy: steps roll a release out (and back):
export INCIDENT_DEPLOY_COMMAND=$ROOT/scripts/deploy.sh
LAB_STORE=$store
LAB_COMPONENTS="${components[*]}"
LAB_PORTS="$lb_port $keeper_port $haproxy_metrics_port ${replica_ports[*]} $blackbox_port $prometheus_port $alertmanager_port $serve_port ${exporter_port:-}"
EOF
    # Each replica restarts whenever it exits, as a container runtime's restart policy would: a crash game
    # day then recovers by itself, and its time to recover includes the restart. The drain delay covers
    # HAProxy's two failed checks, so a replica stopped on purpose leaves rotation before it stops answering.
    # Each (re)start runs the release app-N.release names (a folder with the binary and its release.env, whose
    # settings win): scripts/deploy.sh changes it. The first release is the lab's build, as built.
    mkdir -p "$LAB_DIR/releases/initial"
    cp "$bin/app" "$LAB_DIR/releases/initial/app"
    : > "$LAB_DIR/releases/initial/release.env"
    for index in $(seq "$replicas"); do
        echo "$LAB_DIR/releases/initial" > "$LAB_DIR/app-$index.release"
        local data="APP_DATA='$LAB_DIR/app-$index.db'"
        [[ $store == postgres ]] && data="APP_DATABASE_URL='$database_url' APP_DB_POOL_SIZE=${LAB_POOL_SIZE:-4}"
        start "app-$index" bash -c "while true; do release=\$(cat '$LAB_DIR/app-$index.release'); \
            (export APP_ADMIN_TOKEN='$admin_token' APP_PORT=${replica_ports[index - 1]} $data APP_DRAIN_DELAY_S=2; \
            set -a; . \"\$release/release.env\"; set +a; exec \"\$release/app\"); \
            echo \"lab: app-$index exited with \$?; restarting\"; sleep 0.2; done"
    done
    for index in $(seq "$replicas"); do wait_for "${replica_ports[index - 1]}" /livez "app-$index"; done
    # The first release names the version the build reports, so that a deploy can go back to it by name.
    curl -s -m 3 "http://127.0.0.1:${replica_ports[0]}/" \
        | python3 -c 'import json, sys; print("APP_VERSION=" + json.load(sys.stdin)["version"])' \
        > "$LAB_DIR/releases/initial/release.env" || die "app-1 does not say its version at GET /"
    if [[ $store == postgres ]]; then wait_for "$exporter_port" /metrics postgres-exporter; fi
    start haproxy haproxy -f "$LAB_DIR/config/haproxy/haproxy.cfg"
    wait_for "$haproxy_metrics_port" /metrics haproxy
    # The token through the environment, not argv, where ps shows it.
    (umask 077; KEEPER_TOKEN=$admin_token python3 -c 'import json, os, secrets, sys; print(json.dumps(dict(
        lab_dir=sys.argv[1], tag=secrets.token_hex(4), token=os.environ["KEEPER_TOKEN"], port=int(sys.argv[2]),
        replica_ports=[int(port) for port in sys.argv[3].split()], postgres=json.loads(sys.argv[4]))))' \
        "$LAB_DIR" "$keeper_port" "${replica_ports[*]}" "$postgres_json" > "$LAB_DIR/keeper.json")
    start keeper python3 "$ROOT/scripts/lab_keeper.py" serve "$LAB_DIR/keeper.json"
    wait_for "$keeper_port" /admin/faults keeper
    start blackbox prometheus-blackbox-exporter --config.file="$LAB_DIR/config/prometheus/blackbox.yml" \
        --web.listen-address=127.0.0.1:$blackbox_port
    wait_for "$blackbox_port" /metrics blackbox
    start alertmanager prometheus-alertmanager --config.file="$LAB_DIR/config/alertmanager/alertmanager.yml" \
        --storage.path="$LAB_DIR/alertmanager" --web.listen-address=127.0.0.1:$alertmanager_port \
        --cluster.listen-address=
    wait_for "$alertmanager_port" /-/ready alertmanager
    start prometheus prometheus --config.file="$LAB_DIR/config/prometheus/prometheus.yml" \
        --storage.tsdb.path="$LAB_DIR/prometheus" --web.listen-address=127.0.0.1:$prometheus_port \
        --web.enable-lifecycle
    wait_for "$prometheus_port" /-/ready prometheus
    start serve env INCIDENT_DB="$LAB_DIR/incidents.db" INCIDENT_AUTHOR=alertmanager "$bin/incident-serve" \
        --listen 127.0.0.1:$serve_port --token-file "$LAB_DIR/receiver.token"
    wait_for "$serve_port" /healthz serve
    # Up once HAProxy has every replica in rotation (its checks pass twice, a second apart).
    for _ in $(seq 100); do
        [[ $(replica_states | grep -c ' UP ') == "$replicas" ]] && break
        sleep 0.1
    done
    trap - EXIT
    echo "lab: up in $LAB_DIR ($replicas replica(s) on $store); source $ENV_FILE to use it"
    echo "  app (HAProxy)  http://127.0.0.1:$lb_port/        (admin token in \$APP_ADMIN_TOKEN; replicas in \$INCIDENT_REPLICAS)"
    echo "  HAProxy stats  http://127.0.0.1:$haproxy_metrics_port/stats   (runtime API: $LAB_DIR/haproxy.sock)"
    echo "  keeper         http://127.0.0.1:$keeper_port/admin/faults   (outside faults: incident inject kill replica=2)"
    echo "  Prometheus     http://127.0.0.1:$prometheus_port/alerts"
    echo "  Alertmanager   http://127.0.0.1:$alertmanager_port/"
    echo "  blackbox       http://127.0.0.1:$blackbox_port/"
    echo "  incident serve http://127.0.0.1:$serve_port/healthz   (database $LAB_DIR/incidents.db)"
}

# One line per replica: its name, HAProxy's state of it (UP, DOWN, MAINT, DRAIN) and its last check, from
# the runtime API.
replica_states() {
    python3 - "$LAB_DIR/haproxy.sock" <<'EOF' 2>/dev/null
import csv, io, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
for row in rows:
    if row["pxname"] == "app" and row["svname"] not in ("FRONTEND", "BACKEND"):
        print(f'{row["svname"]} {row["status"]} {row["check_status"]} {row["check_desc"] or "-"}')
EOF
}

# True when a component still runs: PostgreSQL by its postmaster, the others by their process group.
running() {
    if [[ $1 == postgres ]]; then
        local pidfile
        pidfile=$(cat "$LAB_DIR/postgres.dir" 2>/dev/null)/data/postmaster.pid
        [[ -f $pidfile ]] && kill -0 "$(head -n 1 "$pidfile")" 2>/dev/null
        return
    fi
    [[ -f $LAB_DIR/$1.pid ]] && kill -0 -- "-$(cat "$LAB_DIR/$1.pid")" 2>/dev/null
}

running_any() {
    # shellcheck disable=SC1090
    [[ -f $ENV_FILE ]] && source "$ENV_FILE"
    for name in ${LAB_COMPONENTS:-}; do running "$name" && return 0; done
    return 1
}

status() {
    [[ -f $ENV_FILE ]] || { echo "lab: not up (no $ENV_FILE)"; return 1; }
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    local down=0
    for name in $LAB_COMPONENTS; do
        if running "$name"; then echo "  $name: running"; else echo "  $name: NOT running"; down=1; fi
    done
    echo "  HAProxy's view of the replicas (name, state, last check):"
    local states
    states=$(replica_states) || true
    if [[ -z $states ]]; then
        echo "    HAProxy's runtime API does not answer ($HAPROXY_SOCKET)"
        down=1
    else
        sed 's/^/    /' <<< "$states"
    fi
    echo "  the release each replica runs (scripts/deploy.sh changes it):"
    for pointer in "$LAB_DIR"/app-*.release; do
        [[ -f $pointer ]] || continue
        local name=${pointer##*/}
        echo "    replica-${name//[!0-9]/} $(basename "$(cat "$pointer")")"
    done
    echo "  outside faults in force (the keeper's, then any rule or cgroup of the lab left on the machine):"
    local faults
    faults=$(python3 - "${INCIDENT_LAB_URL:-}" <<'EOF' 2>&1
import json, os, sys, urllib.request
request = urllib.request.Request(
    sys.argv[1] + "/admin/faults", headers={"Authorization": "Bearer " + os.environ["APP_ADMIN_TOKEN"]})
for fault in json.load(urllib.request.urlopen(request, timeout=2))["faults"]:
    words = " ".join(f"{k}={v}" for k, v in fault.items() if k not in ("id", "type", "activated_at", "expires_at"))
    print(f'#{fault["id"]} {fault["type"]} {words} until {fault["expires_at"]}')
EOF
    ) || { faults="the keeper does not answer (${INCIDENT_LAB_URL:-no INCIDENT_LAB_URL in lab.env})"; down=1; }
    faults+=$'\n'$(python3 scripts/lab_keeper.py leftovers "$LAB_DIR/keeper.json" 2>&1 || true)
    faults=$(grep -v '^$' <<< "$faults" || true)
    sed 's/^/    /' <<< "${faults:-none}"
    echo "  app $INCIDENT_TARGET · replicas $INCIDENT_REPLICAS · keeper ${INCIDENT_LAB_URL:-none}"
    echo "  Prometheus $PROMETHEUS_URL · Alertmanager $ALERTMANAGER_URL · receiver $INCIDENT_SERVE_URL"
    return $down
}

# Stops the lab's PostgreSQL cluster, if it made one, and removes its folder.
stop_postgres() {
    if [[ -f $LAB_DIR/postgres.dir ]]; then
        scripts/throwaway-postgres.sh stop "$(cat "$LAB_DIR/postgres.dir")"
        rm -f "$LAB_DIR/postgres.dir"
    fi
}

down() {
    if [[ ! -f $ENV_FILE ]]; then
        # An `up` that failed before it wrote lab.env may have started the database only.
        stop_postgres
        echo "lab: not up"
        return 0
    fi
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    local name
    # The keeper first: it undoes every fault it holds (a paused replica must be running to stop); then
    # whatever a keeper that died left in force is swept by its tags.
    if running keeper; then
        kill -TERM -- "-$(cat "$LAB_DIR/keeper.pid")" 2>/dev/null || true
        for _ in $(seq 600); do running keeper || break; sleep 0.1; done
        running keeper && kill -KILL -- "-$(cat "$LAB_DIR/keeper.pid")" 2>/dev/null || true
    fi
    if [[ -f $LAB_DIR/keeper.json ]] && ! python3 scripts/lab_keeper.py sweep "$LAB_DIR/keeper.json"; then
        echo "lab: some outside faults could not be undone (above); stopping the lab anyway" >&2
    fi
    # The receiver and monitoring first, so that the stopping replicas raise no alert anyone records.
    for name in serve prometheus alertmanager blackbox haproxy $LAB_COMPONENTS; do
        [[ $name == postgres ]] && continue
        running "$name" && kill -TERM -- "-$(cat "$LAB_DIR/$name.pid")" 2>/dev/null || true
    done
    for _ in $(seq 100); do
        local left=
        for name in $LAB_COMPONENTS; do [[ $name != postgres ]] && running "$name" && left=yes; done
        [[ -z $left ]] && break
        sleep 0.1
    done
    for name in $LAB_COMPONENTS; do
        [[ $name != postgres ]] && running "$name" && { kill -KILL -- "-$(cat "$LAB_DIR/$name.pid")" 2>/dev/null || true; }
    done
    stop_postgres
    for _ in $(seq 50); do running_any || break; sleep 0.1; done
    running_any && die "some lab processes did not stop"
    for port in $LAB_PORTS; do
        if python3 -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1', $port)) else 1)"; then :; else
            die "port $port is still held"
        fi
    done
    rm -f "$ENV_FILE" "$LAB_DIR"/*.pid "$LAB_DIR/haproxy.sock"
    echo "lab: down; nothing left running, ports free (data kept in $LAB_DIR, the database removed)"
}

case ${1:-} in
    up) shift; up "$@" ;;
    status) status ;;
    down) down ;;
    *) echo "usage: scripts/lab.sh up [--replicas N] [--store postgres|sqlite] | status | down" >&2; exit 64 ;;
esac
