#!/usr/bin/env bash
# The decision the team took after the afternoon of deploys (scripts/deploy-afternoon.sh, its table in
# docs/data/phase-6/deploys.md): how app is rolled out. Runs on a database holding
# docs/data/phase-6/lab-afternoon.jsonl (incident #2 is the one the rolling deploy let through), with
# `incident` on PATH:
#
#   incident import docs/data/phase-6/lab-afternoon.jsonl && bash docs/data/phase-6/decision.sh
set -euo pipefail
incident decision add "Deploy app by canary, 5 % of the traffic, judged on Prometheus" \
    --context "An afternoon of deploys on the lab (7 deploys, 40 requests a second): the failing-route release sent out rolling reached every replica in 10 s, failed 199 of 1026 requests until the fast burn paged and the on-call rolled back (22 s of failure); the same release as a canary failed 5 of 555 and was rolled back by itself in 10 s. Releases that never become ready were stopped by either strategy at no cost to users." \
    --option "Rolling: time 10 s for 3 replicas; cost nothing to build, the checks HAProxy already makes; reliability stops only releases that never become ready: a route that fails or slow writes reach every user until an alert and a person" \
    --option "Canary at 5 %: time 10 to 40 s more per deploy (the bake); cost the canary rules, and Prometheus in the deploy's path; reliability a failing route cost 5 requests instead of 199, slow writes 0, and the decision is on the deploy's record" \
    --option "Blue-green: time a full second fleet ready before the switch; cost twice the replicas during a deploy; reliability a bad release reaches all users at once, until switched back" \
    --chosen 2 \
    --because "It turns a release that is ready but wrong from an incident into a rolled-back deploy: 40 times fewer failed requests for the failing route, none for the slow writes, and no person needed. The bake costs seconds, a deploy takes under a minute." \
    --consequence "Every deploy waits for its bake (40 s in the lab, 15 to 30 minutes in production windows)." \
    --consequence "A canary's first failed requests are the price of judging it: a handful at 5 % of the traffic." \
    --consequence "Deploys depend on Prometheus answering: a canary that cannot be judged is rolled back." \
    --incident 2 --slo app-availability --revisit 2027-03-01 --at 2026-12-05T00:05:00Z --author "deploy review" -q \
    >/dev/null
