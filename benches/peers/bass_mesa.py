#!/usr/bin/env python3
"""The reference model (common.py) as a typical Mesa 3 user writes it.

One `mesa.Agent` per consumer holding its list of contacts; each tick
`model.agents.do("step")` decides every consumer's next state from the current ones, then
`model.agents.do("advance")` applies them (Mesa 3's way of a synchronous update), and a
`DataCollector` records the adopted fraction. Every draw comes from `model.random`, seeded
by `mesa.Model(seed=...)`.
"""
import time

import mesa

from common import check, parser, report


class Consumer(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        self.adopted = False
        self.next_adopted = False
        self.contacts = []

    def step(self):
        self.next_adopted = self.adopted
        if self.adopted:
            return
        m = self.model
        share = 0.0
        if self.contacts:
            share = sum(1 for c in self.contacts if c.adopted) / len(self.contacts)
        self.next_adopted = m.random.random() < m.p + m.q * share

    def advance(self):
        self.adopted = self.next_adopted


class BassModel(mesa.Model):
    def __init__(self, n, k, p, q, seed):
        super().__init__(seed=seed)
        self.p, self.q = p, q
        consumers = Consumer.create_agents(self, n)
        people = list(consumers)
        edges = set()
        for i in range(n):
            for _ in range(k // 2):
                j = self.random.randrange(n - 1)
                j += j >= i  # uniform over the n - 1 others
                edges.add((min(i, j), max(i, j)))
        for i, j in sorted(edges):
            people[i].contacts.append(people[j])
            people[j].contacts.append(people[i])
        self.datacollector = mesa.DataCollector(
            model_reporters={"adopted": lambda m: m.agents.agg("adopted", sum) / len(m.agents)}
        )
        self.datacollector.collect(self)

    def step(self):
        self.agents.do("step")
        self.agents.do("advance")
        self.datacollector.collect(self)


def main():
    ap = parser(__doc__)
    args = ap.parse_args()
    check(args, ap)
    t0 = time.perf_counter()
    model = BassModel(args.n, args.k, args.p, args.q, args.seed)
    t1 = time.perf_counter()
    for _ in range(args.ticks):
        model.step()
    t2 = time.perf_counter()
    fractions = list(model.datacollector.get_model_vars_dataframe()["adopted"])
    report(f"mesa-{mesa.__version__}", args, fractions, t1 - t0, t2 - t1)


if __name__ == "__main__":
    main()
