"""Variants per second per generator, as `python -m qbank show --json` makes them
(sample, check, solve, serialise to JSON). Usage: python benchmarks/generation.py [N]"""

import json
import sys
import time

from qbank import registry
from qbank.generator import make_variant


def main(count: int) -> None:
    for gen_id, gen in registry.registry().items():
        start = time.perf_counter()
        for seed in range(count):
            json.dumps(make_variant(gen, seed).to_json())
        elapsed = time.perf_counter() - start
        print(f"{gen_id:<24} {count / elapsed:8.0f} variants/s  ({count} variants in {elapsed:.2f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
