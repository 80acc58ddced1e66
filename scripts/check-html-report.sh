#!/usr/bin/env bash
# Renders a tokenmeter HTML report in headless Chromium and reports what the browser made of it:
#   - a screenshot (PNG) of the page at 1280 x 2400 CSS pixels, and its size;
#   - how many <svg> charts the browser's DOM holds (a report has four).
# Look at the screenshot: charts drawn, labels readable and apart, nothing cut off, warnings visible.
#
# usage: scripts/check-html-report.sh REPORT.html [OUT.png]
#   Make REPORT.html with, for example: tokenmeter run --model tiny --output REPORT.html
#   Needs Debian's chromium package: apt-get install -y chromium
# Exit status: 0 when the screenshot was written and the DOM holds the four charts, 1 otherwise.
# The same check runs as a test: core/src/test/java/dev/tokenmeter/result/HtmlReportBrowserTest.java.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
report=$1
out=${2:-${report%.html}.png}
if [ ! -f "$report" ]; then
    echo "check-html-report: no such file: $report" >&2
    exit 1
fi

browser=""
for candidate in chromium chromium-browser; do
    if command -v "$candidate" >/dev/null 2>&1; then
        browser=$(command -v "$candidate")
        break
    fi
done
if [ -z "$browser" ]; then
    echo "check-html-report: chromium not found; install Debian's package: apt-get install -y chromium" >&2
    exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
url="file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
# --no-sandbox: containers and root accounts have no user namespaces for the sandbox. The network switches keep
# the browser from reaching anything: a report that needs the network is broken, and this shows it.
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
    --disable-component-update --disable-sync --disable-dev-shm-usage --hide-scrollbars
    --user-data-dir="$profile" --window-size=1280,2400)

timeout 60 "$browser" "${flags[@]}" --screenshot="$out" "$url" >"$profile/screenshot.log" 2>&1 || {
    echo "check-html-report: chromium failed to take the screenshot:" >&2
    tail -20 "$profile/screenshot.log" >&2
    exit 1
}
if [ ! -s "$out" ]; then
    echo "check-html-report: no screenshot written to $out" >&2
    exit 1
fi
# A PNG's width and height are big-endian 32-bit integers at bytes 16 to 23 of its IHDR chunk.
read -r width height < <(od -An -tu1 -j16 -N8 "$out" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
echo "screenshot: $out (${width}x${height} px, $(wc -c <"$out") bytes)"

svgs=$(timeout 60 "$browser" "${flags[@]}" --dump-dom "$url" 2>/dev/null | grep -o '<svg[ >]' | wc -l || true)
echo "charts: $svgs <svg> elements in the DOM chromium built"
if [ "$svgs" -ne 4 ]; then
    echo "check-html-report: expected the report's 4 charts" >&2
    exit 1
fi
