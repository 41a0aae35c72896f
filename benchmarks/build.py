"""Seconds per version for building the default exam (exam and solution PDFs, merged PDFs,
key, manifest). Usage: python benchmarks/build.py [N ...]   (default: 30 100)"""

import sys
import tempfile
import time
from pathlib import Path

from qbank import build, plan, spec


def main(counts: list[int]) -> None:
    for count in counts:
        exam = spec.with_overrides(spec.load(None), count, None)
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            versions = plan.plan(exam)
            planned = time.perf_counter() - start
            build.build(exam, versions, Path(out))
            total = time.perf_counter() - start
        print(f"{count:4d} versions: {total:6.1f} s in all, {total / count:.2f} s per version "
              f"(planning {planned:.1f} s, {2 * count} documents + 2 merged)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [30, 100])
