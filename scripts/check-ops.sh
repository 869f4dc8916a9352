#!/usr/bin/env bash
# Runs every check of the monitoring in ops/ and prints each command before it runs; exit 1 if any fails.
#
#   generated rules and tests up to date      scripts/make_rules.py --check
#   no rule reads app_faults_*, runbooks      grep, and a file per runbook_url
#   Prometheus configuration and rules        promtool check config / check rules
#   rule unit tests, both profiles            promtool test rules
#   Alertmanager configuration                amtool check-config
#   blackbox exporter modules                 prometheus-blackbox-exporter --config.check
#   HAProxy configuration                     haproxy -c
#
# Needs python3 and the Debian packages prometheus (promtool), prometheus-alertmanager (amtool),
# prometheus-blackbox-exporter and haproxy. The configurations are checked as rendered with their default addresses
# (scripts/render-ops-config.sh), since Alertmanager refuses a placeholder as a URL.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

failures=()
run() {
    echo "+ $*"
    if ! "$@"; then
        failures+=("$*")
        echo "FAILED: $*"
    fi
}

missing=()
for tool in python3:python3 promtool:prometheus amtool:prometheus-alertmanager \
    prometheus-blackbox-exporter:prometheus-blackbox-exporter haproxy:haproxy; do
    if ! command -v "${tool%%:*}" > /dev/null; then
        missing+=("${tool%%:*} (Debian package ${tool#*:})")
    fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "check-ops: missing tools, so the checks that need them cannot run:" >&2
    printf '  %s\n' "${missing[@]}" >&2
    echo "install them: apt-get install -y python3 prometheus prometheus-alertmanager prometheus-blackbox-exporter haproxy" >&2
    exit 1
fi
promtool --version 2>&1 | head -1
amtool --version 2>&1 | head -1

run python3 scripts/make_rules.py --check

echo "+ grep -rn app_faults_ ops/prometheus/rules (no rule may read them)"
if grep -rn 'app_faults_' ops/prometheus/rules | grep -v ':[0-9]*:[[:space:]]*#'; then
    failures+=("a rule reads app_faults_*")
    echo "FAILED: the rules above read app_faults_*: a real outage carries no such label"
else
    echo "no rule reads app_faults_*"
fi

echo "+ every runbook_url names a file, every alert has one"
runbooks_ok=1
while read -r url; do
    if [[ ! -f $url ]]; then
        echo "missing runbook: $url"
        runbooks_ok=0
    fi
done < <(grep -ho "runbook_url: *[^ ]*" ops/prometheus/rules/*/alerts.yml | sed 's/runbook_url: *//' | sort -u)
for profile in production lab; do
    alerts=$(grep -c '^ *- alert:' "ops/prometheus/rules/$profile/alerts.yml")
    urls=$(grep -c 'runbook_url:' "ops/prometheus/rules/$profile/alerts.yml")
    if [[ $alerts -ne $urls ]]; then
        echo "$profile: $alerts alerts but $urls runbook_url annotations"
        runbooks_ok=0
    fi
done
if [[ $runbooks_ok -eq 1 ]]; then
    echo "runbooks: $(ls docs/runbooks/*.md | wc -l) files, every runbook_url found"
else
    failures+=("runbooks")
fi

rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
run scripts/render-ops-config.sh "$rendered"
run promtool check config "$rendered/prometheus/prometheus.yml"
run haproxy -c -f "$rendered/haproxy/haproxy.cfg"
run promtool check config ops/prometheus/prometheus.yml
for file in ops/prometheus/rules/*/*.yml ops/prometheus/canary/rules.yml; do
    run promtool check rules "$file"
done
for file in ops/prometheus/tests/*/*.yml ops/prometheus/canary/canary_test.yml; do
    run promtool test rules "$file"
done
run amtool check-config "$rendered/alertmanager/alertmanager.yml"
run prometheus-blackbox-exporter --config.check --config.file=ops/prometheus/blackbox.yml

echo
if [[ ${#failures[@]} -gt 0 ]]; then
    echo "check-ops: ${#failures[@]} check(s) FAILED:"
    printf '  %s\n' "${failures[@]}"
    exit 1
fi
echo "check-ops: all checks passed"
