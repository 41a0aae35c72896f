"""Peak memory of planning a build and writing its answer key, index and manifest, as versions grow.

    python benchmarks/memory.py [VERSIONS ...]      (default 1000 10000)

Each count runs in a fresh process (the built-in default exam, streamed exactly as a build writes
it, without TeX) and prints its time and peak resident memory: flat memory means streaming works.
"""

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(versions: int) -> None:
    from qbank import plan, spec
    from qbank.writers import AnswerKey, Index, Manifest

    exam = spec.with_overrides(spec.load(None), versions, None)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        with (open(folder / "key.csv", "w", encoding="utf-8") as key_file,
              open(folder / "index.csv", "w", encoding="utf-8") as index_file,
              open(folder / "manifest.json", "w", encoding="utf-8") as manifest_file):
            key, index, manifest = AnswerKey(key_file), Index(index_file), Manifest(manifest_file, exam)
            for version in plan.iter_plan(exam):
                key.add(version)
                index.add(version)
                manifest.add(version)
            manifest.close()
        size = sum(p.stat().st_size for p in folder.iterdir())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{versions:>7} versions: {time.perf_counter() - start:7.1f} s, peak {peak:6.0f} MB, "
          f"{size / 1e6:6.1f} MB written")


def main(counts: list[int]) -> None:
    for versions in counts:
        subprocess.run([sys.executable, __file__, "--one", str(versions)], check=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one_run(int(sys.argv[2]))
    else:
        main([int(arg) for arg in sys.argv[1:]] or [1000, 10000])
