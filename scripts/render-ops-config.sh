#!/usr/bin/env bash
# Renders ops/ into a folder with the placeholders of ops/prometheus/prometheus.yml,
# ops/alertmanager/alertmanager.yml and ops/haproxy/haproxy.cfg filled in, so Prometheus, the blackbox
# exporter, Alertmanager and HAProxy can be started on it:
#
#   scripts/render-ops-config.sh OUT_DIR
#   prometheus --config.file=OUT_DIR/prometheus/prometheus.yml …
#   prometheus-blackbox-exporter --config.file=OUT_DIR/prometheus/blackbox.yml …
#   prometheus-alertmanager --config.file=OUT_DIR/alertmanager/alertmanager.yml …
#   haproxy -f OUT_DIR/haproxy/haproxy.cfg
#
# Each placeholder takes the environment variable of its name, else its default:
#   APP_ADDRESS=127.0.0.1:8080 (where users reach the app: HAProxy's frontend)
#   REPLICA_ADDRESSES="127.0.0.1:8081" (the replicas, space-separated: a line naming @REPLICA_NAME@ or
#       @REPLICA_ADDRESS@ is repeated for each, as replica-1, replica-2…)
#   HAPROXY_METRICS_ADDRESS=127.0.0.1:8404  HAPROXY_SOCKET=/run/haproxy/app.sock (absolute)
#   POSTGRES_EXPORTER_ADDRESS=127.0.0.1:9187 (none: the app keeps its notes in SQLite; the line is left out)
#   BLACKBOX_ADDRESS=127.0.0.1:9115  ALERTMANAGER_ADDRESS=127.0.0.1:9093
#   INCIDENT_SERVE_ADDRESS=127.0.0.1:9095  INCIDENT_WEBHOOK_TOKEN_FILE=incident-webhook.token
# OUT_DIR/prometheus keeps rules/ beside prometheus.yml, as its relative rule_files need.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 64
fi
out=$1
mkdir -p "$out"
cp -R ops/prometheus ops/alertmanager ops/haproxy "$out"/

values=(
    "APP_ADDRESS=${APP_ADDRESS:-127.0.0.1:8080}"
    "HAPROXY_METRICS_ADDRESS=${HAPROXY_METRICS_ADDRESS:-127.0.0.1:8404}"
    "HAPROXY_SOCKET=${HAPROXY_SOCKET:-/run/haproxy/app.sock}"
    "POSTGRES_EXPORTER_ADDRESS=${POSTGRES_EXPORTER_ADDRESS:-127.0.0.1:9187}"
    "BLACKBOX_ADDRESS=${BLACKBOX_ADDRESS:-127.0.0.1:9115}"
    "ALERTMANAGER_ADDRESS=${ALERTMANAGER_ADDRESS:-127.0.0.1:9093}"
    "INCIDENT_SERVE_ADDRESS=${INCIDENT_SERVE_ADDRESS:-127.0.0.1:9095}"
    "INCIDENT_WEBHOOK_TOKEN_FILE=${INCIDENT_WEBHOOK_TOKEN_FILE:-incident-webhook.token}"
)
script=()
for pair in "${values[@]}"; do
    name=${pair%%=*}
    value=${pair#*=}
    if [[ $value == *[\|\\\&\'\"]* || $value == *[[:space:]]* ]]; then
        echo "render-ops-config: $name must not hold quotes, spaces, |, & or backslashes: $value" >&2
        exit 64
    fi
    if [[ $value == none ]]; then
        script+=(-e "/@${name}@/d")
    else
        script+=(-e "s|@${name}@|${value}|g")
    fi
done
read -r -a replicas <<< "${REPLICA_ADDRESSES:-127.0.0.1:8081}"
(( ${#replicas[@]} >= 1 )) || { echo "render-ops-config: REPLICA_ADDRESSES names no replica" >&2; exit 64; }
for address in "${replicas[@]}"; do
    if [[ ! $address =~ ^[A-Za-z0-9.:_-]+$ ]]; then
        echo "render-ops-config: REPLICA_ADDRESSES holds '$address'; give HOST:PORT addresses" >&2
        exit 64
    fi
done
# Each line naming a replica placeholder, once per replica.
per_replica() {
    awk -v list="${replicas[*]}" '
        BEGIN { n = split(list, addresses, " ") }
        /@REPLICA_(NAME|ADDRESS)@/ {
            for (i = 1; i <= n; i++) {
                line = $0
                gsub(/@REPLICA_NAME@/, "replica-" i, line)
                gsub(/@REPLICA_ADDRESS@/, addresses[i], line)
                print line
            }
            next
        }
        { print }'
}
for file in "$out/prometheus/prometheus.yml" "$out/alertmanager/alertmanager.yml" "$out/haproxy/haproxy.cfg"; do
    sed "${script[@]}" "$file" | per_replica > "$file.tmp" && mv "$file.tmp" "$file"
    # Only comment lines may still name a placeholder.
    if grep -v '^[[:space:]]*#' "$file" | grep -E '@[A-Z_]+@' >&2; then
        echo "render-ops-config: $file still holds a placeholder (above)" >&2
        exit 1
    fi
done
echo "render-ops-config: wrote $out/prometheus, $out/alertmanager and $out/haproxy (${values[*]} REPLICA_ADDRESSES=${replicas[*]})"
