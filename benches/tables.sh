#!/usr/bin/env bash
# The tables of docs/performance.md in one command: the machine, the engine's workloads
# against the memory-bandwidth floor measured in the same run (benches/floor.rs), and
# livemarket against its peers (benches/peers.sh: numpy, Mesa and krABMaga), each in
# alternating rounds so that the shared machine's swings fall on both sides of a ratio.
#
#   benches/tables.sh              # 7 floor rounds, 3 peer rounds
#   benches/tables.sh 5 3          # FLOOR_ROUNDS, peer rounds
#   benches/tables.sh > t.md       # the tables alone (progress goes to stderr)
set -euo pipefail
cd "$(dirname "$0")/.."
floor_rounds=${1:-7}
peer_rounds=${2:-3}
echo "## Machine"
echo
echo "- $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) vCPU;" \
    "L3 $(lscpu | awk -F: '/L3/ {gsub(/^ +/, "", $2); print $2}'); $(free -g | awk '/Mem/ {print $2}') GiB RAM"
echo "- $(rustc --version); load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "## Against the floor (cargo bench --bench floor, $floor_rounds rounds)"
echo
FLOOR_ROUNDS=$floor_rounds cargo bench --quiet --bench floor
echo
echo "## Against the peers (benches/peers.sh --repeats $peer_rounds)"
echo
benches/peers.sh --repeats "$peer_rounds"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
