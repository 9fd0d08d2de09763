#!/usr/bin/env python3
"""The reference model (common.py) in vectorised numpy: what a careful Python user writes.

The network is held in compressed sparse rows. Rather than recount every consumer's adopted
contacts each tick, the counts are kept up to date: each tick adds one to the count of every
contact of that tick's new adopters (one np.bincount over their contact lists), as livemarket
does. Random numbers: numpy's default_rng (PCG64), one uniform per consumer per tick.
"""
import time

import numpy as np

from common import check, parser, report


def network(n, k, rng):
    """The undirected network as (offsets, contacts): consumer i's contacts are
    contacts[offsets[i]:offsets[i + 1]]."""
    draws = k // 2
    source = np.repeat(np.arange(n, dtype=np.int64), draws)
    other = rng.integers(0, n - 1, size=n * draws, dtype=np.int64)
    other += other >= source  # uniform over the n - 1 others
    # One key per undirected pair, duplicates dropped. Sorting and masking is 50-100 times
    # faster than np.unique here (numpy 2.4, 5M keys).
    keys = np.sort(np.minimum(source, other) * n + np.maximum(source, other))
    pairs = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    a, b = np.divmod(pairs, n)
    ends = np.concatenate([a, b])
    contacts = np.concatenate([b, a])[np.argsort(ends)]  # a list's order does not matter
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=offsets[1:])
    return offsets, contacts


def contacts_of(offsets, contacts, who):
    """Every contact of the consumers `who`, concatenated."""
    starts, lengths = offsets[who], offsets[who + 1] - offsets[who]
    total = int(lengths.sum())
    if total == 0:
        return contacts[:0]
    first = np.cumsum(lengths) - lengths
    positions = np.arange(total) - np.repeat(first, lengths) + np.repeat(starts, lengths)
    return contacts[positions]


def simulate(n, ticks, seed, k, p, q):
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    offsets, contacts = network(n, k, rng)
    degree = np.diff(offsets)
    inverse_degree = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
    adopted = np.zeros(n, dtype=bool)
    adopted_contacts = np.zeros(n, dtype=np.int64)
    fractions = [0.0]
    t1 = time.perf_counter()
    for _ in range(ticks):
        hazard = p + q * adopted_contacts * inverse_degree
        new = np.flatnonzero(~adopted & (rng.random(n) < hazard))
        adopted[new] = True
        adopted_contacts += np.bincount(contacts_of(offsets, contacts, new), minlength=n)
        fractions.append(float(np.count_nonzero(adopted)) / n)
    t2 = time.perf_counter()
    return fractions, t1 - t0, t2 - t1


def main():
    ap = parser(__doc__)
    args = ap.parse_args()
    check(args, ap)
    fractions, setup_s, run_s = simulate(args.n, args.ticks, args.seed, args.k, args.p, args.q)
    report(f"numpy-{np.__version__}", args, fractions, setup_s, run_s)


if __name__ == "__main__":
    main()
