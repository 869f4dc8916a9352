#!/usr/bin/env python3
"""Checks the scorecard of examples/gameday/bad-deploys.yaml for scripts/deploy-e2e.sh.

    scripts/gameday_deploy_check.py SCORECARD.json TRAFFIC.timeline INCIDENTS.json

Prints one line a step, `ok …` or `FAIL …`, then `CANARIES REQUESTS FAILED`: what users sent and saw fail
(a 5xx, or no answer) from the start of each canary step to the end of its rollback, from the timeline of
scripts/traffic.py --timeline. INCIDENTS.json is `incident list --json`: how each step's incident was detected.
"""
import datetime
import json
import sys

# Per step: who must have detected it, and what the users' exposure must start with (None: any).
EXPECTED = {
    "deploy: crash-loop (canary)": ("rollout", "none"),
    "deploy: missing-database (canary)": ("rollout", "none"),
    "deploy: failing-route (canary)": ("canary", None),
    "deploy: slow-writes (canary)": ("canary", None),
    "deploy: failing-route (rolling)": ("alert", "100%"),
}


def milliseconds(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def main():
    card = json.load(open(sys.argv[1]))
    timeline = [json.loads(line) for line in open(sys.argv[2])]
    detections = {incident["id"]: incident["detection"] or "none" for incident in json.load(open(sys.argv[3]))}

    def counts_at(ms):
        before = [line["counts"] for line in timeline if line["at_ms"] <= ms]
        return before[-1] if before else {}

    def failed(counts):
        return sum(n for status, n in counts.items() if status == "error" or status.startswith("5"))

    canary_total = canary_failed = 0
    for step in card["steps"]:
        fault, problems = step["fault"], []
        if fault not in EXPECTED:
            problems.append("a step this check does not know")
        detection, exposure = EXPECTED.get(fault, (None, None))
        if step["outcome"] != "detected" or not step["recovered"]:
            problems.append(f"outcome {step['outcome']}, recovered {step['recovered']}")
        if not step["deploy"]:
            problems.append("no deploy named as its cause")
        if exposure and not (step["exposure"] or "").startswith(exposure):
            problems.append(f"users exposed: {step['exposure']}, expected {exposure}")
        detected = detections.get(step["incident"], "none")
        if detection and detected.split(":")[0] != detection:
            problems.append(f"detected by {detected}, expected {detection}")
        if not step["slo_cost"]:
            problems.append("no SLO cost measured")
        if fault.endswith("(canary)") and step["recovered_at"]:
            first = counts_at(milliseconds(step["injected_at"]))
            last = counts_at(milliseconds(step["recovered_at"]) + 1000)
            canary_total += sum(last.values()) - sum(first.values())
            canary_failed += failed(last) - failed(first)
        print(("FAIL " if problems else "ok ") + f"{fault}: {step['note']} (exposed {step['exposure']}, TTD "
              f"{step['ttd_s']:.1f} s, TTR {step['ttr_s']:.1f} s, deploy #{step['deploy']}, detected by {detected})" + (": " + "; ".join(problems) if problems else ""))
    print(f"CANARIES {canary_total} {canary_failed}")


if __name__ == "__main__":
    main()
