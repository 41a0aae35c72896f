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
        """The answer for an exact value, a Choice or a Written part; text, when given, is its
        to_text (printed once only: nested forms take milliseconds to print)."""
        if isinstance(value, (Choice, Written)):
            return cls(value, value.key_text, 0.0, value.to_json())
        if isinstance(value, str):
            return cls(value, value, 0.0, value)
        return cls(value, _decimal_text(value), exact.json_map(_entry_tolerance, value),
                   exact.to_text(value) if text is None else text)

    @property
    def kind(self) -> str:
        """Which kind of answer: "number" (a scalar, vector or matrix), "words" (one of the generator's
        options), "choice" (boxes to check) or "written" (graded by a person)."""
        return kind_of(self.exact)

    @cached_property
    def tolerance(self) -> float:
        """The largest entry's tolerance: 0 when the whole decimal display is exact."""
        return max(exact.scalars(self.tolerances), default=0.0)

    @cached_property
    def latex(self) -> str:
        """The exact value as LaTeX, made when a document shows it (JSON, CSV and LMS files do not)."""
        return exact.latex(self.exact)


def kind_of(value) -> str:
    """The kind of an answer's value (see Answer.kind): the one place that tells them apart."""
    if isinstance(value, Choice):
        return "choice"
    if isinstance(value, Written):
        return "written"
    return "words" if isinstance(value, str) else "number"


def is_number(value) -> bool:
    """Whether an answer's value is a number, vector or matrix (bounds, degeneracy and tolerances
    apply to these only)."""
    return kind_of(value) == "number"


# Option letters in the order a version shows them; a choice shows at most this many.
LETTERS = "ABCDEFGHIJKL"
# How a choice with any number of correct options is scored (the share of its points for a response,
# with k boxes of which r are right, i.e. checked and correct or empty and wrong): all-or-nothing: all
# or nothing; partial: r/k; negative: (r - (k - r))/k, never below 0. A choice with exactly one correct
# option is scored all-or-nothing: the student checks one box.
SCORING_RULES = ("all-or-nothing", "partial", "negative")


@dataclass(frozen=True)
class Option:
    """One option of a choice: a stable id (the same in every version and rebuild), its statement,
    whether it is correct, and the one-line reason the solutions give (LaTeX, made by a generator or
    escaped from a question file)."""

    id: str
    text: str
    correct: bool
    reason: str


@dataclass(frozen=True)
class Choice:
    """A choice answer: the options in the order this version shows them, and its scoring rule."""

    options: tuple[Option, ...]
    scoring: str = "all-or-nothing"
    exactly_one: bool = False

    @property
    def letters(self) -> tuple[str, ...]:
        """The letters of the correct options, in this version's order: () when none is correct."""
        return tuple(LETTERS[i] for i, option in enumerate(self.options) if option.correct)

    @property
    def key_text(self) -> str:
        """The key's answer: the correct letters, "A,C", or "" when none is correct."""
        return ",".join(self.letters)

    def score(self, checked) -> Fraction:
        """The share of the points a response earns: `checked` holds the letters of the boxes checked."""
        checked = set(checked)
        right = sum((LETTERS[i] in checked) == option.correct for i, option in enumerate(self.options))
        k = len(self.options)
        if self.exactly_one or self.scoring == "all-or-nothing":
            return Fraction(int(right == k))
        if self.scoring == "partial":
            return Fraction(right, k)
        return max(Fraction(0), Fraction(right - (k - right), k))

    def to_json(self) -> dict:
        return {"kind": "choice", "scoring": self.scoring, "exactly_one": self.exactly_one,
                "options": [{"id": o.id, "text": o.text, "correct": o.correct, "reason": o.reason}
                            for o in self.options]}


@dataclass(frozen=True)
class Written:
    """A written answer, graded by a person: the room it gets on paper, the rubric the grader applies
    and a model answer (LaTeX)."""

    rubric: str
    model_answer: str
    space: float  # cm of answer space on the exam

    @property
    def key_text(self) -> str:
        return ""

    def to_json(self) -> dict:
        return {"kind": "written", "rubric": self.rubric, "model_answer": self.model_answer, "space": self.space}


def kind_from_json(data: dict):
    """The Choice or Written that to_json wrote (a manifest's answer); KeyError or TypeError when it
    is not one."""
    if data["kind"] == "choice":
        options = tuple(Option(str(o["id"]), str(o["text"]), o["correct"] is True, str(o["reason"]))
                        for o in data["options"])
        return Choice(options, str(data["scoring"]), data["exactly_one"] is True)
    if data["kind"] == "written":
        return Written(str(data["rubric"]), str(data["model_answer"]), float(data["space"]))
    raise KeyError("kind")


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
                name: {"exact": a.text, "value": a.decimal if a.kind in ("choice", "written")
                       else exact.to_numbers(a.exact)}
                for name, a in self.answers.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict) -> "Variant":
        answers = {name: Answer.of(kind_from_json(a["exact"])) if isinstance(a["exact"], dict)
                   else Answer.of(exact.from_text(a["exact"]), a["exact"]) for name, a in data["answers"].items()}
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
