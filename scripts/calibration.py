#!/usr/bin/env python3
"""Print the baseline's calibration table from a result folder.

Usage:
    livemarket run scenarios/baseline.toml --weekly-trials --threads 2 --out results/calibration
    python3 scripts/calibration.py results/calibration [--markdown]

Reads DIR/weekly_trials.csv (every trial's weekly series, written by --weekly-trials) and
DIR/trials.csv, computes per trial the quantities that shared/calibration/TARGETS.md gives for
2021, and prints each target beside the median and the 90% range (p05-p95, quantile type 7 as
livemarket's summary.csv) across trials. Python 3 standard library only.

2021 is weeks 0-51 (2021-01-04 to 2022-01-02). Quantities per trial:
  - tiktok_gmv_2021: TikTok's GMV summed over all its markets, weeks 0-51 (USD).
  - id_share, gb_share: Indonesia's and the UK's shares of that total.
  - gb_second: 1 if the UK has the second-largest 2021 TikTok GMV among countries.
  - us_live_2021: GMV of facebook + amazon + tiktok in the US, weeks 0-51 (USD), against
    Coresight's $11 bn US live-commerce market (all sellers).
  - cancelled_<CC>: 1 if TikTok's gated 2022 launch in CC was cancelled (trials.csv).
  - cancelled_all5: 1 if all five gated launches were cancelled.
  - gb_discount_end_2021: TikTok's UK discount in week 51 (the ROI rule starts at 0.40).
"""

import csv
import math
import sys
from collections import defaultdict

WEEKS_2021 = 52
GATED = ["DE", "FR", "IT", "ES", "US"]
US_PLATFORMS = ["facebook", "amazon", "tiktok"]
US_MARKET_2021 = 11e9  # Coresight Research, TARGETS "US live-commerce market (all sellers)"
TIKTOK_TARGET = 0.95e9  # 36Kr via Chaoqi.com, TARGETS "TikTok overseas e-commerce GMV, 2021"


def quantile(values, q):
    """Type-7 quantile (linear interpolation), as numpy's default and PERCENTILE.INC."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    h = (len(xs) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def read_weekly(folder):
    """Per trial: 2021 TikTok GMV by country, 2021 US GMV by platform, UK discount week 51."""
    tiktok = defaultdict(lambda: defaultdict(float))
    us = defaultdict(lambda: defaultdict(float))
    gb_discount = {}
    path = f"{folder}/weekly_trials.csv"
    try:
        handle = open(path, newline="")
    except FileNotFoundError:
        sys.exit(f"error: {path} not found; run livemarket with --weekly-trials")
    with handle:
        reader = csv.DictReader(handle)
        if "point" in (reader.fieldnames or []):
            sys.exit("error: a sweep folder; run the baseline without a sweep")
        for row in reader:
            week = int(row["week"])
            if week >= WEEKS_2021:
                continue
            trial = int(row["trial"])
            country, platform = row["country"], row["platform"]
            gmv = float(row["gmv_usd"])
            if platform == "tiktok":
                tiktok[trial][country] += gmv
                if country == "GB" and week == WEEKS_2021 - 1:
                    gb_discount[trial] = float(row["discount"])
            if country == "US" and platform in US_PLATFORMS:
                us[trial][platform] += gmv
    return tiktok, us, gb_discount


def read_cancelled(folder):
    """Per trial and gated country: 1 if TikTok's launch was cancelled."""
    cancelled = defaultdict(dict)
    with open(f"{folder}/trials.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["platform"] == "tiktok" and row["country"] in GATED:
                cancelled[int(row["trial"])][row["country"]] = int(row["launch_cancelled"])
    return cancelled


def per_trial(folder):
    tiktok, us, gb_discount = read_weekly(folder)
    cancelled = read_cancelled(folder)
    rows = defaultdict(list)
    for trial in sorted(tiktok):
        by_country = tiktok[trial]
        total = sum(by_country.values())
        ranked = sorted(by_country, key=by_country.get, reverse=True)
        rows["tiktok_gmv_2021"].append(total)
        rows["id_share"].append(by_country.get("ID", 0.0) / total if total > 0 else 0.0)
        rows["gb_share"].append(by_country.get("GB", 0.0) / total if total > 0 else 0.0)
        rows["gb_second"].append(1.0 if len(ranked) > 1 and ranked[1] == "GB" else 0.0)
        us_total = sum(us[trial].values())
        rows["us_live_2021"].append(us_total)
        rows["us_share_of_market"].append(us_total / US_MARKET_2021)
        for platform in US_PLATFORMS:
            rows[f"us_{platform}_2021"].append(us[trial].get(platform, 0.0))
        rows["gb_discount_end_2021"].append(gb_discount.get(trial, float("nan")))
        flags = cancelled.get(trial, {})
        for country in GATED:
            rows[f"cancelled_{country}"].append(float(flags.get(country, 0)))
        rows["cancelled_all5"].append(1.0 if all(flags.get(c, 0) for c in GATED) else 0.0)
    return rows


def money(x):
    for unit, size, digits in (("bn", 1e9, 2), ("m", 1e6, 0), ("k", 1e3, 0)):
        if abs(x) >= size:
            return f"${x / size:.{digits}f} {unit}"
    return f"${x:.0f}"


def share(x):
    return f"{100 * x:.1f}%"


TABLE = [
    # key, target, how a value is printed, how the target is judged (text)
    ("tiktok_gmv_2021", "about $0.95 bn (±30%: $0.665-1.235 bn)", money),
    ("id_share", "over 70%", share),
    ("gb_share", "second market; most of the rest", share),
    ("gb_second", "UK second in every trial", share),
    ("us_live_2021", "below the $11 bn US market", money),
    ("us_share_of_market", "a minority share (see docs/calibration.md)", share),
    ("us_facebook_2021", "(part of the line above)", money),
    ("us_amazon_2021", "(part of the line above)", money),
    ("us_tiktok_2021", "0 (TikTok US not open in 2021)", money),
    ("gb_discount_end_2021", "cut from 0.40 by the roi rule", lambda x: f"{x:.3g}"),
    ("cancelled_DE", "cancelled in most trials", share),
    ("cancelled_FR", "cancelled in most trials", share),
    ("cancelled_IT", "cancelled in most trials", share),
    ("cancelled_ES", "cancelled in most trials", share),
    ("cancelled_US", "cancelled in most trials", share),
    ("cancelled_all5", "all five cancelled in most trials", share),
]

LABELS = {
    "tiktok_gmv_2021": "TikTok overseas GMV, 2021",
    "id_share": "Indonesia's share of it",
    "gb_share": "UK's share of it",
    "gb_second": "UK the second market (share of trials)",
    "us_live_2021": "US live GMV, facebook + amazon + tiktok, 2021",
    "us_share_of_market": "  as a share of the $11 bn US market",
    "us_facebook_2021": "  of which facebook",
    "us_amazon_2021": "  of which amazon",
    "us_tiktok_2021": "  of which tiktok",
    "gb_discount_end_2021": "TikTok UK discount, end of 2021",
    "cancelled_DE": "DE launch cancelled (share of trials)",
    "cancelled_FR": "FR launch cancelled (share of trials)",
    "cancelled_IT": "IT launch cancelled (share of trials)",
    "cancelled_ES": "ES launch cancelled (share of trials)",
    "cancelled_US": "US launch cancelled (share of trials)",
    "cancelled_all5": "all five launches cancelled (share of trials)",
}

# Rows that are 0/1 per trial: the share of trials is the mean, quantiles say little.
INDICATORS = {"gb_second", "cancelled_all5"} | {f"cancelled_{c}" for c in GATED}


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    markdown = "--markdown" in argv
    if len(args) != 1:
        sys.exit(__doc__)
    rows = per_trial(args[0])
    n = len(rows["tiktok_gmv_2021"])
    table = []
    for key, target, fmt in TABLE:
        values = [v for v in rows[key] if not math.isnan(v)]
        if key in INDICATORS:
            measured = fmt(sum(values) / len(values)) if values else "-"
            spread = "(share of trials)"
        else:
            measured = fmt(quantile(values, 0.5))
            spread = f"{fmt(quantile(values, 0.05))} - {fmt(quantile(values, 0.95))}"
        table.append((LABELS[key], target, measured, spread))
    gmv = rows["tiktok_gmv_2021"]
    within = sum(1 for g in gmv if abs(g / TIKTOK_TARGET - 1) <= 0.3) / n
    header = ("quantity", "target", "median", "90% range (p05-p95)")
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in table:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(r[i]) for r in table + [header]) for i in range(len(header))]
        for row in [header] + table:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    print()
    print(f"{n} trials; TikTok 2021 GMV within ±30% of $0.95 bn in {100 * within:.0f}% of them;")
    print("medians and ranges are over trials (type-7 quantiles); indicator rows give the share of trials.")


if __name__ == "__main__":
    main(sys.argv)
