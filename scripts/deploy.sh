#!/usr/bin/env bash
# Deploys a release onto the lab's replicas through HAProxy (rolling, or a canary that rolls itself back),
# and records the deploy in the lab's tracker. See scripts/lab_deploy.py for the options:
#
#   scripts/deploy.sh examples/releases/good.env                      # rolling
#   scripts/deploy.sh failing-route --strategy canary --canary-share 0.1
#
# Needs the lab up (scripts/lab.sh up); reads $LAB_DIR/lab.env (LAB_DIR defaults to .lab/).
set -euo pipefail
cd "$(dirname "$0")/.."
env_file=${LAB_DIR:-$PWD/.lab}/lab.env
[[ -f $env_file ]] || { echo "deploy: the lab is not up ($env_file is missing); run scripts/lab.sh up" >&2; exit 69; }
# shellcheck disable=SC1090
source "$env_file"
exec python3 scripts/lab_deploy.py "$@"
