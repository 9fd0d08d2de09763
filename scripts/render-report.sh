#!/usr/bin/env bash
# Renders a result folder's report.html to a PNG with headless Chromium, to look at the
# report without a browser (or to check it after a change).
#
#   scripts/render-report.sh DIR [OUT.png] [WIDTH]
#   scripts/render-report.sh PAGE.html [OUT.png] [WIDTH]
#
# DIR holds report.html (`livemarket report DIR` writes it); a page such as compare.html
# (`livemarket compare ... --report`) can be named instead. OUT.png defaults to the page's
# name with .png (DIR/report.png) and WIDTH to 1500 pixels. The height is taken from the page's length, so
# the PNG shows the whole page. Chromium runs with networking, sync and updates off, in a
# throwaway profile; the report fetches nothing anyway.
#
# Needs Debian's `chromium` (`apt-get install -y chromium`); run as root, the script
# installs it when missing.
set -euo pipefail

usage() { echo "usage: $0 DIR|PAGE.html [OUT.png] [WIDTH]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 3 ] || usage
case $1 in
    *.html) html=$1 ;;
    *) html=$1/report.html ;;
esac
out=${2:-${html%.html}.png}
width=${3:-1500}
if [ ! -f "$html" ]; then
    echo "error: $html not found; write it first with: livemarket report $1" >&2
    exit 2
fi

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "chromium not found; installing it (apt-get install -y chromium)" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
        browser=$(command -v chromium)
    else
        echo "error: chromium not found; install it with: sudo apt-get install -y chromium" >&2
        exit 1
    fi
fi

# The page's height, laid out as report.html's stylesheet does (content at most 1480 px
# wide less 56 of padding; grids of 440 px columns 14 px apart; charts scaled to their
# card's width; table rows):
# Chromium's screenshot is the window, so the window must be as tall as the page. An
# overestimate only adds background at the bottom.
height=$(awk -v w="$width" '
    function columns(min) { c = int((cw + 14) / (min + 14)); return c < 1 ? 1 : c }
    BEGIN { cw = (w < 1480 ? w : 1480) - 56; total = 120 }
    /^<div class="(grid|wide)">/ { cols = columns(index($0, "wide") ? 680 : 440)
        colw = (cw - 14 * (cols - 1)) / cols - 14; n = 0; rowmax = 0; next }
    /^<figure/ {
        if (match($0, /viewBox="0 0 [0-9.]+ [0-9.]+"/)) {
            split(substr($0, RSTART, RLENGTH), a, " "); sw = a[3]; sh = a[4]; gsub(/"/, "", sh)
            s = colw / sw * sh + 32; if (s > rowmax) rowmax = s
            if (++n == cols) { total += rowmax + 14; n = 0; rowmax = 0 }
        }
        next }
    /^<\/div>/ { if (n > 0) total += rowmax + 14; n = 0; rowmax = 0; next }
    /^<h1/ { total += 50 } /^<h2/ { total += 70 } /^<h3/ { total += 45 }
    /^<p/ { total += 26 * (1 + int(length($0) / 140)) }
    /^<li|^<dt/ { total += 24 }
    /^<tr>/ { total += 27 }
    END { print int(total + 300) }' "$html")

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
start=$(date +%s.%N)
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" \
    --window-size="$width,$height" --screenshot="$out" "file://$(realpath "$html")" \
    >"$profile/log" 2>&1 || { cat "$profile/log" >&2; exit 1; }
end=$(date +%s.%N)
[ -s "$out" ] || { echo "error: chromium wrote no $out" >&2; cat "$profile/log" >&2; exit 1; }
printf '%s (%s x %s px) in %.1f s\n' "$out" "$width" "$height" "$(echo "$end - $start" | bc)"
