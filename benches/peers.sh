#!/usr/bin/env bash
# livemarket's bass-reference side by side with its peers in benches/peers/ (the same model
# in numpy and in Mesa): the same N and T, one after another on this machine. Sets up the
# peers' Python environment ($CARGO_TARGET_DIR/peers-venv, target/peers-venv by default)
# from benches/peers/requirements.txt on first use, and again when that file changes.
#
#   benches/peers.sh                      # N = 1M (livemarket, numpy) and 100k (+ Mesa), 3 repeats
#   benches/peers.sh --repeats 5 --sizes  # also livemarket alone at three sizes (linearity)
#   benches/peers.sh --help               # every option of benches/peers.py
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
venv=$target/peers-venv
requirements=benches/peers/requirements.txt
# The stamp holds the requirements' hash and is written only once pip has succeeded, so an
# install that failed or was interrupted is never taken for a finished one: it is redone.
stamp=$venv/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "peers.sh: installing $requirements into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q -r "$requirements"
    echo "$want" > "$stamp"
fi
for arg in "$@"; do
    case $arg in -h | --help) exec "$venv/bin/python" benches/peers.py --help ;; esac
done
cargo build --release --quiet
exec "$venv/bin/python" benches/peers.py --livemarket "$target/release/livemarket" "$@"
