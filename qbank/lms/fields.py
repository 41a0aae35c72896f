"""What the Moodle and Canvas writers share: each question as HTML, and its answers as the entries
a student types, with the number, tolerance and points an LMS grades each by.

Numbers are written as LMSs read them: a dot, never a comma, at most 14 significant digits, no
exponent. The tolerance is the answer key's (absolute): it accepts the correctly rounded value and
the value reached by rounding intermediate results, nothing further off; exact integers get 0.
A part that asks for the exact value asks, in an LMS, for PLACES decimal places instead: a
numerical field cannot take 7/3. An answer in words (what the cell state holds) is a choice among
the options its generator declares (no LMS grades free text), a field worth its share like any other.
"""

from __future__ import annotations

import functools
import itertools
import hashlib
import html
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from qbank.core import registry
from qbank.core.errors import QbankError
from qbank.core.exact import PLACES, scalars, terminates, to_float
from qbank.core.generator import EXACT_ASK, DECIMALS_ASK
from qbank.core.model import LETTERS, entry_label
from qbank.exam.plan import Question
from qbank.exam.spec import ExamSpec
from qbank.lms.html import to_html

SIGNIFICANT_DIGITS = 14  # Moodle keeps no more
MINUS = "\u2212"  # the Unicode minus sign, as a formula copied from a page or a word processor types it
# the most texts a Canvas blank lists: above what the bank's tolerances need (226 at most, over 200
# versions of every generator), low enough that a wide tolerance cannot bloat the package
MAX_SPELLINGS = 500


@dataclass(frozen=True)
class Entry:
    """One field a student fills in."""

    label: str  # HTML beside the field: the answer's name in the statement's notation
    value: str  # the number as the LMS reads it
    tolerance: str  # absolute, as a number
    points: Fraction  # this field's share of the question's points
    exact: object  # the exact scalar, or the right option of a words answer
    options: tuple[str, ...] = ()  # a words answer's options, the right one (value) among them
    symbol: str = ""  # an index answer's symbol (g for the 3 of g_3), from the generator's index_symbols


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
    gen = registry.get(variant.generator)
    result = []
    for part, points in zip(question.rendered.parts, question.part_points):
        fields = [(*field, gen.index_symbols.get(name, "")) for name in part.answers
                  for field in _fields(name, variant.answers[name], gen.labels.get(name), gen.options.get(name, ()))]
        share = Fraction(points, len(fields))
        entries = tuple(Entry(label, value, tolerance, share, exact, options, symbol)
                        for label, value, tolerance, exact, options, symbol in fields)
        prompt = part.prompt.removesuffix(EXACT_ASK) + DECIMALS_ASK if part.prompt.endswith(EXACT_ASK) else part.prompt
        result.append(LmsPart(to_html(prompt), entries))
    return result


def _fields(name: str, answer, label: str | None, options: tuple[str, ...]):
    """(label HTML, value, tolerance, exact, options) for each scalar of a numeric answer, row-major;
    one choice among its options for an answer in words."""
    value = answer.exact
    if isinstance(value, str):
        if value not in options:
            raise ValueError(f"{name}: an answer in words needs its generator's options, the right one among them")
        # in alphabetical order: the right option's place says nothing a declared order might
        return [(_label(name, label, ()), value, "0", value, tuple(sorted(options)))]
    single = isinstance(value, tuple) and len(value) == 1 and not isinstance(value[0], tuple)
    cells = list(_cells(value)) if not single else [((), value[0])]
    tolerances = scalars(answer.tolerances)  # each entry graded by its own, row-major as the cells
    return [(_label(name, label, index), number(to_float(x)), number(t) if t else "0", x, ())
            for (index, x), t in zip(cells, tolerances)]


def one_number(entries: list[Entry]) -> bool:
    """Whether a question is a single number: an LMS's numerical question (a words answer is a choice)."""
    return len(entries) == 1 and not entries[0].options


def lettered(options: tuple[str, ...]) -> str:
    """A words answer's options as HTML, lettered, for an LMS field that takes the letter."""
    return " ".join(f"({letter}) {html.escape(option)}" for letter, option in zip(LETTERS, options))


def choice_texts(entry: Entry) -> list[str]:
    """What a blank accepts for a words answer: the right option's letter, bare or in parentheses,
    in either case, or the option itself."""
    letter = LETTERS[entry.options.index(entry.value)]
    return [letter, letter.lower(), f"({letter})", f"({letter.lower()})", entry.value]


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
        text = entry_label(label, index[0] if index else 1)
        if len(index) > 1:
            text += f"[{index[1]}]"
    else:
        # braced: a label with its own subscript (W_2) takes the entry's as W_2{}_{1,1} would not parse
        text = (f"{{{label}}}_{{{','.join(map(str, index))}}}" if index else label)
    return r"\(" + text.replace("&", "&amp;").replace("<", "&lt;") + r"\)"


def statement(question: Question, question_parts: list[LmsPart], blanks: bool = False) -> str:
    """The question's statement as HTML, with how to type numbers when a field needs decimals; with
    `blanks` (fields that match typed text, as Canvas's), for any number field, with the places and
    forms accepted_texts accepts."""
    text = to_html(question.rendered.statement)
    numbers = [e for p in question_parts for e in p.entries if not e.options]
    if blanks and numbers:
        text += (f"<p>Type each number with a dot as the decimal point and at most {PLACES} decimal places "
                 f"(2.5, not 2,5; no thousands separators); where a value does not end within {PLACES} "
                 f"places, round it to {PLACES} (1/3 as 0.3333).</p>")
    elif any(e.tolerance != "0" for e in numbers):
        text += (f"<p>Type numbers with a dot as the decimal separator (2.5, not 2,5); where a value does not "
                 f"end within {PLACES} decimal places, give {PLACES} (1/3 as 0.3333).</p>")
    return text


def feedback(question: Question) -> str:
    """The worked solution as HTML, shown after the attempt."""
    return to_html(question.rendered.solution)


def accepted_texts(entry: Entry) -> list[str]:
    """Every text a string-matching field (a Canvas blank) must accept for a number: each value with
    0 to PLACES decimals within the tolerance, written as a student may type it, with trailing zeros
    (0.50, 2156.0) or without, without the leading zero (.5, -.5), with a + or the Unicode minus, zero
    also as -0, -0.0 ...; an index answer (one whose generator declares its symbol: 3 for g_3) also as
    g3, g_3 and g_{3}. Canvas ignores case and surrounding spaces. More decimals are not accepted (the
    item says at most PLACES). At most MAX_SPELLINGS a field: past that, every value keeps its plain
    spellings (as short as it ends, and with PLACES decimals) and the others go to the values nearest
    the key first, so a wide tolerance narrows instead of bloating the file."""
    return list(_accepted(type(entry.exact), entry.exact, entry.tolerance, entry.symbol))


# cached: matrices repeat their zeros and small integers (keyed by the type too: 1/2 == 0.5 in sympy)
@functools.lru_cache(maxsize=4096)
def _accepted(_kind: type, exact, tolerance_text: str, symbol: str) -> tuple[str, ...]:
    x, tolerance = Fraction(str(to_float(exact))), Fraction(tolerance_text)
    if tolerance_text == "0" and exact.is_Rational and terminates(exact, PLACES):
        values = [Fraction(int(exact.p), int(exact.q))]
    else:
        step = Fraction(1, 10**PLACES)
        low, high = math.ceil((x - tolerance) / step), math.floor((x + tolerance) / step)
        near = round(x / step)  # no more values than spellings: a huge tolerance costs no time either
        ks = range(max(low, near - MAX_SPELLINGS), min(high, near + MAX_SPELLINGS) + 1)
        values = sorted((k * step for k in ks), key=lambda v: (abs(v - x), v))
    plain = [text for value in values for text in _plain_spellings(value, symbol)]
    more = [text for value in values for text in _other_spellings(value)]
    return tuple(dict.fromkeys(plain + more))[:MAX_SPELLINGS]


def _digits(value: Fraction, places: int) -> str:
    """|value| with exactly `places` decimals (value has at most that many)."""
    whole, decimals = divmod(abs(value.numerator) * 10**places // value.denominator, 10**places)
    return f"{whole}.{decimals:0{places}d}" if places else str(whole)


def _places(value: Fraction) -> int:
    """The fewest decimals that write value (which has at most PLACES)."""
    return next(d for d in range(PLACES + 1) if (value * 10**d).denominator == 1)


def _plain_spellings(value: Fraction, symbol: str) -> list[str]:
    """As short as the value ends and with PLACES decimals, - for a negative; an index with its symbol."""
    sign = "-" if value < 0 else ""
    texts = [sign + _digits(value, _places(value)), sign + _digits(value, PLACES)]
    if symbol and value.denominator == 1 and value >= 0:
        texts += [f"{symbol}{value}", f"{symbol}_{value}", f"{symbol}_{{{value}}}"]
    return texts


def _other_spellings(value: Fraction) -> list[str]:
    """Every other way to type the value with at most PLACES decimals: trailing zeros, no leading zero,
    a + or the Unicode minus; zero also with + or - (-0.0)."""
    signs = ("", "+") if value > 0 else ("-", MINUS) if value < 0 else ("", "+", "-")
    texts = []
    for places in range(_places(value), PLACES + 1):
        digits = _digits(value, places)
        written = [digits, digits[1:]] if digits.startswith("0.") else [digits]
        texts += [sign + text for text in written for sign in signs]
    return texts


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


def choice_part(question: Question):
    """The answer of a question that is one choice or one written part (an LMS's multiple-choice or
    essay question), or None for a question of numbers and words."""
    answers = [question.variant.answers[name] for part in question.rendered.parts for name in part.answers]
    kinds = {answer.kind for answer in answers}
    if not kinds & {"choice", "written"}:
        return None
    if len(answers) != 1:
        raise ValueError(f"{question.variant.generator}: a choice or written answer must be its question's only one")
    return answers[0].exact


# What an LMS writes a choice with any number of correct options as: one pick among every set of
# boxes a student may check, each scored by the rule (all-or-nothing, negative), or a true/false menu
# per option, each an equal share (partial). See the README's "Choice and written questions".
MAX_COMBINATION_OPTIONS = 5


def menu_per_option(choice) -> bool:
    """Whether an LMS asks the choice as a true/false menu per option (partial scoring of any number
    correct: each menu an equal share), rather than as one pick (picks())."""
    return not choice.exactly_one and choice.scoring == "partial"


def picks(choice) -> tuple[str, list[tuple[str, Fraction, str]]]:
    """A choice asked as one pick: what the statement adds (the lettered options, when the picks are
    sets of them), and each pick as (HTML, the share of the points it earns, its reason's HTML): the
    options themselves where exactly one is correct, else every set of boxes (combinations())."""
    if choice.exactly_one:
        return "", [(to_html(o.text), Fraction(int(o.correct)), to_html(o.reason)) for o in choice.options]
    return (option_list(choice) + "<p>Pick the set of statements you check.</p>",
            [(html.escape(text), share, "") for text, share in combinations(choice)])


def combinations(choice) -> list[tuple[str, Fraction]]:
    """Every set of checked boxes as the LMS option that stands for it ("A and C", "None of them"),
    by size then letter, with the share of the points the choice's rule gives it."""
    letters = LETTERS[:len(choice.options)]
    if len(letters) > MAX_COMBINATION_OPTIONS:
        raise QbankError(f"a choice of {len(letters)} options with any number correct has {2 ** len(letters)} sets of "
                         f"boxes, too many to offer in Moodle or Canvas; show at most {MAX_COMBINATION_OPTIONS} "
                         "(params = { show = 4 }), or build without moodle and canvas")
    sets = [combo for size in range(len(letters) + 1) for combo in itertools.combinations(letters, size)]
    return [(_combination_text(combo), choice.score(combo)) for combo in sets]


def _combination_text(combo: tuple[str, ...]) -> str:
    if not combo:
        return "None of them"
    return combo[0] if len(combo) == 1 else ", ".join(combo[:-1]) + " and " + combo[-1]


def option_list(choice) -> str:
    """The options as a lettered HTML list, for a question whose picks name letters."""
    return '<ol type="A">' + "".join(f"<li>{to_html(option.text)}</li>" for option in choice.options) + "</ol>"


def choice_prompt(question: Question) -> str:
    return "".join(to_html(part.prompt) for part in question.rendered.parts)
