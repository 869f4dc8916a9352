#!/usr/bin/env python3
"""The alerting study's headline: time to detect per strategy and fault in production minutes, false alarms,
and the reset after a total outage, from the committed results of scripts/alerting-study.py.

    python3 docs/data/phase-4/study-headline.py docs/tradeoffs/alerting-results.json
"""
import json
import sys

results = json.load(open(sys.argv[1]))
rows = [row for row in results["summary"] if not row["strategy"].startswith("p99")]
strategies = list(dict.fromkeys(row["strategy"] for row in rows))
faults = list(dict.fromkeys(row["fault"] for row in rows))
cell = {(row["strategy"], row["fault"]): row for row in rows}


def minutes(seconds):
    """Lab seconds, each of which stands for a production minute."""
    return "missed" if seconds is None else f"{seconds:.0f}"


print("| strategy | " + " | ".join(faults) + " | false alarms in the fault-free stretch | reset after error 100 % |")
print("|---|" + "---|" * (len(faults) + 2))
for strategy in strategies:
    detected = [minutes(cell[strategy, fault]["ttd_s"]) for fault in faults]
    reset = minutes(cell[strategy, "error 100 %"]["reset_s"])
    print(f"| {strategy} | " + " | ".join(detected) + f" | {results['false_alarms'][strategy]['firings']} | {reset} |")
hours = results["settings"]["fault_free"] / 60
print(f"\nTimes in production minutes (a lab second stands for a production minute); fault-free stretch {hours:.0f} production hours; "
      f"{results['settings']['repeat']} repetition(s), run on {results['date']}.")
