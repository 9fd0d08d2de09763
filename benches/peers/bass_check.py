#!/usr/bin/env python3
"""The numpy peer's mean adopted fraction over several seeds, beside discrete Bass.

Writes the mean over seeds SEED..SEED+S-1 for ticks 1..T, one number a line: at the
defaults (N = 100,000, 10 seeds from 42) this is tests/data/peers_numpy_mean10_n100000.txt,
which tests/bass.rs holds livemarket's random network to. Prints, per tick, the mean, the
largest sd across seeds and the discrete mean-field curve F(t+1) = F(t) + (p + q F(t))(1 - F(t)).

    python bass_check.py --out ../../tests/data/peers_numpy_mean10_n100000.txt

With --peer COMMAND, also runs that peer (any program with the options and CSV of
common.py, e.g. the krABMaga binary) over the same seeds and compares the two means at every
tick: the gap, and the gap over its standard error (from both sets of seeds); exits non-zero
when the largest is above 4.5 (52 ticks, so a looser bound than one test's 3).

    python bass_check.py --peer "$CARGO_TARGET_DIR/peers-krabmaga/release/bass-krabmaga"
"""
import argparse
import csv
import shlex
import subprocess
import sys
import tempfile

import numpy as np

from bass_numpy import simulate


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--ticks", type=int, default=52)
    ap.add_argument("--seed", type=int, default=42, help="first seed")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--p", type=float, default=0.03)
    ap.add_argument("--q", type=float, default=0.38)
    ap.add_argument("--out", help="write the mean for ticks 1..T here, one a line")
    ap.add_argument("--peer", help="a peer's command to compare with the numpy peer, seed by seed")
    a = ap.parse_args()
    runs = np.array([simulate(a.n, a.ticks, a.seed + s, a.k, a.p, a.q)[0] for s in range(a.seeds)])
    mean, sd = runs.mean(axis=0), runs.std(axis=0, ddof=1)
    bass = [0.0]
    for _ in range(a.ticks):
        bass.append(bass[-1] + (a.p + a.q * bass[-1]) * (1 - bass[-1]))
    print("tick  mean      sd        discrete Bass")
    for t in range(1, a.ticks + 1):
        print(f"{t:>4}  {mean[t]:.6f}  {sd[t]:.6f}  {bass[t]:.6f}")
    gap = np.abs(mean - np.array(bass))
    print(f"largest sd across seeds {sd.max():.4f}; largest gap to discrete Bass {gap.max():.4f} "
          f"at tick {gap.argmax()}")
    if a.out:
        with open(a.out, "w") as fh:
            fh.writelines(f"{x:.6f}\n" for x in mean[1:])
    if a.peer:
        other = np.array([peer_curve(a.peer, a, a.seed + s) for s in range(a.seeds)])
        pmean, psd = other.mean(axis=0), other.std(axis=0, ddof=1)
        gap = np.abs(pmean - mean)[1:]
        # The standard error of the difference, at least one agent's share (the end of the
        # curve, where every seed has reached 1).
        se = np.maximum(np.sqrt((sd ** 2 + psd ** 2) / a.seeds), 1 / a.n)[1:]
        z = gap / se
        print(f"peer {a.peer}: {a.seeds}-seed mean at tick 10 {pmean[10]:.4f} (numpy {mean[10]:.4f}); "
              f"largest gap {gap.max():.4f} at tick {gap.argmax() + 1}; largest gap / se {z.max():.2f} "
              f"at tick {z.argmax() + 1}")
        if z.max() > 4.5:
            sys.exit("the peer's curve differs from the numpy peer's")
        print("same curve")


def peer_curve(command, a, seed):
    """The adopted fraction at ticks 0..T of one run of a peer's command."""
    path = tempfile.NamedTemporaryFile(suffix=".csv", delete=False).name
    subprocess.run(shlex.split(command) + ["--n", str(a.n), "--ticks", str(a.ticks), "--seed", str(seed),
                                           "--k", str(a.k), "--p", str(a.p), "--q", str(a.q), "--csv", path],
                   check=True, capture_output=True)
    with open(path) as fh:
        return [float(row["adopted_fraction"]) for row in csv.DictReader(fh)]


if __name__ == "__main__":
    main()
