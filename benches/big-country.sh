#!/usr/bin/env bash
# One big country on 1 and 2 threads: the baseline (at its hand-set centres, --no-uncertain, so
# that binaries with different posteriors do the same work) with the UK at N consumer agents (default
# 15 M; the UK's 1:1 is 67 M), one trial. Prints, per binary and thread count, the setup and
# stepping seconds (--timings), wall seconds and peak memory, and checks that the result files
# are byte-identical across thread counts. With BEFORE=path/to/an/older/livemarket, runs it
# too, alternating with the current build, so a before/after ratio comes from one run on the
# same machine state.
#
#   benches/big-country.sh [AGENTS] [ROUNDS]          # default 15000000 agents, 2 rounds
#   BEFORE=/tmp/livemarket-old benches/big-country.sh
set -euo pipefail
cd "$(dirname "$0")/.."
agents=${1:-15000000}
rounds=${2:-2}
cargo build --release --quiet
after=$(scripts/target-dir)/release/livemarket
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bins=("after=$after")
[[ -n ${BEFORE:-} ]] && bins=("before=$BEFORE" "${bins[@]}")
echo "| binary | threads | round | setup s | stepping s | wall s | peak MB | bytes/agent |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for r in $(seq 1 "$rounds"); do
    for b in "${bins[@]}"; do
        name=${b%%=*}
        bin=${b#*=}
        for t in 1 2; do
            dir=$out/$name-$t
            rm -rf "$dir"
            timings=$(/usr/bin/time -f "wall=%e rss_kb=%M" "$bin" run --trials 1 --threads "$t" --no-uncertain \
                --timings --quiet --allow-memory --set "countries.GB.agents=$agents" \
                --out "$dir" 2>&1 | grep -E 'setup_s=|wall=' | tr '\n' ' ')
            setup=$(sed -E 's/.*setup_s=([0-9.]+).*/\1/' <<<"$timings")
            run=$(sed -E 's/.*run_s=([0-9.]+).*/\1/' <<<"$timings")
            wall=$(sed -E 's/.*wall=([0-9.]+).*/\1/' <<<"$timings")
            kb=$(sed -E 's/.*rss_kb=([0-9]+).*/\1/' <<<"$timings")
            echo "| $name | $t | $r | $setup | $run | $wall | $((kb / 1024)) | $(echo "scale=1; $kb * 1024 / $agents" | bc) |"
        done
        cmp "$out/$name-1/trials.csv" "$out/$name-2/trials.csv"
        cmp "$out/$name-1/weekly.csv" "$out/$name-2/weekly.csv"
    done
done
echo "(result files identical on 1 and 2 threads for every binary)"
