"""Plain frozen data that flows from generators to writers."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from fractions import Fraction

import sympy

from qbank.core import exact


@dataclass(frozen=True)
class Answer:
    """One exact answer with its displays and grading rule.

    tolerances holds each entry's tolerance, shaped like the value: 0 where the decimal display is
    the exact entry. Otherwise it is absolute and accepts both the correctly rounded value and the
    value a student reaches by rounding every intermediate result to the same places: one unit of
    the last place, or the drift of that stepwise rounding where it is larger; nothing further off.
    An entry is graded by its own working, not by a larger neighbour's.
    """

    exact: object
    decimal: str
    tolerances: object  # a float for a scalar, nested lists of floats for a vector or matrix
    text: object  # the exact value as manifests and answer keys write it (exact.to_text: strings in nested lists)

    @classmethod
    def of(cls, value, text: str | None = None) -> "Answer":
        """The answer for an exact value; text, when given, is its to_text (printed once only:
        nested forms take milliseconds to print)."""
        if isinstance(value, str):
            return cls(value, value, 0.0, value)
        return cls(value, _decimal_text(value), exact.json_map(_entry_tolerance, value),
                   exact.to_text(value) if text is None else text)

    @cached_property
    def tolerance(self) -> float:
        """The largest entry's tolerance: 0 when the whole decimal display is exact."""
        return max(exact.scalars(self.tolerances), default=0.0)

    @cached_property
    def latex(self) -> str:
        """The exact value as LaTeX, made when a document shows it (JSON, CSV and LMS files do not)."""
        return exact.latex(self.exact)


def _decimal_text(value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_decimal_text(item) for item in value) + "]"
    return exact.decimal(value)


def _entry_tolerance(x) -> float:
    if x.is_Integer:
        return 0.0
    shown = exact.decimal(x, exact.PLACES)
    if sympy.Rational(Fraction(shown)) == x:
        return 0.0
    # one unit of the last place at least: the correctly rounded value, and a last digit that a
    # student's rounded intermediate results move by one; more where the working loses more
    worst = max(10.0 ** -exact.PLACES, exact.rounding_error(x, exact.PLACES) + 0.5 * 10.0 ** -exact.PLACES)
    # a hair above the worst case, so that float arithmetic never rejects a value the rule accepts
    return worst * (1 + 1e-9) + 1e-12


@dataclass(frozen=True)
class Part:
    """One asked part of a question: its prompt, the answers it asks for, its weight in points."""

    prompt: str
    answers: tuple[str, ...]
    weight: int = 1
    decimals: int | None = None  # decimal places asked for; None: the exact value
    # lines of working the part asks for, where its weight says too little (a derivative through
    # three steps, a sum of five logarithms); None: as many as its weight. The same for every
    # version of a slot (it may depend on the form only), so answer boxes line up.
    work: int | None = None


@dataclass(frozen=True)
class Rendered:
    """LaTeX made by a generator: a statement, the parts, a worked solution."""

    statement: str
    parts: tuple[Part, ...]
    solution: str


@dataclass(frozen=True)
class Variant:
    """A generator's finished question: params as JSON data, exact answers."""

    generator: str
    version: int
    seed: int
    params: dict = field(hash=False)
    answers: dict = field(hash=False)
    # the form choices the variant was drawn with (see Draw.form); not part of its JSON
    form: dict = field(default_factory=dict, hash=False, compare=False)

    def to_json(self) -> dict:
        return {
            "generator": self.generator,
            "version": self.version,
            "seed": self.seed,
            "params": self.params,
            "answers": {
                name: {"exact": a.text, "value": exact.to_numbers(a.exact)}
                for name, a in self.answers.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict) -> "Variant":
        answers = {name: Answer.of(exact.from_text(a["exact"]), a["exact"]) for name, a in data["answers"].items()}
        return cls(data["generator"], data["version"], data["seed"], data["params"], answers)


def scalar_if_single(value):
    """(x,) is x: a one-entry vector reads as a scalar in the key."""
    return value[0] if isinstance(value, tuple) and len(value) == 1 and not isinstance(value[0], tuple) else value


def entry_label(label: str, index: int) -> str:
    """Entry `index` of an answer labelled i_#: i_2, and i_{12} (braced: a bare i_12 is i₁2)."""
    return label.replace("#", str(index) if index < 10 else "{" + str(index) + "}")


def entry_labels(label: str | None, value) -> str:
    """The label as answer-key.csv writes it: "i_1, i_2" for a vector labelled i_#."""
    if label is None:
        return ""
    value = scalar_if_single(value)
    if "#" in label and isinstance(value, tuple):
        return ", ".join(entry_label(label, i) for i in range(1, len(value) + 1))
    return entry_label(label, 1)
