"""Plain frozen data that flows from generators to writers."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from qbank import exact


@dataclass(frozen=True)
class Answer:
    """One exact answer with its displays and grading rule.

    tolerance is 0 when the decimal display is the exact value, else half a unit
    of the last displayed digit (absolute), so a student who writes the displayed
    decimal is always inside it.
    """

    exact: object
    latex: str
    decimal: str
    tolerance: float

    @classmethod
    def of(cls, value) -> "Answer":
        if isinstance(value, str):
            return cls(value, exact.latex(value), value, 0.0)
        return cls(value, exact.latex(value), _decimal_text(value), _tolerance(value))


def _decimal_text(value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_decimal_text(item) for item in value) + "]"
    return exact.decimal(value)


def _tolerance(value) -> float:
    worst = 0.0
    for x in exact.scalars(value):
        shown = exact.decimal(x)
        if sympy.Rational(Fraction(shown)) == x:
            continue
        mantissa, _, exponent = shown.partition("e")
        digits = len(mantissa.partition(".")[2])
        worst = max(worst, 0.5 * 10.0 ** (int(exponent or 0) - digits))
    return worst


@dataclass(frozen=True)
class Part:
    """One asked part of a question: its prompt, the answers it asks for, its weight in points."""

    prompt: str
    answers: tuple[str, ...]
    weight: int = 1


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
                name: {"exact": exact.to_text(a.exact), "value": exact.to_numbers(a.exact)}
                for name, a in self.answers.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict) -> "Variant":
        answers = {name: Answer.of(exact.from_text(a["exact"])) for name, a in data["answers"].items()}
        return cls(data["generator"], data["version"], data["seed"], data["params"], answers)
