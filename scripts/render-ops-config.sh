#!/usr/bin/env bash
# Renders ops/ into a folder with the placeholders of ops/prometheus/prometheus.yml and
# ops/alertmanager/alertmanager.yml filled in, so Prometheus, the blackbox exporter and Alertmanager can
# be started on it:
#
#   scripts/render-ops-config.sh OUT_DIR
#   prometheus --config.file=OUT_DIR/prometheus/prometheus.yml …
#   prometheus-blackbox-exporter --config.file=OUT_DIR/prometheus/blackbox.yml …
#   prometheus-alertmanager --config.file=OUT_DIR/alertmanager/alertmanager.yml …
#
# Each placeholder takes the environment variable of its name, else its default:
#   APP_ADDRESS=127.0.0.1:8080  BLACKBOX_ADDRESS=127.0.0.1:9115  ALERTMANAGER_ADDRESS=127.0.0.1:9093
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
cp -R ops/prometheus ops/alertmanager "$out"/

values=(
    "APP_ADDRESS=${APP_ADDRESS:-127.0.0.1:8080}"
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
    script+=(-e "s|@${name}@|${value}|g")
done
for file in "$out/prometheus/prometheus.yml" "$out/alertmanager/alertmanager.yml"; do
    sed "${script[@]}" "$file" > "$file.tmp" && mv "$file.tmp" "$file"
    # Only comment lines may still name a placeholder.
    if grep -v '^[[:space:]]*#' "$file" | grep -E '@[A-Z_]+@' >&2; then
        echo "render-ops-config: $file still holds a placeholder (above)" >&2
        exit 1
    fi
done
echo "render-ops-config: wrote $out/prometheus and $out/alertmanager (${values[*]})"
