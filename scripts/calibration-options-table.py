#!/usr/bin/env python3
"""The markdown table of docs/calibration.md ("Distances and kernels compared") from the CSV
rows scripts/calibration-options.sh prints: per problem and option, over the seeds, the
range (min-max) of the simulations to the tolerance, the simulations in all, the last
generation's worst distance in the targets' scales, and the posterior median, 5% and 95%.

    scripts/calibration-options.sh > rows.csv && scripts/calibration-options-table.py rows.csv
"""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
truth = {"analytic": "θ0: exact median 1.3, 90% 0.971-1.629", "bass-p": "p: true 0.03",
         "bass-q": "q: true 0.38"}
tolerance = {"analytic": "0.5", "bass-p": "3", "bass-q": "3"}


def span(xs, fmt):
    xs = sorted(xs)
    return fmt(xs[0]) if xs[0] == xs[-1] else f"{fmt(xs[0])}-{fmt(xs[-1])}"


print("| problem | distance | kernel | simulations to tolerance | simulations in all | "
      "last worst distance | posterior median | posterior 5% | posterior 95% |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|")
seen = []
for r in rows:
    key = (r["problem"], r["distance"], r["kernel"])
    if key not in seen:
        seen.append(key)
for problem, distance, kernel in seen:
    rs = [r for r in rows if (r["problem"], r["distance"], r["kernel"]) == (problem, distance, kernel)]
    reached = [int(r["simulations_to_tolerance"]) for r in rs
               if r["simulations_to_tolerance"] != "not reached"]
    missed = len(rs) - len(reached)
    to_tol = span(reached, lambda x: f"{x:,}") if reached else "-"
    if missed:
        to_tol += f" ({missed} of {len(rs)} not reached)"
    g = lambda x: f"{x:.3g}"
    print(f"| {truth[problem]} (tolerance {tolerance[problem]}) | {distance.lower()} | "
          f"{kernel.lower()} | {to_tol} | "
          f"{span([int(r['simulations']) for r in rs], lambda x: f'{x:,}')} | "
          f"{span([float(r['final_worst_distance']) for r in rs], lambda x: f'{x:.2f}')} | "
          f"{span([float(r['median']) for r in rs], g)} | "
          f"{span([float(r['p05']) for r in rs], g)} | "
          f"{span([float(r['p95']) for r in rs], g)} |")
