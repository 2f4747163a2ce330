#!/usr/bin/env bash
# Renders an HTML report (nncert suite --report) in headless Chromium and
# saves a PNG screenshot. Needs Debian's chromium package
# (apt-get install chromium).
# usage: benchmarks/screenshot.sh REPORT.html OUT.png [WIDTHxHEIGHT]
set -eu
html=${1:?usage: screenshot.sh REPORT.html OUT.png [WIDTHxHEIGHT]}
png=${2:?usage: screenshot.sh REPORT.html OUT.png [WIDTHxHEIGHT]}
size=${3:-1100x1400}
command -v chromium > /dev/null || { echo "screenshot.sh: chromium is not installed (apt-get install chromium)" >&2; exit 2; }
abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
out=$(cd "$(dirname "$png")" && pwd)/$(basename "$png")
rm -f "$out"
timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size="${size/x/,}" --screenshot="$out" "file://$abs" > /dev/null 2>&1 || true
[ -s "$out" ] || { echo "screenshot.sh: chromium wrote no screenshot of $html" >&2; exit 1; }
echo "$out"
