"""What a build and the bank cost on this machine, from one command (`make bench`):

    python benchmarks/speed.py [--versions 50,200,500] [--variants 300]

1. The default exam (exam and solutions for every version, merged PDFs, key, index, manifest),
   built by `python -m qbank build exam --versions N` in a fresh process: seconds, ms per version,
   and the process tree's peak resident memory.
2. The TeX time alone: the same build's batch sources typeset again on every core.
3. The floor: a bare pdflatex run of an empty document, measured in the same invocation.
4. Variants per second per generator on one core (sample, check, solve, serialise), against the
   targets: 2,000/s for counting generators (topic "counting"), 200/s for the others.
5. Peak resident memory of generating 10,000 variants (2,500 versions of the default exam,
   streamed with their key, index and manifest, as a build writes them).
6. Moodle XML and the Canvas QTI package for 200 versions of the default exam: ms per version of
   the writers alone (the versions made beforehand).
7. Builds without PDFs, as a user runs them: `python -m qbank build exam --format F --versions 200`
   in a fresh process for Moodle alone, Canvas alone and both, of the midterm's six questions
   (docs/midterm-spec.toml without its roster): wall seconds and versions per second, the best of
   three runs, beside the start-up (the interpreter and `import qbank.cli`) that each run pays.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from qbank.core import registry
from qbank.core.generator import make_variant
from qbank.exam import plan, spec
from qbank.lms.canvas import CanvasWriter
from qbank.lms.moodle import MoodleWriter
from qbank.paper.compile import compile_pdf, engine_for, find_pdflatex, tex_environment

COUNTING_TARGET, OTHER_TARGET = 2000, 200  # variants per second on one core
LMS_FORMATS = ("moodle", "canvas", "moodle,canvas")
MIDTERM = Path(__file__).resolve().parents[1] / "docs" / "midterm-spec.toml"


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, {platform.system()}"


def run(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MB) of a command and the processes it waited for."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark: {' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    process.stderr.close()
    return seconds, usage.ru_maxrss // 1024


def build_costs(counts: list[int]) -> None:
    print(f"\nThe default exam (4 questions, exam + solutions), {os.cpu_count()} TeX jobs:")
    print(f"{'versions':>9} {'seconds':>8} {'ms/version':>11} {'TeX alone':>10} {'peak RSS':>9}")
    for count in counts:
        with tempfile.TemporaryDirectory() as folder:
            seconds, peak = run([sys.executable, "-m", "qbank", "build", "exam", "--versions", str(count),
                                 "--out", "out", "--quiet"], Path(folder))
            (built,) = [p for p in (Path(folder) / "out").iterdir() if not p.name.startswith(".")]
            tex = tex_alone(built / "tex")
        print(f"{count:9d} {seconds:8.2f} {1000 * seconds / count:11.1f} {tex:9.2f}s {peak:7d}MB")


def tex_alone(sources: Path) -> float:
    """Wall seconds to typeset a build's batch sources again, every core busy."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        names = []
        for tex in sorted(sources.glob("*.tex")):
            shutil.copy(tex, work)
            names.append((engine_for(tex.read_text(encoding="utf-8")), tex.stem))
        env = tex_environment("0")
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
            list(pool.map(lambda job: compile_pdf(job[0], work, job[1], env), names))
        return time.perf_counter() - start


def tex_floor() -> float:
    """A bare pdflatex run: format loading and an empty page, the least any TeX run costs."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "empty.tex").write_text("\\documentclass{article}\\begin{document}x\\end{document}\n")
        compile_pdf(find_pdflatex(), work, "empty", tex_environment("0"))  # warm the file cache
        start = time.perf_counter()
        for _ in range(5):
            compile_pdf(find_pdflatex(), work, "empty", tex_environment("0"))
        return (time.perf_counter() - start) / 5


def generation(count: int) -> list[str]:
    """Variants per second per generator; the generators below their target."""
    print(f"\nGeneration, {count} variants per generator on one core:")
    slow = []
    for gen_id, gen in registry.registry().items():
        start = time.perf_counter()
        for seed in range(count):
            json.dumps(make_variant(gen, seed).to_json())
        rate = count / (time.perf_counter() - start)
        target = COUNTING_TARGET if "counting" in gen.topics else OTHER_TARGET
        mark = "" if rate >= target else f"  below the target of {target}/s"
        if mark:
            slow.append(gen_id)
        print(f"  {gen_id:<24} {rate:8.0f} variants/s{mark}")
    return slow


def generation_memory() -> tuple[float, int]:
    """Seconds and peak resident memory (MB) of making 10,000 variants with their key rows."""
    code = ("import tempfile, pathlib\n"
            "from qbank.exam import plan, spec\n"
            "from qbank.output.writers import AnswerKey, Index, Manifest\n"
            "exam = spec.with_overrides(spec.load(None), 2500, None)\n"
            "with tempfile.TemporaryDirectory() as d, open(pathlib.Path(d, 'k'), 'w') as k, "
            "open(pathlib.Path(d, 'i'), 'w') as i, open(pathlib.Path(d, 'm'), 'w') as m:\n"
            "    key, index, manifest = AnswerKey(k), Index(i), Manifest(m, exam)\n"
            "    for version in plan.iter_plan(exam):\n"
            "        key.add(version); index.add(version); manifest.add(version)\n"
            "    manifest.close()\n")
    with tempfile.TemporaryDirectory() as folder:
        return run([sys.executable, "-c", code], Path(folder))


def lms_cost(count: int) -> tuple[float, float]:
    """ms per version to write moodle.xml and canvas-qti.zip for `count` versions."""
    exam = spec.with_overrides(spec.load(None), count, None)
    versions = plan.plan(exam)
    costs = []
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        with open(Path(folder, "moodle.xml"), "w", encoding="utf-8") as handle:
            writer = MoodleWriter(handle, exam)
            for version in versions:
                writer.add(version)
            writer.close()
        costs.append(time.perf_counter() - start)
        start = time.perf_counter()
        writer = CanvasWriter(Path(folder, "canvas-qti.zip"), exam)
        for version in versions:
            writer.add(version)
        writer.close()
        costs.append(time.perf_counter() - start)
    return 1000 * costs[0] / count, 1000 * costs[1] / count


def lms_builds(count: int, repeats: int = 3) -> None:
    """Wall seconds of LMS-only builds of `count` versions in a fresh process, the best of `repeats`."""
    text = "".join(line for line in MIDTERM.read_text(encoding="utf-8").splitlines(keepends=True)
                   if not line.startswith("roster"))  # one version per student otherwise
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "midterm.toml").write_text(text, encoding="utf-8")
        startup = min(run([sys.executable, "-c", "import qbank.cli"], Path(folder))[0] for _ in range(repeats))
        print(f"\nWithout PDFs: {count} versions of the midterm's 6 questions (no roster), best of {repeats}; "
              f"start-up (import qbank.cli) {1000 * startup:.0f} ms:")
        print(f"{'formats':>14} {'seconds':>8} {'versions/s':>11}")
        for formats in LMS_FORMATS:
            seconds = min(run([sys.executable, "-m", "qbank", "build", "exam", "midterm.toml", "--format", formats,
                               "--versions", str(count), "--out", "out", "--quiet"], Path(folder))[0]
                          for _ in range(repeats))
            print(f"{formats:>14} {seconds:8.2f} {count / seconds:11.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", default="50,200,500", help="build sizes, comma-separated")
    parser.add_argument("--variants", type=int, default=300, help="variants per generator")
    args = parser.parse_args()
    print(f"qbank speed on {machine()}")
    floor = tex_floor()
    print(f"\nBare pdflatex run (the floor): {1000 * floor:.0f} ms")
    build_costs([int(n) for n in args.versions.split(",")])
    slow = generation(args.variants)
    seconds, peak = generation_memory()
    print(f"\n10,000 variants (2,500 versions of the default exam) with key, index and manifest: "
          f"{seconds:.1f} s, peak RSS {peak} MB")
    print("every generator meets its target" if not slow else f"below target: {', '.join(slow)}")
    moodle, canvas = lms_cost(200)
    print(f"\nLMS export, 200 versions of the default exam: Moodle XML {moodle:.2f} ms per version, "
          f"Canvas QTI {canvas:.2f} ms per version")
    lms_builds(200)


if __name__ == "__main__":
    main()
