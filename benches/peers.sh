#!/usr/bin/env bash
# livemarket's bass-reference side by side with the peers in ../shared/peers (Mesa, numpy):
# the same model, N and T, one after another on this machine. Sets up the peers' Python
# environment (target/peers-venv) from their requirements.txt on first use.
#
#   benches/peers.sh                      # N = 1M (livemarket, numpy) and 100k (+ Mesa), 3 repeats
#   benches/peers.sh --repeats 5 --sizes  # also livemarket alone at three sizes (linearity)
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
VENV=target/peers-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r "$PEERS/requirements.txt"
fi
cargo build --release --quiet
exec "$VENV/bin/python" benches/peers.py --peers "$PEERS" --livemarket target/release/livemarket "$@"
