#!/usr/bin/env bash
# What the team wrote after the game day of faults from outside the app (examples/gameday/infra-faults.yaml,
# alerts as the detector), for its two most instructive failures: the summary, impact, root cause, lessons and
# actions. Runs on a database holding docs/data/phase-5/outside-run.jsonl (incidents 1-12: the scenario's
# eleven steps and the one real incident a late alert opened, #8), with `incident` on PATH:
#
#   incident import docs/data/phase-5/outside-run.jsonl && bash docs/data/phase-5/findings.sh
set -euo pipefail
at=2026-12-04T19:52:00Z
say() { incident "$@" --at "$at" --author "postmortem review" >/dev/null; }

# 3: pause. One replica of three frozen cost more than one killed (step 1: nothing) and paged.
say edit 3 \
    --summary "Replica-1 was frozen (SIGSTOP) for 15 s. Unlike a killed replica, which refuses connections and which HAProxy retries elsewhere for free, the frozen one accepted them and answered none: every request HAProxy had sent it waited for its timeout and failed, and the error budget's fast burn paged." \
    --impact "13 of 475 requests at HAProxy failed (2.7 %) in 17 s, almost all in the seconds before HAProxy's checks took the replica out; a page after 11 s." \
    --trigger "pause fault: SIGSTOP to replica-1, SIGCONT 15 s later" \
    --cause "HAProxy detects a frozen replica only by its health checks (two failed, a second apart) and by timeout server; requests already sent to it are lost, and none is retried because the connection was accepted" \
    --category dependency \
    --lessons "A process that hangs is worse than one that dies: dead refuses, frozen accepts. Every timeout on the path decides how many requests a hang costs, so they are part of the design, not defaults."
say action add 3 "bound what a frozen replica costs: a timeout server sized to the slowest good answer, and observe layer7 with error-limit to take a replica out on its first failures" --kind mitigate --owner ops
say action add 3 "let HAProxy retry idempotent requests that timed out on another replica (retry-on conn-failure response-timeout, GET only)" --kind prevent --owner ops

# 12: disk_full. Nothing noticed the full disk until the table needed a page; then every write failed.
say edit 12 \
    --summary "The file system under PostgreSQL's data was filled. For 8 s nothing happened: PostgreSQL wrote into the free space of the table's last page. Then it needed a new page, and every write failed ('could not extend file: No space left on device') while every read went on; readiness stayed green on every replica, so HAProxy kept them all in rotation. The error budget's fast burn paged 14 s after the disk filled, 6 s after users were hurt." \
    --impact "281 of 1900 requests failed (14.8 %) over the minute the disk stayed full: every write failed, no read did. No replica was taken out: /readyz checks that the database answers, not that it can write." \
    --trigger "disk_full fault: a ballast file filled the 192 MiB file system of the database's data" \
    --cause "nothing watched the database's free disk space: the only signals were the errors users got, so the alert came after the harm, and the delay before harm (free space in the last page) made the full disk invisible until then" \
    --category monitoring \
    --lessons "A full disk is a latent failure: it hurts at the next allocation, which may be seconds or hours away, so alert on the space left, not on the errors. A readiness check that only reads says nothing about writes."
say action add 12 "alert on the database volume's free space before it is full (node_exporter's filesystem collector; a ticket at 80 %, a page at 95 % or when it will be full within 4 h)" --kind detect --owner ops
say action add 12 "a runbook for a full database disk: what may be deleted (WAL is not), how to grow the volume" --kind process --owner ops
