#!/usr/bin/env python3
"""Creator earnings against reservation wages, per country: the table docs/calibration.md
prints ("Creators at scale"). Reads a result folder written with `livemarket run --creators`.

    python3 scripts/creator-earnings.py results/baseline

For each creator agent whose home market opened, its mean weekly earnings over the weeks
from its home market's opening to the end of the run, divided by its reservation wage; the
table gives the median and quartiles of that ratio over all creators and trials, per
country, and the share of creators dormant at the end. Standard library only.
"""
import csv
import sys
from collections import defaultdict
from pathlib import Path


def quantile(xs, q):
    """Type-7 quantile (linear between order statistics), as the project's summaries."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    h = (len(xs) - 1) * q
    lo = int(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def main(folder):
    folder = Path(folder)
    weeks = None
    with open(folder / "manifest.json") as f:
        import json

        weeks = json.load(f)["scenario"]["weeks"]
    opened = {}
    with open(folder / "events.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["event"] == "opened":
                opened[(row["trial"], row["country"], row["platform"])] = int(row["week"])
    ratios = defaultdict(list)
    dormant = defaultdict(list)
    with open(folder / "creators.csv", newline="") as f:
        for row in csv.DictReader(f):
            key = (row["trial"], row["country"], row["initial_home"])
            if key not in opened or float(row["reservation_usd"]) <= 0:
                continue
            open_weeks = weeks - opened[key]
            ratios[row["country"]].append(
                float(row["earnings_usd"]) / open_weeks / float(row["reservation_usd"])
            )
            dormant[row["country"]].append(row["dormant"] == "1")
    print("| country | creators × trials | earnings/wage p25 | median | p75 | dormant at the end |")
    print("| --- | --- | --- | --- | --- | --- |")
    for country in sorted(ratios):
        r = ratios[country]
        d = dormant[country]
        print(
            f"| {country} | {len(r)} | {quantile(r, 0.25):.2f} | {quantile(r, 0.5):.2f} | "
            f"{quantile(r, 0.75):.2f} | {100 * sum(d) / len(d):.0f}% |"
        )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
