#!/usr/bin/env bash
# Plays a game day against the lab (scripts/lab.sh up) end to end: steady background traffic, the scenario
# with alerts as the detector (or the prober), the scorecard printed and written as markdown.
#
#   scripts/gameday.sh SCENARIO [--detector alerts|probe] [--output FILE] [-- more `gameday run` options]
#
# Example: scripts/lab.sh up && scripts/gameday.sh examples/gameday/all-faults.yaml --output gameday.md
set -euo pipefail
cd "$(dirname "$0")/.."
LAB_DIR=${LAB_DIR:-$PWD/.lab}
usage() { echo "usage: $0 SCENARIO [--detector alerts|probe] [--output FILE] [-- OPTIONS]" >&2; exit 64; }
[[ $# -ge 1 && $1 != -* ]] || usage
scenario=$1
shift
detector=alerts
output=
extra=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --detector) [[ $# -ge 2 ]] || usage; detector=$2; shift 2 ;;
        --output) [[ $# -ge 2 ]] || usage; output=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "gameday: unknown option $1" >&2; exit 64 ;;
    esac
done
[[ -f $LAB_DIR/lab.env ]] || { echo "gameday: the lab is not up; run scripts/lab.sh up first" >&2; exit 69; }
# shellcheck disable=SC1091
source "$LAB_DIR/lab.env"
export INCIDENT_AUTHOR=${INCIDENT_AUTHOR:-gameday}
python3 scripts/traffic.py --target "$INCIDENT_TARGET" --rps 20 >"$LAB_DIR/traffic.log" 2>&1 &
traffic=$!
trap 'kill $traffic 2>/dev/null || true' EXIT
options=(--detector "$detector")
[[ $detector == alerts ]] && options+=(--prometheus "$PROMETHEUS_URL")
[[ -n $output ]] && options+=(--output "$output")
"$LAB_BIN/incident" gameday run "$scenario" "${options[@]}" "${extra[@]}"
echo "the incidents are in $INCIDENT_DB: \`source $LAB_DIR/lab.env; incident report --kind injected\`" >&2
