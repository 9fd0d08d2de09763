#!/usr/bin/env bash
# The table "Distances and kernels compared" of docs/calibration.md: the fixed and adaptive
# distances and the one-covariance (mvn) and local kernels, on the analytic normal-mean
# posterior (a unit test run with --ignored) and on the bundled Bass problem (the binary),
# four seeds each. Prints CSV rows:
#   problem,distance,kernel,seed,simulations_to_tolerance,generations,simulations,p05,median,p95
# simulations_to_tolerance: simulations until the first generation whose every accepted
# particle is within the tolerance in the targets' own scales (0.5 posterior sds for the
# analytic case; 2.5 for Bass, about where the fixed distance ends); p05, median, p95: the
# final posterior's weighted quantiles of the first parameter (analytic: θ0, exact 1.3 ±
# 0.2; Bass: p, true 0.03), and for Bass a second row block for q (true 0.38).
#
#   scripts/calibration-options.sh [OUT_DIR]      # default results/calibration-options
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
                --population 300 --max-generations 8 --seed "$seed" --threads 1 \
                --distance "$distance" --kernel "$kernel" --force --quiet --out "$dir"
            python3 - "$dir" "$distance" "$kernel" "$seed" <<'PY'
import csv, sys
dir_, distance, kernel, seed = sys.argv[1:]
# The targets' values and scales (tests/data/bass-targets.toml): weeks 1, 3, 6.
targets = {"week1": (206, 15), "week3": (558, 30), "week6": (1350, 30)}
gens = list(csv.DictReader(open(f"{dir_}/generations.csv")))
parts = list(csv.DictReader(open(f"{dir_}/particles.csv")))
reached = "not reached"
for g in gens:
    rows = [r for r in parts if r["generation"] == g["generation"]]
    worst = max(
        sum(((float(r[n]) - v) / k) ** 2 for n, (v, k) in targets.items()) ** 0.5 for r in rows
    )
    if worst <= 2.5:
        reached = g["simulations_total"]
        break
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
          f"{len(gens)},{gens[-1]['simulations_total']},{q(col, 0.05):.4g},{q(col, 0.5):.4g},{q(col, 0.95):.4g}")
PY
        done
    done
done
