#!/usr/bin/env bash
# TTD per fault type, side by side, for committed game-day exports: one column pair per file, in the order
# given. Each export is imported into a database of its own; `incident` must be on PATH.
#
#   docs/data/ttd-by-fault.sh docs/data/phase-3/alerts-run-*.jsonl
set -euo pipefail
(( $# > 0 )) || { echo "usage: $0 EXPORT.jsonl..." >&2; exit 64; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
lists=()
for export in "$@"; do
    db=$scratch/${#lists[@]}.db
    incident import "$export" --db "$db" >/dev/null
    incident list --kind injected --json --db "$db" >"$db.json"
    lists+=("$(basename "$export" .jsonl)=$db.json")
done
python3 - "${lists[@]}" <<'PYTHON'
import json, statistics, sys
runs = [(arg.split("=", 1)[0], json.load(open(arg.split("=", 1)[1]))) for arg in sys.argv[1:]]
faults = []
for _, incidents in runs:
    for incident in sorted(incidents, key=lambda i: i["id"]):
        fault = incident["fault"].split()[0]
        if fault not in faults:
            faults.append(fault)
print("| fault | " + " | ".join(f"{name}: detected by | TTD s" for name, _ in runs) + " |")
print("|---|" + "---|---|" * len(runs))
for fault in faults:
    cells = []
    for _, incidents in runs:
        found = [i for i in incidents if i["fault"].split()[0] == fault]
        ttd = found[0]["durations"]["ttd_s"] if found else None
        detection = (found[0]["detection"] or "") if found else ""
        cells += [detection.removeprefix("alert:") if ttd is not None else "**missed**",
                  "-" if ttd is None else f"{ttd:.1f}"]
    print(f"| {fault} | " + " | ".join(cells) + " |")
summary = []
for name, incidents in runs:
    ttds = [i["durations"]["ttd_s"] for i in incidents if i["durations"]["ttd_s"] is not None]
    median = f", median TTD {statistics.median(ttds):.1f} s" if ttds else ""
    summary.append(f"{name}: {len(ttds)} of {len(incidents)} detected{median}")
print("\n" + "; ".join(summary) + ".")
PYTHON
