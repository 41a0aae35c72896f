"""Seconds to answer or reject a pin at the edges of every declared range (the target: 2 s).

    python benchmarks/pins.py

For each generator and each number, true/false or choice parameter: the parameter pinned to each
edge of its range (each option), one variant; prints the slowest pin per generator and the outcome.
"""

import time

from qbank.core import registry
from qbank.core.errors import QbankError
from qbank.core.generator import make_variant
from qbank.core.params import Bool, Choice, Int, Num


def edges(decl):
    if isinstance(decl, Bool):
        return [True, False]
    if isinstance(decl, Choice):
        return list(decl.options)
    if isinstance(decl, (Int, Num)):
        return [v for v in (decl.lo, decl.hi) if v is not None]
    return []


def main() -> None:
    worst_overall = 0.0
    for gen_id, gen in registry.registry().items():
        worst = (0.0, None, "")
        for name, decl in gen.params.items():
            for value in edges(decl):
                start = time.perf_counter()
                try:
                    make_variant(gen, 0, {name: value if not hasattr(value, "p") else str(value)})
                    outcome = "answered"
                except QbankError as exc:
                    outcome = f"rejected: {exc}"
                seconds = time.perf_counter() - start
                worst = max(worst, (seconds, f"{name}={value}", outcome))
        worst_overall = max(worst_overall, worst[0])
        print(f"{gen_id:<26} {worst[0]:6.3f} s  {worst[1]}  {worst[2][:70]}")
    print(f"slowest pin: {worst_overall:.3f} s")


if __name__ == "__main__":
    main()
