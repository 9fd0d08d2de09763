#!/usr/bin/env bash
# livemarket's bass-reference side by side with its peers in benches/peers/ (the same model
# in numpy, Mesa and krABMaga): the same N and T, one after another on this machine. Sets up
# the peers' Python environment ($CARGO_TARGET_DIR/peers-venv, target/peers-venv by default)
# from benches/peers/requirements.txt on first use, and again when that file changes; builds
# the krABMaga peer (benches/peers/krabmaga, its own Cargo project, into
# $CARGO_TARGET_DIR/peers-krabmaga) and leaves it out, saying why, if it does not build.
#
#   benches/peers.sh                      # N = 1M and 100k (livemarket, numpy; krABMaga and Mesa at 100k), 3 rounds
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
peers=()
if cargo build --release --quiet --locked --manifest-path benches/peers/krabmaga/Cargo.toml \
    --target-dir "$target/peers-krabmaga"; then
    peers=(--krabmaga "$target/peers-krabmaga/release/bass-krabmaga")
else
    echo "peers.sh: the krABMaga peer did not build (above); running without it" >&2
fi
exec "$venv/bin/python" benches/peers.py --livemarket "$target/release/livemarket" "${peers[@]}" "$@"
