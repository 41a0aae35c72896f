"""What the Moodle and Canvas writers share: each question as HTML, and its answers as the entries
a student types, with the number, tolerance and points an LMS grades each by.

Numbers are written as LMSs read them: a dot, never a comma, at most 14 significant digits, no
exponent. The tolerance is the answer key's (absolute): it accepts the correctly rounded value and
the value reached by rounding intermediate results, nothing further off; exact integers get 0.
A part that asks for the exact value asks, in an LMS, for PLACES decimal places instead: a
numerical field cannot take 7/3. An answer in words (what the cell state holds) is no field: the
LMS cannot grade it, its part's points go to the part's numbers, and the feedback shows it.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from qbank.core import registry
from qbank.core.exact import PLACES, scalars, terminates, to_float
from qbank.core.generator import EXACT_ASK, DECIMALS_ASK
from qbank.exam.plan import Question
from qbank.exam.spec import ExamSpec
from qbank.lms.html import to_html

SIGNIFICANT_DIGITS = 14  # Moodle keeps no more


@dataclass(frozen=True)
class Entry:
    """One field a student fills in."""

    label: str  # HTML beside the field: the answer's name in the statement's notation
    value: str  # the number as the LMS reads it
    tolerance: str  # absolute, as a number
    points: Fraction  # this field's share of the question's points
    exact: object  # the exact scalar


@dataclass(frozen=True)
class LmsPart:
    prompt: str  # HTML
    entries: tuple[Entry, ...]


def number(x: float) -> str:
    """A float as an LMS reads it: dot decimal, at most 14 significant digits, no exponent."""
    if x == 0:
        return "0"
    text = format(Decimal(f"{x:.{SIGNIFICANT_DIGITS}g}"), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parts(question: Question) -> list[LmsPart]:
    """The question's parts with their entries; a part's points are shared equally by its fields."""
    variant = question.variant
    labels = registry.get(variant.generator).labels
    result = []
    for part, points in zip(question.rendered.parts, question.part_points):
        fields = [field for name in part.answers if not isinstance(variant.answers[name].exact, str)
                  for field in _fields(name, variant.answers[name], labels.get(name))]
        if not fields:
            continue
        share = Fraction(points, len(fields))
        entries = tuple(Entry(label, value, tolerance, share, exact) for label, value, tolerance, exact in fields)
        prompt = part.prompt.removesuffix(EXACT_ASK) + DECIMALS_ASK if part.prompt.endswith(EXACT_ASK) else part.prompt
        result.append(LmsPart(to_html(prompt), entries))
    return result


def _fields(name: str, answer, label: str | None):
    """(label HTML, value, tolerance, exact) for each scalar of a numeric answer, row-major."""
    value = answer.exact
    single = isinstance(value, tuple) and len(value) == 1 and not isinstance(value[0], tuple)
    cells = list(_cells(value)) if not single else [((), value[0])]
    tolerances = scalars(answer.tolerances)  # each entry graded by its own, row-major as the cells
    return [(_label(name, label, index), number(to_float(x)), number(t) if t else "0", x)
            for (index, x), t in zip(cells, tolerances)]


def _cells(value, index: tuple[int, ...] = ()):
    """(index, scalar) for every scalar of a nested value, row-major: (2,) in a vector, (1, 3) in a
    matrix or a list of shapes."""
    if isinstance(value, tuple):
        for i, item in enumerate(value, 1):
            yield from _cells(item, index + (i,))
    else:
        yield index, value


def _label(name: str, label: str | None, index: tuple[int, ...]) -> str:
    """i_2 for entry 2 of an answer labelled i_#, W[1,2] for a matrix entry; the name when unlabelled."""
    if label is None:
        base = f"<code>{name}</code>"
        return base + (f"[{','.join(map(str, index))}]" if index else "")
    if "#" in label:
        text = label.replace("#", str(index[0]) if index else "1")
        if len(index) > 1:
            text += f"[{index[1]}]"
    else:
        # braced: a label with its own subscript (W_2) takes the entry's as W_2{}_{1,1} would not parse
        text = (f"{{{label}}}_{{{','.join(map(str, index))}}}" if index else label)
    return r"\(" + text.replace("&", "&amp;").replace("<", "&lt;") + r"\)"


def statement(question: Question, question_parts: list[LmsPart]) -> str:
    """The question's statement as HTML, with how to type numbers when a field needs decimals."""
    text = to_html(question.rendered.statement)
    if any(e.tolerance != "0" for p in question_parts for e in p.entries):
        text += (f"<p>Type numbers with a dot as the decimal separator (2.5, not 2,5); where a value does not "
                 f"end within {PLACES} decimal places, give {PLACES} (1/3 as 0.3333).</p>")
    return text


def feedback(question: Question) -> str:
    """The worked solution as HTML, shown after the attempt."""
    return to_html(question.rendered.solution)


def accepted_texts(entry: Entry) -> list[str]:
    """Every answer a string-matching field must accept: the numbers with at most PLACES decimals
    within the tolerance, each with and without trailing zeros (for Canvas's blanks)."""
    x, tolerance = Fraction(str(to_float(entry.exact))), Fraction(entry.tolerance)
    if entry.tolerance == "0" and entry.exact.is_Rational and terminates(entry.exact, PLACES):
        exact = Fraction(int(entry.exact.p), int(entry.exact.q))
        return _spellings([exact])
    step = Fraction(1, 10**PLACES)
    low, high = math.ceil((x - tolerance) / step), math.floor((x + tolerance) / step)
    return _spellings([k * step for k in range(low, high + 1)])


def _spellings(values: list[Fraction]) -> list[str]:
    texts = []
    for value in values:
        full = f"{Decimal(value.numerator) / Decimal(value.denominator):.{PLACES}f}"
        short = full.rstrip("0").rstrip(".")
        texts += [short] if short == full else [short, full]
    return [t if t != "-0" else "0" for t in dict.fromkeys(texts)]


def identifier(spec: ExamSpec) -> str:
    """A stable identifier for an exam: the same build gives the same one, and anything that makes a
    different quiz (the spec, the seed or secret, the number of versions, the roster) a different
    one, so an LMS never takes one build's import for an update of another's."""
    students = [[s.id, s.name] for s in spec.students or ()]
    made_of = json.dumps([spec.sha256, repr(spec.master), spec.versions, students])
    return "q" + hashlib.sha256(made_of.encode()).hexdigest()[:20]


def member_identifier(exam: str, *parts_: object) -> str:
    """A stable identifier for a slot, version ... of the exam identified by `exam` (computed once:
    the roster it hashes is read once, not once per item)."""
    return "q" + hashlib.sha256(":".join([exam, *map(str, parts_)]).encode()).hexdigest()[:20]
