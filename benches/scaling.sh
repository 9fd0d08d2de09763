#!/usr/bin/env bash
# Threads: many trials on 1 and 2 threads (trials in parallel), and one big trial on 1 and 2
# threads (countries step in parallel within each week). Prints wall seconds, the speed-up,
# and the baseline's consumer agent-weeks per second per thread; checks that the files are
# byte-identical across thread counts.
#
#   benches/scaling.sh [TRIALS]        # default 20 baseline trials
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-20}
cargo build --release --quiet
bin=$(scripts/target-dir)/release/livemarket
out=$(mktemp -d)
wall() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }

echo "baseline, $trials trials:"
t1=$(wall $bin run --trials "$trials" --threads 1 --quiet --out "$out/t1")
t2=$(wall $bin run --trials "$trials" --threads 2 --quiet --out "$out/t2")
cmp "$out/t1/trials.csv" "$out/t2/trials.csv" && cmp "$out/t1/weekly.csv" "$out/t2/weekly.csv"
echo "  1 thread ${t1}s, 2 threads ${t2}s: speed-up $(echo "scale=2; $t1 / $t2" | bc)x (files identical)"
$bin run --trials "$trials" --threads 1 --quiet --timings --force --out "$out/t1" 2>&1 |
    sed 's/^/  one thread: /'

# One big trial: the baseline at 10x its resolution (agents x 10 in every country).
big=$out/big.toml
sed -E 's/^(agents = [0-9_]+)/\10/' scenarios/baseline.toml > "$big"   # 40_000 -> 40_0000
echo "one baseline trial at 10x resolution ($(grep -c '^agents' "$big") countries):"
b1=$(wall $bin run "$big" --trials 1 --threads 1 --quiet --out "$out/b1")
b2=$(wall $bin run "$big" --trials 1 --threads 2 --quiet --out "$out/b2")
cmp "$out/b1/trials.csv" "$out/b2/trials.csv"
echo "  1 thread ${b1}s, 2 threads ${b2}s: speed-up $(echo "scale=2; $b1 / $b2" | bc)x (files identical)"
rm -rf "$out"
