"""Share of drawn variants each generator redraws (degenerate, or past its bounds), with the reasons.

    python benchmarks/rejections.py [SEEDS]      (default 300 seeds per generator)

Draws that check() rejects are not counted here: only solved variants that rejection() refuses.
"""

import re
import sys
from collections import Counter

from qbank.core import registry
import qbank.core.generator as engine


def main(seeds: int) -> None:
    reasons: Counter = Counter()
    draws: Counter = Counter()
    judge = engine.rejection

    def counting(gen, params, answers):
        reason = judge(gen, params, answers)
        draws[gen.id] += 1
        if reason:
            reasons[gen.id, re.sub(r"[-\d/]+", "N", reason)] += 1
        return reason

    engine.rejection = counting
    for gen_id, gen in registry.registry().items():
        for seed in range(seeds):
            engine.make_variant(gen, seed)
        rejected = sum(n for (g, _), n in reasons.items() if g == gen_id)
        detail = "; ".join(f"{why} ({n})" for (g, why), n in sorted(reasons.items()) if g == gen_id)
        print(f"{gen_id:<26} {100 * rejected / draws[gen_id]:5.1f} % of {draws[gen_id]} draws  {detail}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
