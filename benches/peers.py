#!/usr/bin/env python3
"""Run livemarket's bass-reference beside its peers in benches/peers/ (numpy, Mesa, krABMaga).

Each runs as a fresh process under /usr/bin/time -v, one after another; the repeats
alternate (round k runs every implementation once, with seed SEED + k), so a machine that
slows down for a while slows every side of a ratio. Prints run rate, whole-process time,
peak memory, the ratios, and each one's adopted fraction at tick 10 and at the end; medians
over --repeats rounds, as markdown tables.

  run_s   the T weeks only, timed inside each program (livemarket: `run --timings`)
  setup_s agents and network, timed inside each program
  wall_s  the whole process, from /usr/bin/time
  ups     agent-updates per second = N*T / run_s
"""
import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# A tick in the steep part of the curve, where implementations of different models would
# differ (discrete mean-field Bass: 0.783; the peers' network: about 0.737).
MID = 10
ROOT = os.path.dirname(HERE)


def timed(cmd, env=None):
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", r.stderr)
    parts = [float(x) for x in m.group(1).split(":")]
    wall = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    return r, wall, rss_kb / 1024


def scenario(n, ticks):
    """bass-reference at N agents and T weeks."""
    text = open(os.path.join(ROOT, "scenarios", "bass-reference.toml")).read()
    text = re.sub(r"(?m)^population = .*$", f"population = {n}", text)
    text = re.sub(r"(?m)^agents = 1_000_000.*$", f"agents = {n}", text)
    text = re.sub(r"(?m)^weeks = .*$", f"weeks = {ticks}", text)
    f = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    f.write(text)
    f.close()
    return f.name


def run_livemarket(binary, n, ticks, seed):
    path = scenario(n, ticks)
    out = tempfile.mkdtemp()
    r, wall, rss = timed([binary, "run", path, "--out", out, "--force", "--quiet", "--timings",
                          "--threads", "1", "--seed", str(seed)])
    kv = dict(tok.split("=", 1) for tok in r.stderr.split() if "=" in tok and "_" in tok.split("=")[0])
    with open(os.path.join(out, "weekly.csv")) as fh:
        # The record of week t is the state after t + 1 ticks of the peers' model.
        share = {int(row["week"]) + 1: float(row["mean"]) / n for row in csv.DictReader(fh)
                 if row["metric"] == "adopters" and row["country"] != "ALL"}
    return {"run_s": float(kv["run_s"]), "setup_s": float(kv["setup_s"]), "wall_s": wall,
            "rss_mb": rss, "f10": share[MID], "final": share[ticks]}


def run_peer(command, n, ticks, seed):
    """A peer: `command` (a Python script under the venv's python, or the krABMaga binary)
    with the options and output of benches/peers/common.py."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    curve = tempfile.NamedTemporaryFile(suffix=".csv", delete=False).name
    r, wall, rss = timed(command + ["--n", str(n), "--ticks", str(ticks), "--seed", str(seed),
                                    "--csv", curve], env=env)
    kv = dict(tok.split("=", 1) for tok in (r.stdout + " " + r.stderr).split() if "=" in tok)
    with open(curve) as fh:
        share = {int(row["tick"]): float(row["adopted_fraction"]) for row in csv.DictReader(fh)}
    return {"run_s": float(kv["run_s"]), "setup_s": float(kv["setup_s"]), "wall_s": wall,
            "rss_mb": rss, "f10": share[MID], "final": float(kv["final_adopted_fraction"])}


def median_of(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers", default=os.path.join(HERE, "peers"),
                    help="folder of bass_numpy.py and bass_mesa.py [default: benches/peers]")
    ap.add_argument("--livemarket", required=True, help="the livemarket binary (release build)")
    ap.add_argument("--ticks", type=int, default=52)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-mesa", action="store_true")
    ap.add_argument("--krabmaga", help="the krABMaga peer's binary (benches/peers/krabmaga); "
                    "run at 100k, as Mesa, when given (about 0.4 M agent-updates/s: 1M would take minutes)")
    ap.add_argument("--sizes", action="store_true", help="also livemarket at 250k, 1M and 4M agents")
    a = ap.parse_args()
    py = sys.executable
    commands = {"numpy": [py, os.path.join(a.peers, "bass_numpy.py")],
                "mesa": [py, os.path.join(a.peers, "bass_mesa.py")]}
    plan = [("livemarket", 1_000_000), ("numpy", 1_000_000), ("livemarket", 100_000), ("numpy", 100_000)]
    if a.krabmaga:
        commands["krabmaga"] = [a.krabmaga]
        plan.append(("krabmaga", 100_000))
    if not a.no_mesa:
        plan.append(("mesa", 100_000))
    runs = {key: [] for key in plan}
    for k in range(a.repeats):
        for impl, n in plan:
            if impl == "livemarket":
                m = run_livemarket(a.livemarket, n, a.ticks, a.seed + k)
            else:
                m = run_peer(commands[impl], n, a.ticks, a.seed + k)
            runs[(impl, n)].append(m)
            print(f"round {k + 1}: {impl:10} N={n:>9,} run {m['run_s']:.3f}s setup {m['setup_s']:.3f}s "
                  f"wall {m['wall_s']:.2f}s rss {m['rss_mb']:.0f}MB F(10) {m['f10']:.4f} final {m['final']:.4f}",
                  file=sys.stderr, flush=True)
    results = {key: median_of(r) for key, r in runs.items()}
    print(f"medians of {a.repeats} alternating rounds, seeds {a.seed}..{a.seed + a.repeats - 1}, T = {a.ticks}, "
          "one thread each")
    print()
    print("| impl | N | run s | setup s | wall s | peak MB | bytes/agent | agent-updates/s | adopted, tick 10 | final |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (impl, n), m in results.items():
        name = {"livemarket": "livemarket", "numpy": "numpy", "mesa": "Mesa", "krabmaga": "krABMaga"}[impl]
        print(f"| {name} | {n:,} | {m['run_s']:.3f} | {m['setup_s']:.3f} | {m['wall_s']:.2f} | {m['rss_mb']:.0f} | "
              f"{m['rss_mb'] * 2**20 / n:,.0f} | {n * a.ticks / m['run_s'] / 1e6:.3g} M | {m['f10']:.4f} | "
              f"{m['final']:.4f} |")
    print()
    print("| N | livemarket against | run (agent-updates/s) | whole process | peak memory | "
          "× per round (run) |")
    print("| ---: | --- | ---: | ---: | ---: | --- |")
    for n in sorted({n for _, n in results}, reverse=True):
        lm = results.get(("livemarket", n))
        for peer, name in (("numpy", "numpy"), ("krabmaga", "krABMaga"), ("mesa", "Mesa")):
            p = results.get((peer, n))
            if lm and p:
                # The ratio of each round's pair, to show how much the shared machine moved it.
                each = ", ".join(f"{q['run_s'] / l['run_s']:.1f}"
                                 for l, q in zip(runs[("livemarket", n)], runs[(peer, n)]))
                print(f"| {n:,} | {name} | {p['run_s'] / lm['run_s']:.1f}× | {p['wall_s'] / lm['wall_s']:.1f}× | "
                      f"{p['rss_mb'] / lm['rss_mb']:.1f}× less | {each} |")
    if a.sizes:
        print()
        print("livemarket alone (one thread): cost against N*T")
        print(f"{'N':>10} {'run s':>8} {'ns per agent-week':>18} {'setup s':>8} {'ns per agent (setup)':>21} {'peak B/agent':>13}")
        for n in (250_000, 1_000_000, 4_000_000):
            m = median_of([run_livemarket(a.livemarket, n, a.ticks, a.seed + k) for k in range(a.repeats)])
            print(f"{n:>10,} {m['run_s']:>8.3f} {m['run_s'] / (n * a.ticks) * 1e9:>18.2f} {m['setup_s']:>8.3f} "
                  f"{m['setup_s'] / n * 1e9:>21.1f} {m['rss_mb'] * 2**20 / n:>13.1f}")


if __name__ == "__main__":
    main()
