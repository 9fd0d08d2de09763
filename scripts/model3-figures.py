#!/usr/bin/env python3
"""The model 3 figures that docs/model.md and docs/scenarios.md print, from runs of the bundled
baseline that this script makes with the release binary (standard library only):

    cargo build --release
    python3 scripts/model3-figures.py [--trials 40] [--out results/model3-figures]

1. The decomposition: the UK's and Indonesia's two-year TikTok GMV with every feedback on,
   then with each switched off in turn (`--set switches.NAME=false`), paired by trial (the
   same seeds and posterior particles): the median paired change and a 90% interval of the
   median by bootstrap over trials.
2. The cancellation curve: the share of each gated launch cancelled over the level of the
   UK's plan (a sweep of `platforms.tiktok.markets.GB.plan.weekly_gmv_usd`), with a 90%
   Wilson interval per point.
3. The UK's weekly GMV through 2021-2022: median and 90% band by month, and the share of
   trials withdrawn by each quarter.
"""
import argparse
import csv
import math
import os
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

SWITCHES = ["price", "deal_seekers", "creator_supply", "word_of_mouth", "habit_decay",
            "poaching_demand", "reviews", "exit"]
GATED = ["DE", "FR", "IT", "ES", "US"]
PLANS = [1e6, 2e6, 3e6, 4e6, 6e6]


def binary():
    """The livemarket to run: $LIVEMARKET when set (scripts/docs-figures --small passes its
    small-size wrapper), else the release build."""
    if os.environ.get("LIVEMARKET"):
        return os.environ["LIVEMARKET"]
    target = subprocess.run(["scripts/target-dir"], capture_output=True, text=True,
                            check=True).stdout.strip()
    return str(Path(target) / "release" / "livemarket")


def run(out, trials, *extra):
    subprocess.run([binary(), "run", "--trials", str(trials), "--force", "-q", "-o", str(out),
                    *extra], check=True)


def totals(folder, country, platform="tiktok", point="0"):
    """Per trial: GMV of one market over the run."""
    gmv = {}
    with open(Path(folder) / "trials.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row.get("point", "0") != point:
                continue
            if row["country"] == country and row["platform"] == platform:
                gmv[int(row["trial"])] = float(row["gmv_usd"])
    return gmv


def quantile(xs, q):
    xs = sorted(xs)
    h = (len(xs) - 1) * q
    lo = int(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def median_ci(xs, resamples=2000, seed=1):
    rng = random.Random(seed)
    meds = sorted(quantile([rng.choice(xs) for _ in xs], 0.5) for _ in range(resamples))
    return quantile(xs, 0.5), quantile(meds, 0.05), quantile(meds, 0.95)


def wilson(k, n, z=1.6449):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return p, max(0.0, c - h), min(1.0, c + h)


def money(x):
    return f"{x / 1e6:,.0f} M" if abs(x) >= 1e6 else f"{x / 1e3:,.0f} k"


def decomposition(out, trials):
    run(out / "on", trials)
    base = {c: totals(out / "on", c) for c in ["GB", "ID"]}
    print("| switched off | UK two-year GMV: median change (90% CI) | relative | "
          "Indonesia: median change (90% CI) | relative |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| (none: every feedback on) | median {money(quantile(list(base['GB'].values()), 0.5))} | | "
          f"median {money(quantile(list(base['ID'].values()), 0.5))} | |")
    for name in SWITCHES:
        folder = out / f"off-{name}"
        run(folder, trials, "--set", f"switches.{name}=false")
        cells = []
        for c in ["GB", "ID"]:
            off = totals(folder, c)
            diffs = [off[k] - base[c][k] for k in sorted(base[c])]
            rel = [off[k] / base[c][k] - 1 for k in sorted(base[c]) if base[c][k] > 0]
            m, lo, hi = median_ci(diffs)
            cells.append(f"{money(m)} ({money(lo)} to {money(hi)}) | "
                         f"{100 * quantile(rel, 0.5):+.0f}%")
        print(f"| `{name}` | " + " | ".join(cells) + " |")


def cancellations(out, trials):
    folder = out / "plan"
    run(folder, trials, "--vary",
        "platforms.tiktok.markets.GB.plan.weekly_gmv_usd=" + ",".join(f"{p:g}" for p in PLANS))
    cancelled = defaultdict(lambda: [0, 0])
    with open(folder / "trials.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["platform"] == "tiktok" and row["country"] in GATED:
                cell = cancelled[(row["point"], row["country"])]
                cell[0] += int(row["launch_cancelled"])
                cell[1] += 1
    print("| UK plan, USD a week | " + " | ".join(GATED) + " |")
    print("| --- | " + " | ".join("---" for _ in GATED) + " |")
    for i, plan in enumerate(PLANS):
        cells = []
        for c in GATED:
            k, n = cancelled[(str(i), c)]
            p, lo, hi = wilson(k, n)
            cells.append(f"{100 * p:.0f}% ({100 * lo:.0f}-{100 * hi:.0f})")
        print(f"| {money(plan)} | " + " | ".join(cells) + " |")


def uk_path(out, trials):
    folder = out / "on"
    rows = []
    with open(folder / "weekly.csv", newline="") as f:
        for row in csv.DictReader(f):
            if (row["country"], row["platform"], row["metric"]) == ("GB", "tiktok", "gmv_usd"):
                rows.append(row)
    print("| month | median weekly GMV | 90% band (p05-p95) |")
    print("| --- | --- | --- |")
    seen = set()
    for row in rows:
        month = row["date"][:7]
        if month in seen or int(row["week"]) < 13:
            continue
        seen.add(month)
        if month[5:] in ("01", "04", "07", "10"):
            print(f"| {month} | {money(float(row['p50']))} | "
                  f"{money(float(row['p05']))} - {money(float(row['p95']))} |")
    withdrawn = defaultdict(int)
    n = 0
    with open(folder / "trials.csv", newline="") as f:
        for row in csv.DictReader(f):
            if (row["country"], row["platform"]) == ("GB", "tiktok"):
                n += 1
                if row["live_withdrawn_week"]:
                    withdrawn[int(row["live_withdrawn_week"])] += 1
    for week in (39, 52, 75, 104):
        k = sum(v for w, v in withdrawn.items() if w < week)
        p, lo, hi = wilson(k, n)
        print(f"- withdrawn before week {week}: {100 * p:.0f}% of {n} trials (90% CI {100 * lo:.0f}-{100 * hi:.0f}%)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=40)
    ap.add_argument("--out", default="results/model3-figures")
    args = ap.parse_args()
    out = Path(args.out)
    print(f"## Decomposition ({args.trials} trials, paired)\n")
    decomposition(out, args.trials)
    print(f"\n## Gated launches cancelled over the UK plan ({args.trials} trials a point)\n")
    cancellations(out, args.trials)
    print(f"\n## UK weekly GMV ({args.trials} trials)\n")
    uk_path(out, args.trials)


if __name__ == "__main__":
    sys.exit(main())
