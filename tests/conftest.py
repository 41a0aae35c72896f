import json
import os
import re
import subprocess
import sys
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbank.core.params import Bool, Choice, Int, Matrix, Num, Records, Table, Vector

# CI: derandomised and without deadlines so a green run stays green; locally the
# same number of examples, but fresh ones each run so new seeds get explored.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# Oracle sweeps: how many sampled variants each generator is checked on against PyTorch, and how
# many hypothesis-drawn pins within the declared ranges (those qbank answers are checked too).
ORACLE_VARIANTS = int(os.environ.get("QBANK_ORACLE_VARIANTS", "300"))
ORACLE_PINNED = int(os.environ.get("QBANK_ORACLE_PINNED", "50"))


def number(lo, hi, integral: bool):
    """Numbers as a user writes them: range edges, integers, integral floats (2.0), and for
    rational parameters fractions as strings ("3/2") and short decimals."""
    lo = -50 if lo is None else lo
    hi = 50 if hi is None else hi
    whole_lo, whole_hi = int(-(-Fraction(lo) // 1)), int(Fraction(hi) // 1)
    options = [st.sampled_from([as_written(lo), as_written(hi)]), st.integers(whole_lo, whole_hi),
               st.integers(whole_lo, whole_hi).map(float)]
    if not integral:
        finest = max(20, Fraction(lo).denominator, Fraction(hi).denominator)
        options.append(st.fractions(Fraction(lo), Fraction(hi), max_denominator=finest).map(str))
        options.append(st.integers(int(lo * 10), int(hi * 10)).map(lambda v: v / 10))
    return st.one_of(options)


def as_written(value):
    """A declared value as a user writes it in JSON or TOML: 3, "1/2", true, "tanh"."""
    import sympy

    if isinstance(value, (bool, str)):
        return value
    value = sympy.Rational(value)
    return int(value) if value.is_Integer else str(value)


def pin_value(decl):
    if isinstance(decl, Bool):
        return st.booleans()
    if isinstance(decl, Choice):
        return st.sampled_from([as_written(option) for option in decl.options])
    if isinstance(decl, Int):
        return number(decl.lo, decl.hi, integral=True)
    if isinstance(decl, Num):
        return number(decl.lo, decl.hi, integral=False)
    if isinstance(decl, Vector):
        return st.lists(pin_value(decl.item), min_size=decl.min_len,
                        max_size=max(decl.min_len, min(decl.max_len or 5, 5)))
    if isinstance(decl, Matrix):
        return st.integers(1, 4).flatmap(lambda cols: st.lists(
            st.lists(pin_value(decl.row.item), min_size=cols, max_size=cols), min_size=1, max_size=4))
    if isinstance(decl, Records):  # layer tables: fields from their declarations, nulls included
        if decl.types:
            record = st.sampled_from(sorted(decl.types)).flatmap(
                lambda kind: st.fixed_dictionaries({"type": st.just(kind)} | {
                    key: st.one_of(pin_value(field), st.none()) for key, field in decl.types[kind].items()}))
        else:
            record = st.fixed_dictionaries({key: st.one_of(pin_value(field), st.none())
                                            for key, field in decl.fields.items()})
        table = st.one_of(record, st.none())
        if isinstance(decl, Table):
            return record
        return st.lists(table, min_size=decl.min_len, max_size=max(decl.min_len, min(decl.max_len or 4, 4)))
    return st.nothing()


def pins_for(gen):
    pinnable = {name: pin_value(decl) for name, decl in gen.params.items()}
    return st.lists(st.sampled_from(sorted(pinnable)), min_size=1, max_size=3, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({name: st.one_of(pinnable[name], st.none()) for name in names}))


def pins_like(gen):
    """Pins in the shapes the sampler draws, with new values: one to three parameters of a
    sampled variant, every number in them redrawn within its declared range (fractions,
    negatives, edges, integral floats), so most of them are answerable and reach the oracles."""
    from qbank.core.generator import make_variant

    def redrawn(value, decl):
        if isinstance(decl, Matrix):
            decl = decl.row
        if isinstance(decl, Vector) and isinstance(value, list):
            return st.tuples(*(redrawn(item, decl.item) for item in value)).map(list)
        if isinstance(decl, (Int, Num)) and not isinstance(value, (list, dict)):
            return number(decl.lo, decl.hi, integral=isinstance(decl, Int))
        return pin_value(decl) if isinstance(decl, (Bool, Choice)) else st.just(value)

    def repinned(seed):
        sampled = make_variant(gen, seed).params
        return st.lists(st.sampled_from(sorted(sampled)), min_size=1, max_size=3, unique=True).flatmap(
            lambda names: st.fixed_dictionaries({name: redrawn(sampled[name], gen.params[name]) for name in names}))

    return st.integers(0, 10**6).flatmap(repinned)


def pinned_variants(gen, count: int):
    """(pins, variant) for the pins among `count` hypothesis-drawn ones that qbank answers rather
    than refuses: pins in any shape within the declared ranges (pins_for) and pins in the sampled
    shapes (pins_like). What the oracles check besides sampled variants."""
    from qbank.core.errors import QbankError
    from qbank.core.generator import make_variant

    found = []

    @settings(max_examples=count, database=None, suppress_health_check=list(HealthCheck))
    @given(pins=st.one_of(pins_for(gen), pins_like(gen)), seed=st.integers(0, 2**32))
    def collect(pins, seed):
        try:
            found.append((pins, make_variant(gen, seed, pins)))
        except QbankError:
            pass

    collect()
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


# "Question 2 (b): answer", or "Question 1: answer" for a question of one part, in pdftotext -bbox
ANSWER_BOX_LABEL = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>Question</word>\s*<word[^>]*>(\d+):?</word>\s*'
                              r'(?:<word[^>]*>\((\w)\):</word>\s*)?<word[^>]*>answer</word>')


def answer_box_layouts(folder) -> set:
    """fixed_layout: each exam PDF's answer boxes as (page, x, y, question, part), one tuple a PDF; a
    PDF missing a box for some part fails here."""
    questions = json.loads((folder / "manifest.json").read_text())["versions"][0]["questions"]
    layouts = set()
    for pdf in sorted(folder.glob("exam-*.pdf")):
        text = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        layout = tuple((page, *found) for page, words in enumerate(text.split("<page ")[1:], 1)
                       for found in ANSWER_BOX_LABEL.findall(words))
        assert len(layout) == sum(len(q["part_points"]) for q in questions), pdf.name  # a box for every part
        layouts.add(layout)
    return layouts
