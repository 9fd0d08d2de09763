#!/usr/bin/env bash
# The table "Distances and kernels compared" of docs/calibration.md: the fixed and adaptive
# distances and the one-covariance (mvn) and local kernels, on the analytic normal-mean
# posterior (a unit test run with --ignored) and on the bundled Bass problem (the binary),
# four seeds each; the Bass runs with --min-tolerance 0, so that each runs its 8 generations
# (an adaptive distance's tolerance is in units of the last generation's spreads, and
# reaches the default 1 early). Prints CSV rows:
#   problem,distance,kernel,seed,simulations_to_tolerance,generations,simulations,
#   final_worst_distance,p05,median,p95
# simulations_to_tolerance: simulations until the first generation whose every accepted
# particle is within the tolerance in the targets' own scales (0.5 posterior sds for the
# analytic case; 3 for Bass, which every option reaches in 8 generations);
# final_worst_distance: the last generation's largest such distance; p05, median, p95: the
# final posterior's weighted quantiles of the first parameter (analytic: θ0, exact 1.3 ±
# 0.2; Bass: p, true 0.03), and for Bass a second row block for q (true 0.38).
#
#   scripts/calibration-options.sh [OUT_DIR] > rows.csv   # default results/calibration-options
#   scripts/calibration-options-table.py rows.csv            # the markdown table of the docs
#   LIVEMARKET_BIN=path/to/livemarket scripts/calibration-options.sh   # skip the release build
#
# About 4 minutes on two cores: cargo test builds its binary first, in the test profile.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results/calibration-options}
mkdir -p "$out"
cargo test --lib --quiet -- --ignored --exact \
    calibrate::smc::tests::measure_options_on_the_analytic_posterior --nocapture 2>/dev/null |
    grep -E '^(problem|analytic),'
if [[ -n ${LIVEMARKET_BIN:-} ]]; then
    bin=$LIVEMARKET_BIN # a binary already built (e.g. the tests' own)
else
    cargo build --release --quiet
    bin=$(scripts/target-dir)/release/livemarket
fi
for distance in fixed adaptive; do
    for kernel in mvn local; do
        for seed in 1 2 3 4; do
            dir="$out/bass-$distance-$kernel-$seed"
            "$bin" calibrate tests/data/bass-calibration.toml --targets tests/data/bass-targets.toml \
                --population 300 --max-generations 8 --min-tolerance 0 --seed "$seed" --threads 1 \
                --distance "$distance" --kernel "$kernel" --force --quiet --out "$dir"
            python3 - "$dir" "$distance" "$kernel" "$seed" <<'PY'
import csv, sys
dir_, distance, kernel, seed = sys.argv[1:]
import tomllib
# The targets' values and scales, from the targets file.
spec = tomllib.load(open("tests/data/bass-targets.toml", "rb"))["target"]
targets = {name: (t["value"], t["scale"]) for name, t in spec.items()}
def fixed(r):
    return sum(((float(r[n]) - v) / k) ** 2 for n, (v, k) in targets.items()) ** 0.5
gens = list(csv.DictReader(open(f"{dir_}/generations.csv")))
parts = list(csv.DictReader(open(f"{dir_}/particles.csv")))
reached = "not reached"
for g in gens:
    worst = max(fixed(r) for r in parts if r["generation"] == g["generation"])
    if worst <= 3.0 and reached == "not reached":
        reached = g["simulations_total"]
post = list(csv.DictReader(open(f"{dir_}/posterior.csv")))
def q(col, p):
    xs = sorted((float(r[col]), float(r["weight"])) for r in post)
    total, acc = sum(w for _, w in xs), 0.0
    for x, w in xs:
        acc += w / total
        if acc >= p - 1e-12 and w > 0:
            return x
    return xs[-1][0]
for name, col in [("p", "countries.XX.diffusion.innovation"), ("q", "countries.XX.diffusion.imitation")]:
    print(f"bass-{name},{distance.capitalize()},{kernel.capitalize()},{seed},{reached},"
          f"{len(gens)},{gens[-1]['simulations_total']},{worst:.3f},{q(col, 0.05):.4g},{q(col, 0.5):.4g},{q(col, 0.95):.4g}")
PY
        done
    done
done
