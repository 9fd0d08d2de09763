#!/usr/bin/env python3
"""The numpy peer's mean adopted fraction over several seeds, beside discrete Bass.

Writes the mean over seeds SEED..SEED+S-1 for ticks 1..T, one number a line: at the
defaults (N = 100,000, 10 seeds from 42) this is tests/data/peers_numpy_mean10_n100000.txt,
which tests/bass.rs holds livemarket's random network to. Prints, per tick, the mean, the
largest sd across seeds and the discrete mean-field curve F(t+1) = F(t) + (p + q F(t))(1 - F(t)).

    python bass_check.py --out ../../tests/data/peers_numpy_mean10_n100000.txt
"""
import argparse

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


if __name__ == "__main__":
    main()
