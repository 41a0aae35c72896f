import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, settings

# CI: derandomised and without deadlines so a green run stays green; locally the
# same number of examples, but fresh ones each run so new seeds get explored.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# Oracle sweeps: how many sampled variants each generator is checked on against PyTorch, and how
# many more with pins drawn within the declared ranges (those qbank answers rather than rejects).
ORACLE_VARIANTS = int(os.environ.get("QBANK_ORACLE_VARIANTS", "300"))
ORACLE_PINNED = int(os.environ.get("QBANK_ORACLE_PINNED", "100"))


def random_pin(decl, rng):
    """A value a user might pin for one scalar parameter: a range edge, an integer, an integral
    float (2.0) or, for rationals, a fraction string; None for a parameter that is not scalar."""
    from fractions import Fraction

    from qbank.core.params import Bool, Choice, Int, Num

    if isinstance(decl, Bool):
        return bool(rng.integers(2))
    if isinstance(decl, Choice):
        return decl.options[int(rng.integers(len(decl.options)))]
    if not isinstance(decl, (Int, Num)):
        return None
    lo = Fraction(-10 if decl.lo is None else decl.lo)
    hi = Fraction(10 if decl.hi is None else decl.hi)
    near_lo = min(hi, lo + 8)  # most pins sit near the low edge, where sizes stay small
    kind = int(rng.integers(4))
    if kind == 0:
        return int(lo) if lo.denominator == 1 else str(lo)
    whole = int(rng.integers(int(-(-lo // 1)), int(near_lo // 1) + 1)) if near_lo >= -(-lo // 1) else None
    if kind == 1 and whole is not None:
        return whole
    if kind == 2 and whole is not None:
        return float(whole)
    if isinstance(decl, Num) and not isinstance(decl, Int):
        value = lo + (near_lo - lo) * Fraction(int(rng.integers(0, 9)), 8)
        return str(value)
    return int(lo) if lo.denominator == 1 else str(lo)


def pinned_variants(gen, count: int):
    """Variants answered for random pins of one or two scalar parameters (rejected pins skipped)."""
    import numpy as np

    from qbank.core.errors import QbankError
    from qbank.core.generator import make_variant

    rng = np.random.default_rng(20261123)
    scalar = sorted(name for name, decl in gen.params.items() if random_pin(decl, rng) is not None)
    found, tries = [], 0
    while scalar and len(found) < count and tries < 20 * count:
        tries += 1
        names = rng.choice(scalar, size=min(len(scalar), int(rng.integers(1, 3))), replace=False)
        pins = {str(name): random_pin(gen.params[str(name)], rng) for name in names}
        try:
            found.append((pins, make_variant(gen, tries, pins)))
        except QbankError:
            continue
    return found


def run_qbank(*args, cwd=None, env=None):
    """Run `python -m qbank ARGS` as a user would, from another directory."""
    return subprocess.run([sys.executable, "-m", "qbank", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


@pytest.fixture
def qbank_cli(tmp_path):
    return lambda *args, **kw: run_qbank(*args, cwd=kw.pop("cwd", tmp_path), **kw)


def nested(depth: int) -> str:
    """JSON or TOML text of a number inside depth nested lists."""
    return "[" * depth + "1" + "]" * depth


def good_manifest() -> dict:
    """The manifest of a one-question exam with the two-student roster of tests/data, without TeX."""
    from pathlib import Path

    from qbank.exam import plan, spec
    from qbank.output.writers import Manifest

    text = '[exam]\ntitle = "Exam"\nroster = "students.csv"\n[[question]]\ngenerator = "lstm.param_count"\npoints = 2\n'
    exam = spec.parse(text, "exam.toml", base=Path(__file__).parent / "data")
    handle = _Text()
    writer = Manifest(handle, exam)
    for version in plan.iter_plan(exam):
        writer.add(version)
    writer.close()
    return json.loads(handle.text)


class _Text:
    """A text sink for the streaming writers."""

    text = ""

    def write(self, text):
        self.text += text
