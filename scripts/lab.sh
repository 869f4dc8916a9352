#!/usr/bin/env bash
# The whole lab on loopback: the app (restarted whenever it exits, as a container runtime would), the
# blackbox exporter, Prometheus with the lab rules, Alertmanager, and `incident serve` receiving its alerts,
# each on a free port, with all their data in one folder.
#
#   scripts/lab.sh up       starts everything (building release binaries when missing or stale) and says
#                           where each UI is; the settings go to $LAB_DIR/lab.env for scripts to source
#   scripts/lab.sh status   what runs, and whether it answers
#   scripts/lab.sh down     stops everything; no process left, no port held
#
# LAB_DIR (default .lab/) holds the data, logs and lab.env. LAB_BUILD=debug uses .build/debug binaries
# (as CI does after `swift test`) instead of building release ones. LAB_OPS_REV=COMMIT takes the monitoring
# (ops/) as it was at that commit, to measure the alerts before a change against the alerts after it. APP_ADMIN_TOKEN and the receiver's
# token are made up when not set. Needs prometheus, prometheus-alertmanager and
# prometheus-blackbox-exporter (Debian packages) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LAB_DIR=${LAB_DIR:-$ROOT/.lab}
ENV_FILE=$LAB_DIR/lab.env
COMPONENTS=(app blackbox prometheus alertmanager serve)

die() { echo "lab: $*" >&2; exit 1; }

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

up() {
    command -v prometheus >/dev/null || die "prometheus is missing (apt-get install prometheus)"
    command -v prometheus-alertmanager >/dev/null || die "prometheus-alertmanager is missing (apt-get install prometheus-alertmanager)"
    command -v prometheus-blackbox-exporter >/dev/null \
        || die "prometheus-blackbox-exporter is missing (apt-get install prometheus-blackbox-exporter)"
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
    local app_port blackbox_port prometheus_port alertmanager_port serve_port
    app_port=$(free_port); blackbox_port=$(free_port); prometheus_port=$(free_port)
    alertmanager_port=$(free_port); serve_port=$(free_port)
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
    APP_ADDRESS=127.0.0.1:$app_port BLACKBOX_ADDRESS=127.0.0.1:$blackbox_port \
        ALERTMANAGER_ADDRESS=127.0.0.1:$alertmanager_port INCIDENT_SERVE_ADDRESS=127.0.0.1:$serve_port \
        INCIDENT_WEBHOOK_TOKEN_FILE=$LAB_DIR/receiver.token "$ops/scripts/render-ops-config.sh" "$LAB_DIR/config" >/dev/null
    cat > "$ENV_FILE" <<EOF
# Written by scripts/lab.sh up; source it to talk to the lab.
export LAB_DIR=$LAB_DIR
export LAB_BIN=$bin
export APP_ADMIN_TOKEN=$admin_token
export INCIDENT_TARGET=http://127.0.0.1:$app_port
export INCIDENT_DB=$LAB_DIR/incidents.db
export PROMETHEUS_URL=http://127.0.0.1:$prometheus_port
export ALERTMANAGER_URL=http://127.0.0.1:$alertmanager_port
export BLACKBOX_URL=http://127.0.0.1:$blackbox_port
export INCIDENT_SERVE_URL=http://127.0.0.1:$serve_port
LAB_PORTS="$app_port $blackbox_port $prometheus_port $alertmanager_port $serve_port"
EOF
    # A component that does not start leaves none of the others running.
    trap 'if (( $? != 0 )); then echo "lab: up failed; stopping what it started" >&2; down >/dev/null 2>&1; fi' EXIT
    # The app restarts whenever it exits, as a container runtime's restart policy would: a crash game day
    # then recovers by itself, and its time to recover includes the restart.
    start app bash -c "while true; do APP_ADMIN_TOKEN='$admin_token' APP_PORT=$app_port APP_DATA='$LAB_DIR/app.db' \
        APP_DRAIN_DELAY_S=0 '$bin/app'; echo \"lab: app exited with \$?; restarting\"; sleep 0.2; done"
    wait_for "$app_port" /livez app
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
    trap - EXIT
    echo "lab: up in $LAB_DIR; source $ENV_FILE to use it"
    echo "  app            http://127.0.0.1:$app_port/        (admin token in \$APP_ADMIN_TOKEN)"
    echo "  Prometheus     http://127.0.0.1:$prometheus_port/alerts"
    echo "  Alertmanager   http://127.0.0.1:$alertmanager_port/"
    echo "  blackbox       http://127.0.0.1:$blackbox_port/"
    echo "  incident serve http://127.0.0.1:$serve_port/healthz   (database $LAB_DIR/incidents.db)"
}

# True when a component's process group still has a process.
running() {
    [[ -f $LAB_DIR/$1.pid ]] && kill -0 -- "-$(cat "$LAB_DIR/$1.pid")" 2>/dev/null
}

running_any() {
    for name in "${COMPONENTS[@]}"; do running "$name" && return 0; done
    return 1
}

status() {
    [[ -f $ENV_FILE ]] || { echo "lab: not up (no $ENV_FILE)"; return 1; }
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    local down=0
    for name in "${COMPONENTS[@]}"; do
        if running "$name"; then echo "  $name: running (process group $(cat "$LAB_DIR/$name.pid"))"; else echo "  $name: NOT running"; down=1; fi
    done
    echo "  app $INCIDENT_TARGET · Prometheus $PROMETHEUS_URL · Alertmanager $ALERTMANAGER_URL · receiver $INCIDENT_SERVE_URL"
    return $down
}

down() {
    [[ -f $ENV_FILE ]] || { echo "lab: not up"; return 0; }
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    for name in serve prometheus alertmanager blackbox app; do
        running "$name" && kill -TERM -- "-$(cat "$LAB_DIR/$name.pid")" 2>/dev/null || true
    done
    for _ in $(seq 100); do running_any || break; sleep 0.1; done
    for name in "${COMPONENTS[@]}"; do
        running "$name" && kill -KILL -- "-$(cat "$LAB_DIR/$name.pid")" 2>/dev/null || true
    done
    for _ in $(seq 50); do running_any || break; sleep 0.1; done
    running_any && die "some lab processes did not stop"
    for port in $LAB_PORTS; do
        if python3 -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1', $port)) else 1)"; then :; else
            die "port $port is still held"
        fi
    done
    rm -f "$ENV_FILE" "$LAB_DIR"/*.pid
    echo "lab: down; nothing left running, ports free (data kept in $LAB_DIR)"
}

case ${1:-} in
    up) up ;;
    status) status ;;
    down) down ;;
    *) echo "usage: scripts/lab.sh up|status|down" >&2; exit 64 ;;
esac
