#!/usr/bin/env bash
# Renders the HTML report of a database in a real browser (Debian's headless Chromium) and checks the page:
# it loads without any network request, both charts are drawn, and the screenshot is not blank.
#
#   scripts/render-report.sh [--db incidents.db.sample] [--incident .build/debug/incident] [--png OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
DB=incidents.db.sample
INCIDENT=.build/debug/incident
PNG=
while [[ $# -gt 0 ]]; do
    case $1 in
        --db) DB=$2; shift 2 ;;
        --incident) INCIDENT=$2; shift 2 ;;
        --png) PNG=$2; shift 2 ;;
        *) echo "usage: $0 [--db FILE] [--incident BINARY] [--png OUT.png]" >&2; exit 64 ;;
    esac
done
BROWSER=$(command -v chromium || command -v chromium-browser || true)
[[ -n $BROWSER ]] || { echo "render-report: chromium is missing (apt-get install chromium)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "render-report FAILED: $*" >&2; exit 1; }

"$INCIDENT" report --html --db "$DB" --output "$WORK/report.html"
# --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$WORK/profile" --enable-logging=stderr)
"$BROWSER" "${flags[@]}" --dump-dom "file://$WORK/report.html" >"$WORK/dom.html" 2>"$WORK/dom.log"
"$BROWSER" "${flags[@]}" --window-size=1000,3000 --screenshot="$WORK/report.png" "file://$WORK/report.html" \
    >/dev/null 2>"$WORK/screenshot.log"

! grep -qE 'net::ERR|Failed to load resource|Refused to load' "$WORK/dom.log" "$WORK/screenshot.log" \
    || fail "the page tried to load something: $(grep -hE 'net::ERR|Failed to load|Refused' "$WORK"/*.log | head -3)"
charts=$(grep -o '<svg class="chart"' "$WORK/dom.html" | wc -l)
[[ $charts -ge 2 ]] || fail "the page has $charts charts, not the trend and the detection rate"
grep -q '<polyline class="series"' "$WORK/dom.html" || fail "the trend chart has no line"
grep -q '<rect class="bar"' "$WORK/dom.html" || fail "the detection chart has no bar"
! grep -qi '<script' "$WORK/dom.html" || fail "the page holds a script"
size=$(stat -c %s "$WORK/report.png")
[[ $size -gt 50000 ]] || fail "the screenshot is $size bytes: blank?"
[[ -z $PNG ]] || cp "$WORK/report.png" "$PNG"
echo "render-report: Chromium drew the report of $DB: $charts charts, no request, screenshot $size bytes${PNG:+ (saved to $PNG)}"
