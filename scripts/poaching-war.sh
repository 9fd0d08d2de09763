#!/usr/bin/env bash
# The paired runs docs/scenarios.md quotes for creator-poaching-war (model 3): the war, the
# war without its poaching (the rivals open in the UK but spend nothing), and the war without
# poaching's demand channel (creators move, their viewers do not). Same trials, so every
# difference is paired. Usage: scripts/poaching-war.sh [TRIALS] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-40}
out=${2:-results/poaching-war}
# $LIVEMARKET when set (scripts/docs-figures --small passes its small-size wrapper).
bin=${LIVEMARKET:-$(scripts/target-dir)/release/livemarket}
war=scenarios/creator-poaching-war.toml
"$bin" run "$war" --trials "$trials" --force -q -o "$out/war"
"$bin" run "$war" --trials "$trials" --force -q -o "$out/no-poaching" \
    --set platforms.facebook.markets.GB.poaching.weekly_budget_usd=0 \
    --set platforms.amazon.markets.GB.poaching.weekly_budget_usd=0 \
    --set platforms.facebook.markets.US.poaching.weekly_budget_usd=0 \
    --set platforms.amazon.markets.US.poaching.weekly_budget_usd=0
"$bin" run "$war" --trials "$trials" --force -q -o "$out/no-demand" --set switches.poaching_demand=false
"$bin" compare "$out/war" "$out/no-poaching" -q --out "$out/war-vs-no-poaching.csv"
"$bin" compare "$out/war" "$out/no-demand" -q --out "$out/war-vs-no-demand.csv"
