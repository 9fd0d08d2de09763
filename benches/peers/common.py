"""What the two peers share: the reference model's parameters, the command line, and the
line and CSV they print, so benches/peers.py reads both the same way.

The reference model (livemarket's scenarios/bass-reference.toml, on its `random` network):

- N consumers. Each draws k/2 partners, each uniform among the other N - 1 consumers.
  Edges are undirected; a pair drawn twice (by the same consumer, or by both ends) is one
  edge; nobody is their own contact. The mean degree is just below k.
- Nobody has adopted at tick 0. Each tick, every consumer who has not adopted adopts with
  probability p + q * (adopted contacts / contacts), counted at the start of the tick
  (synchronous update); a consumer without contacts uses p alone.
- Defaults: k = 10, p = 0.03, q = 0.38 per tick, T = 52 ticks. The output is the adopted
  fraction after each tick 0..T.
"""
import argparse
import sys


def parser(doc):
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="consumers")
    ap.add_argument("--ticks", type=int, default=52)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--k", type=int, default=10, help="contacts drawn per consumer x 2 (even)")
    ap.add_argument("--p", type=float, default=0.03, help="innovation per tick")
    ap.add_argument("--q", type=float, default=0.38, help="imitation per tick")
    ap.add_argument("--csv", help="write tick,adopted_fraction for ticks 0..T here ('-': stdout)")
    return ap


def check(args, ap):
    if args.k < 2 or args.k % 2:
        ap.error("--k must be even and at least 2 (each consumer draws k/2 partners)")
    if args.n < 2:
        ap.error("--n must be at least 2")


def report(impl, args, fractions, setup_s, run_s):
    """One key=value line (on stderr when the CSV goes to stdout), then the CSV."""
    rate = args.n * args.ticks / run_s if run_s > 0 else float("inf")
    line = (f"impl={impl} n={args.n} ticks={args.ticks} seed={args.seed} "
            f"final_adopted_fraction={fractions[-1]:.6f} setup_s={setup_s:.3f} "
            f"run_s={run_s:.3f} agent_updates_per_s={rate:.4g}")
    print(line, file=sys.stderr if args.csv == "-" else sys.stdout)
    if args.csv:
        text = "tick,adopted_fraction\n" + "".join(f"{t},{f:.8f}\n" for t, f in enumerate(fractions))
        if args.csv == "-":
            sys.stdout.write(text)
        else:
            with open(args.csv, "w") as fh:
                fh.write(text)
