"""The generator contract and the one function that turns (generator, seed, pins) into a variant.

A generator declares `params` and implements four steps:
  sample(draw)           -> params, nice by construction (draw honours pins)
  check(params)          -> None, or raise IllPosed naming the parameter
  solve(params)          -> {answer name: exact value}, sympy only
  render(params, answers)-> Rendered (statement, parts, worked solution)
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import replace
from typing import ClassVar

import sympy

from qbank.core.errors import BadParam, IllPosed, QbankError
from qbank.core.exact import MAX_EXACT_CHARS, PLACES, from_text, scalars, to_float, to_text
from qbank.core.model import Answer, Part, Rendered, Variant, is_number
from qbank.core.params import REQUIRED, Param
from qbank.core.seeding import variant_rng

# A draw that conflicts with pins is redrawn; this bounds how often before the
# conflict is reported as the user's ill-posed pin.
MAX_ATTEMPTS = 200
# Consecutive draws that repeat params already tried before the pins are taken to fix the outcome
# (a draw space of k values repeats 30 times in a row with chance at most ((k-1)/k)^30 per try).
MAX_REPEATS = 30
# The time calibration of Generator.minutes.
MINUTES_READING = 1
MINUTES_PER_WEIGHT = 1.5
MINUTES_PER_EXTRA_LINE = 0.5


class Generator:
    id: ClassVar[str]
    version: ClassVar[int] = 1
    title: ClassVar[str]
    topics: ClassVar[tuple[str, ...]] = ()
    params: ClassVar[dict[str, Param]]
    # Hand-solvability bounds on sampled variants: every answer scalar is at most
    # max_abs in size and, when rational, has a denominator of at most max_denominator
    # (None: worked with a calculator; the generator's own tests bound it otherwise).
    max_abs: ClassVar[int] = 1000
    max_denominator: ClassVar[int | None] = 1
    # A calculator question has answers that are not small fractions (logs, exp, long decimals);
    # an exam without calculators refuses it. Its decimal parts say how many places to give.
    calculator: ClassVar[bool] = False
    # Each answer's name in the statement's notation (LaTeX), for the key: "i_#" labels the entries
    # of a vector (or the rows of a matrix) i_1, i_2, ...; an answer without one is keyed by its name.
    labels: ClassVar[dict[str, str]] = {}
    # The options of each answer in words, the right one among them: in an LMS a words answer is a
    # choice (no LMS grades free text), its options in alphabetical order, worth its part's points.
    options: ClassVar[dict[str, tuple[str, ...]]] = {}
    # Each answer that is the index of a symbol (which g_i is the forget gate: 3), by the symbol's
    # name: an LMS field that matches typed text then also accepts g3, g_3 and g_{3}.
    index_symbols: ClassVar[dict[str, str]] = {}
    # What check() refuses beyond the declared ranges, one short phrase each, for `describe`:
    # an instructor pinning values learns the limits before hitting them.
    refuses: ClassVar[tuple[str, ...]] = ()
    # Form choices that are not parameters (a kernel's size, a number of steps: see Draw.form), with
    # the values a pin may take. A spec pins them like parameters; a pinned one fixes the slot's form
    # and every version still draws its own values (pinning kernel_size keeps the kernels random).
    forms: ClassVar[dict[str, Param]] = {}
    # Form choices drawn only on the way to a parameter that is form, and pinned through it (a GRU's
    # bias and convention decide its bias_vectors): kept in the slot's form, never listed or pinned.
    hidden_forms: ClassVar[tuple[str, ...]] = ()

    def minutes(self, parts: tuple[Part, ...]) -> int:
        """Minutes a prepared student needs for a variant with these parts (the same for every
        version of a slot: parts depend on the form only).

        The calibration, the same for every generator: MINUTES_READING to read the statement, then
        MINUTES_PER_WEIGHT for each unit of a part's weight (one unit is one short calculation: a
        shape, a count, one dot product row), and MINUTES_PER_EXTRA_LINE for each line of working a
        part declares beyond its weight (Part.work: the steps of a derivative through time, the terms
        of a sum of logarithms), rounded up to whole minutes. A generator whose work is heavier than
        its weights say declares Part.work, not a number of minutes of its own."""
        work = sum(MINUTES_PER_WEIGHT * part.weight + MINUTES_PER_EXTRA_LINE * max(0, (part.work or 0) - part.weight)
                   for part in parts)
        return math.ceil(MINUTES_READING + work)

    def sample(self, draw: "Draw") -> dict:
        raise NotImplementedError

    def check(self, p: dict) -> None:
        """Cross-parameter well-posedness; single values are checked by their declarations."""

    def solve(self, p: dict) -> dict:
        raise NotImplementedError

    def render(self, p: dict, answers: dict[str, Answer]) -> Rendered:
        raise NotImplementedError

    def degenerate(self, p: dict, answers: dict[str, Answer]) -> str | None:
        """What makes this variant trivial (the key gives points for nothing), or None.
        The generic rules of degeneracy() apply to every generator on top of this."""
        return None

    def beyond_bounds(self, answers: dict[str, Answer]) -> str | None:
        """Why a variant's answers break the hand-solvability bounds, or None when they keep them."""
        return self.values_beyond_bounds({name: answer.exact for name, answer in answers.items()})

    def values_beyond_bounds(self, values: dict) -> str | None:
        """The same for exact values in any form: the bounds read values, not how they are written."""
        for name, value in values.items():
            for x in () if not is_number(value) else map(sympy.sympify, scalars(value)):
                if abs(to_float(x)) > self.max_abs:
                    return f"{name} = {x} exceeds {self.max_abs}"
                if x.is_Rational and self.max_denominator is not None and x.q > self.max_denominator:
                    return f"{name} = {x} has a denominator above {self.max_denominator}"
        return None


class Draw:
    """Random draws for sample(): a pinned parameter is returned as pinned, never drawn.

    Form choices (sizes, steps, framework, which parts appear) go through form(): an exam slot
    fixes them once, so every version of the slot has the same form and only values differ."""

    def __init__(self, rng, pins: dict, form: dict | None = None):
        self.rng = rng
        self.pins = pins
        self.drew = False
        self.fixed_form = form or {}
        self.chosen_form: dict = {}

    def form(self, key: str, make):
        """A form choice: the pin of that name, else the slot's fixed choice, else a draw."""
        if key in self.pins:
            value = self.pins[key]
        elif key in self.fixed_form:
            value = self.fixed_form[key]
        else:
            self.drew = True
            value = make()
        self.chosen_form[key] = value
        return value

    def form_int(self, name: str, lo: int, hi: int, exclude=()) -> int:
        return self.form(name, lambda: self.integer(lo, hi, exclude))

    def form_choice(self, name: str, options):
        return self.form(name, lambda: self.pick(options))

    def value(self, name: str, make):
        if name in self.pins:
            return self.pins[name]
        self.drew = True
        return make()

    def default(self, name: str, value):
        """A pinned value, else a fixed default (no randomness, so no redraw helps)."""
        return self.pins.get(name, value)

    def integer(self, lo: int, hi: int, exclude=()) -> int:
        options = [v for v in range(lo, hi + 1) if v not in exclude]
        return options[int(self.rng.integers(len(options)))]

    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def integers(self, shape, lo: int, hi: int, exclude=()):
        """A tuple (or tuple of tuples for a 2-d shape) of integers in [lo, hi]."""
        if isinstance(shape, int):
            return tuple(self.integer(lo, hi, exclude) for _ in range(shape))
        rows, cols = shape
        return tuple(self.integers(cols, lo, hi, exclude) for _ in range(rows))

    def int(self, name: str, lo: int, hi: int, exclude=()) -> int:
        return self.value(name, lambda: self.integer(lo, hi, exclude))

    def choice(self, name: str, options):
        return self.value(name, lambda: self.pick(options))

    def chance(self, probability: float) -> bool:
        return bool(self.rng.random() < probability)


def parse_params(gen: Generator, raw: dict) -> dict:
    """Parse user or sampled params against the declarations, parameters and form choices (pins
    may name either); unknown names are errors."""
    declared = gen.params | gen.forms
    unknown = sorted(set(raw) - set(declared))
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, declared, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(declared)
        raise BadParam(name, f"{gen.id} has no such parameter or form choice; {hint}")
    return {name: None if raw[name] is None and decl.default is None else decl.parse(raw[name], name)
            for name, decl in declared.items() if name in raw}


def split_pins(gen: Generator, pins: dict | None) -> tuple[dict, dict]:
    """Parsed pins as (parameters, form choices that are not parameters)."""
    parsed = parse_params(gen, pins or {})
    return ({name: value for name, value in parsed.items() if name in gen.params},
            {name: value for name, value in parsed.items() if name not in gen.params})


def make_variant(gen: Generator, seed: int, pins: dict | None = None, form: dict | None = None) -> Variant:
    """Sample (honouring pins and a fixed form), check, solve: the same seed, pins and form give
    the same variant.

    A drawn variant that is degenerate, whose answers break the generator's declared bounds or
    whose exact answers are too long to keep is drawn again, so none of these happens by chance;
    only pins can force the first two, and the last is refused."""
    pinned, form_pins = split_pins(gen, pins)
    # a pinned form choice is the slot's choice (the slot's own form was drawn with the same pins)
    fixed_form = (form or {}) | form_pins
    rng = variant_rng(seed, gen.id, gen.version)
    tried: set[str] = set()
    repeats = 0
    for attempt in range(MAX_ATTEMPTS):
        draw = Draw(rng, pinned, fixed_form)
        # pins win even over names the sampler does not mention (e.g. a declared default)
        params = _complete(gen, parse_params(gen, gen.sample(draw)) | pinned)
        key = _params_key(gen, params)
        # pins that leave the draws nothing to vary give the same params again and again: after
        # enough repeats in a row the outcome is the pins', not chance's
        repeats = repeats + 1 if key in tried else 0
        tried.add(key)
        final = not draw.drew or attempt == MAX_ATTEMPTS - 1 or repeats >= MAX_REPEATS
        if repeats and not final:
            continue
        try:
            _check_form_pins_used(gen, form_pins, draw, pinned)
            gen.check(params)
            solved = gen.solve(params)
            # a draw past the bounds is known before its answers take their canonical form (most of
            # the cost of an attempt), and rejected the same
            if not final and gen.values_beyond_bounds(_values(solved)):
                continue
            variant = _solved(gen, seed, params, draw.chosen_form, solved)
        except IllPosed as exc:
            if not final:
                continue
            raise _blamed_on_pins(exc, pinned | form_pins) from None
        except AnswerTooLong as exc:
            if not final:
                continue
            raise exc.on(pinned | form_pins) from None
        if final or rejection(gen, params, variant.answers) is None:
            return variant
    raise AssertionError("unreachable")


def _check_form_pins_used(gen: Generator, form_pins: dict, draw: "Draw", pinned: dict) -> None:
    """A pinned form choice the draw never asked for (the value it sizes was pinned too, or the
    other choices leave it out) would be silently ignored: another draw may use it, else it is refused."""
    unused = sorted(set(form_pins) - set(draw.chosen_form))
    if unused:
        others = f" with the pinned {', '.join(sorted(pinned))}" if pinned else " in this form"
        raise IllPosed(unused[0], f"{gen.id} does not use this form choice{others}; "
                                  f"remove the pin of {unused[0]}, or the pins that decide it")


def _params_key(gen: Generator, params: dict) -> str:
    return json.dumps({name: gen.params[name].dump(value) for name, value in sorted(params.items())
                       if value is not None}, sort_keys=True)


def _blamed_on_pins(exc: IllPosed, pinned: dict) -> IllPosed:
    """A conflict the user can only fix through a pin names a pinned parameter, never a drawn one."""
    root = exc.param.split("[")[0].split(".")[0]
    if root in pinned or not pinned:
        return exc
    names = sorted(pinned)
    reason = exc.problem
    return IllPosed(names[0], f"no drawn {exc.param} fits the pinned {', '.join(names)} ({reason}); "
                              f"pin {exc.param} too, or change the pin")


def rejection(gen: Generator, params: dict, answers: dict[str, Answer]) -> str | None:
    """Why a drawn variant must not be used: degenerate or past the bounds; None when it is fine."""
    return degeneracy(gen, params, answers) or gen.beyond_bounds(answers)


def degeneracy(gen: Generator, params: dict, answers: dict[str, Answer]) -> str | None:
    """The generic rules, then the generator's own: every answer 0; a vector or matrix answer that
    the statement already gives as a parameter, or that another answer repeats."""
    numeric = {name: a.exact for name, a in answers.items() if a.kind == "number"}
    if numeric and all(x == 0 for value in numeric.values() for x in scalars(value)):
        return "every answer is 0"
    # short vectors of small integers meet each other by chance (a std equal to gamma), and so do
    # 0/1 patterns such as spike trains: the rules look at arrays of 4 or more entries, not all 0/1
    arrays = {name: value for name, value in numeric.items()
              if isinstance(value, tuple) and len(entries := list(scalars(value))) >= 4 and not set(entries) <= {0, 1}}
    # only arrays of numbers can be given answers (comparing a number with a layer's dict would
    # have sympy parse the dict's strings)
    given = [value for value in params.values() if isinstance(value, tuple) and _numeric(value)]
    for name, value in arrays.items():
        if any(value == g for g in given):
            return f"{name} is given in the statement"
        twin = next((other for other, v in arrays.items() if other < name and v == value), None)
        if twin:
            return f"{name} repeats {twin}"
    return (gen.calculator and _swamped_by_rounding(answers)) or gen.degenerate(params, answers)


# The most a calculator answer's tolerance may be: 25 units of the last place asked, or 1 % of the
# value where that is more. A variant whose intermediate roundings move an answer further (a large
# gradient times a rounded sigmoid derivative) cannot be graded to the places its statement asks.
TOLERANCE_UNITS, TOLERANCE_SHARE = 25, 100


def _swamped_by_rounding(answers: dict[str, Answer]) -> str | None:
    for name, answer in answers.items():
        if not answer.tolerance:
            continue
        for x, tolerance in zip(scalars(answer.exact), scalars(answer.tolerances)):
            if tolerance > max(TOLERANCE_UNITS * 10.0**-PLACES, abs(to_float(x)) / TOLERANCE_SHARE):
                return f"rounding intermediate results to {PLACES} places moves {name} by up to {tolerance:.4f}"
    return None


def _numeric(value) -> bool:
    if isinstance(value, tuple):
        return all(_numeric(item) for item in value)
    return isinstance(value, (int, sympy.Basic)) and not isinstance(value, bool)


def solve_variant(gen: Generator, seed: int, params_json: dict) -> Variant:
    """Rebuild a variant from stored params without sampling (manifests)."""
    params = _complete(gen, parse_params(gen, params_json))
    gen.check(params)
    return _solved(gen, seed, params)


def params_of(gen: Generator, variant: Variant) -> dict:
    return _complete(gen, parse_params(gen, variant.params))


def render_variant(gen: Generator, variant: Variant) -> Rendered:
    rendered = gen.render(params_of(gen, variant), variant.answers)
    return replace(rendered, parts=tuple(with_precision(gen, part, variant.answers) for part in rendered.parts))


# What with_precision adds to a prompt (an LMS asks decimals where paper asks the exact value).
DECIMALS_ASK = f" Give {PLACES} decimal places."
EXACT_ASK = " Give the exact value."


def with_precision(gen: Generator, part: Part, answers: dict[str, Answer]) -> Part:
    """One precision rule: a part whose answers are not exact within PLACES decimals asks for
    PLACES decimal places in a calculator question, and for the exact value otherwise; the
    prompt says which."""
    if part.decimals is not None or all(answers[name].tolerance == 0 for name in part.answers):
        return part
    if gen.calculator:
        return replace(part, decimals=PLACES, prompt=part.prompt + DECIMALS_ASK)
    return replace(part, prompt=part.prompt + EXACT_ASK)


def _complete(gen: Generator, params: dict) -> dict:
    missing = [name for name, decl in gen.params.items() if name not in params and decl.default is REQUIRED]
    if missing:
        raise BadParam(missing[0], f"{gen.id} needs a value for it")
    # a None default marks an optional parameter that is simply absent
    defaults = {name: None if decl.default is None else decl.parse(decl.default, name)
                for name, decl in gen.params.items() if name not in params and decl.default is not REQUIRED}
    return params | defaults


class AnswerTooLong(QbankError):
    """An exact answer whose text is longer than a key or manifest may hold (MAX_EXACT_CHARS)."""

    def __init__(self, gen: Generator, name: str):
        self.gen, self.name = gen, name
        super().__init__(f"{gen.id}: the exact {name} runs past {MAX_EXACT_CHARS:,} characters, more than a key "
                         "can hold; use smaller sizes or fewer steps")

    def on(self, pinned: dict) -> QbankError:
        """The same refusal, naming the pins that forced it."""
        if not pinned:
            return self
        return IllPosed(sorted(pinned)[0], f"with the pinned {', '.join(sorted(pinned))}, the exact {self.name} "
                                           f"runs past {MAX_EXACT_CHARS:,} characters, more than a key can hold; "
                                           "pin smaller sizes or fewer steps")


def _canonical(gen: Generator, name: str, value) -> Answer:
    text = to_text(value)
    if any(len(item) > MAX_EXACT_CHARS for item in scalars(text)):
        raise AnswerTooLong(gen, name)
    return Answer.of(from_text(text), text)


def _values(solved: dict) -> dict:
    return {name: value.exact if isinstance(value, Answer) else value for name, value in solved.items()}


def _solved(gen: Generator, seed: int, params: dict, form: dict | None = None, solved: dict | None = None) -> Variant:
    # An exact value is what its JSON string says: re-reading the string fixes the form
    # sympy would give it anyway (2*(a + 1) comes back as 2*a + 2), so round trips are lossless.
    answers = {name: value if isinstance(value, Answer) else _canonical(gen, name, value)
               for name, value in (gen.solve(params) if solved is None else solved).items()}
    dumped = {name: gen.params[name].dump(value) for name, value in params.items() if value is not None}
    return Variant(gen.id, gen.version, seed, dumped, answers, form or {})
