#!/usr/bin/env bash
# What the team wrote after phase 2's first game day, where judgement was needed: for each failure the probe
# missed, the summary, impact, root cause, lessons and the actions taken. Runs on a database holding
# docs/data/phase-2/probe-run-1.jsonl (incidents 1-10, in the scenario's order), with `incident` on PATH:
#
#   incident import docs/data/phase-2/probe-run-1.jsonl && bash docs/data/phase-2/findings.sh
set -euo pipefail
at=2026-11-29T12:44:00Z
done_at=2026-11-29T12:46:00Z
say() { incident "$@" --at "$at" --author "postmortem review" >/dev/null; }

# 5: crash. The supervisor restarted the app in under a second; the probe needs 3 failed rounds in a row.
say edit 5 \
    --summary "The app was killed (exit 137) and restarted by its supervisor within a second. The probe, which needs three failed rounds a second apart, never saw it." \
    --impact "Requests in flight at the kill failed (the background traffic saw connection errors); a process that crashes in a loop would fail a share of requests indefinitely with nobody told." \
    --trigger "crash fault, exit code 137, as the kernel's OOM killer would" \
    --cause "no signal for restarts: the only detector was a black-box probe, and a restart faster than its three-round threshold is invisible to it" \
    --category monitoring \
    --lessons "A fast supervisor hides crashes from black-box checks. Restarts must be counted where they happen: the process start time."
say action add 5 "alert on process restarts (AppRestarted: process_start_time_seconds changed)" --kind detect --owner ops
say action add 5 "count restarts in the supervisor's log and the game-day scorecard" --kind process --owner ops

# 6: memory_leak. Resident memory grew to 400 MB; every answer stayed correct and fast.
say edit 6 \
    --summary "Resident memory grew by 10 MB/s to 400 MB while every answer stayed correct and fast; the probe saw nothing." \
    --impact "None yet for users; left alone, the kernel would have killed the process, a crash with no warning." \
    --trigger "memory_leak fault, 10 MB/s up to 400 MB" \
    --cause "nothing watched the process's memory: a leak changes no answer until the process is killed" \
    --category monitoring \
    --lessons "Black-box probes see what users see, and a leak is invisible to users until it is an outage. Watch the trend, not a level: a cache filling up is not a leak."
say action add 6 "alert on steady growth of resident memory (AppMemoryGrowing, predict_linear over 30m and 5m)" --kind detect --owner ops
say action add 6 "cap the memory a leak fault may hold (APP_MAX_LEAK_MB)" --kind prevent --owner app

# 7: cpu_burn. Two threads spun; the app answered within the probe's 500 ms.
say edit 7 \
    --summary "Two threads burned CPU for 25 s; on two cores the app still answered within the probe's 500 ms, so nothing was detected." \
    --impact "Answers slowed by a few milliseconds; on a busier service, saturation would have turned into latency and timeouts." \
    --trigger "cpu_burn fault, 2 threads" \
    --cause "no signal for CPU saturation: the probe only sees saturation once it has become latency" \
    --category monitoring \
    --lessons "Saturation is a leading signal: alert on it as a ticket before it is a page."
say action add 7 "alert on CPU saturation (AppCPUSaturated: over 0.8 of a core for 10m)" --kind detect --owner ops

# The alerts were written and shipped in ops/ (phase 3), and the leak cap in the app; counting restarts in
# the scorecard is still open.
for action in 1 3 4 5; do incident action done "$action" --at "$done_at" --author "postmortem review" >/dev/null; done
