"""Question logic a student would complain about, checked over every generator's text (statement,
prompts, worked solution) for many seeds and for edge pins: counts agree in number ("1 step",
"2 steps"), a "..." range has more than two members, no sentence or clause is said twice, no part
asks for a number the statement gives, no answer is asked for twice, and the natural log is
written one way.

A failure names the generator and the seed (or pins): `python -m qbank show ID --seed S`."""

import re
from collections import Counter
from functools import cache

import pytest
import sympy

from qbank.core import registry
from qbank.core.errors import QbankError
from qbank.core.generator import degeneracy, make_variant, params_of, render_variant
from qbank.core.model import scalar_if_single
from qbank.core.params import Int

GENERATORS = sorted(registry.registry())
SEEDS = range(60)
# The seed of the edge-pinned variants: each integer parameter in turn at its two lowest values,
# where "1 steps" and "1, ..., 2" come from.
EDGE_SEED = 7
SHOWN = 3  # failures shown per message

# The nouns the generators count, singular: "1 <plural>" and "2 <singular>" are both wrong.
COUNT_NOUNS = ("step", "time step", "layer", "head", "key-value head", "epoch", "filter", "channel",
               "token", "patch", "example", "iteration", "unit", "class", "batch", "sample", "input",
               "output", "neuron", "feature", "parameter", "weight", "bias", "position", "row",
               "column", "entry", "element", "image", "word", "pixel", "node", "gate", "kernel",
               "update", "width", "mistake", "bit", "number", "query", "key", "value")
# Words between a number and its noun that make the number not the noun's count ("1 and 2 steps",
# "size 25 per word").
NOT_A_COUNT = r"\b(?:and|or|to|by|of|per|the|a|in|than)\s"
MATH = re.compile(r"\\\[.*?\\\]|\\begin\{(align\*?|equation\*?|[bp]matrix|tabular)\}.*?\\end\{\1\}"
                  r"|\$[^$]*\$|\\\(.*?\\\)", re.S)
MATH_MARK = " ∎ "

# Answers that equal a given number of the statement by their nature, not because the part asks
# what the statement says: generator id -> answer names, each with its reason.
GIVEN_ANSWERS = {
    # the output's channels are the filters: seeing that is what the part asks
    "conv.output_shape": {"out_channels"},
    # one bias per filter: the count is the filters, and knowing it is the point
    "conv.params": {"biases"},
    # a gate whose pre-activation is 0 is sigma(0) = 1/2, which is often a weight as well
    "lstm.forward": {"f", "o"},
}


def plural(noun: str) -> str:
    if noun.endswith(("s", "x", "sh", "tch")):  # batches, epochs
        return noun + "es"
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2] not in "aeiou" else noun + "s"


def alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# A count: a number of its own, not a subscript, a decimal, a fraction or the end of a list
COUNT = r"(?<![\d.,/_^{∎])(?<!∎ )(?<!and )(?<!or )\b"
ONE_OF_MANY = re.compile(COUNT + r"1\s+(?:[a-z-]+\s+)?(?:" + alternatives(map(plural, COUNT_NOUNS)) + r")\b")
# ... and not the first noun of a compound ("128 input channels")
MANY_OF_ONE = re.compile(COUNT + r"(\d+)\s+(?:[a-z-]+\s+)?(?:" + alternatives(COUNT_NOUNS)
                         + r")\b(?![-\w])(?!\s+[a-z-]+s\b)")
EACH_OF_ONE = re.compile(r"\b(?:each of the|all|both) 1\b")


def edge_pins(gen):
    """Each integer parameter pinned, one at a time, to its two lowest values."""
    for name, decl in sorted(gen.params.items()):
        if isinstance(decl, Int) and decl.lo is not None:
            for value in (decl.lo, decl.lo + 1):
                if decl.hi is None or value <= decl.hi:
                    yield {name: value}


@cache
def questions(gen_id: str) -> tuple:
    """(how to draw it again, variant, rendered) for every seed and every answerable edge pin."""
    gen = registry.get(gen_id)
    drawn = [(f"--seed {seed}", make_variant(gen, seed)) for seed in SEEDS]
    for pins in edge_pins(gen):
        try:
            drawn.append((f"--seed {EDGE_SEED} pins {pins}", make_variant(gen, EDGE_SEED, pins)))
        except QbankError:  # a pin the generator refuses is test_pins' business
            pass
    return tuple((where, variant, render_variant(gen, variant)) for where, variant in drawn)


def texts(rendered):
    """(which, LaTeX) for the statement, each prompt and the worked solution."""
    yield "statement", rendered.statement
    for i, part in enumerate(rendered.parts, 1):
        yield f"part {i}", part.prompt
    yield "solution", rendered.solution


# A figure's node: four placement arguments, then its label (braces inside it one deep).
NODE = re.compile(r"\\qbanknode(?:\{[^{}]*\}){4}\{((?:[^{}]|\{[^{}]*\})*)\}")


def prose(text: str, figures: bool = False) -> str:
    """The words a student reads as text: math becomes a mark (its \\text{} kept), a lone number in
    math ($2$) stays a number, tables go, and so do figure labels (they repeat by design) unless asked."""
    text = NODE.sub(lambda m: MATH_MARK + (m.group(1) if figures else "") + MATH_MARK, text)
    text = re.sub(r"\\qbank\w+(?:\{[^{}]*\})*", MATH_MARK, text)  # the figure's frame and arrows
    text = re.sub(r"\\text\{([^{}]*)\}", r"$ \1 $", text)
    text = re.sub(r"\$(-?\d+)\$", r"\1", text)
    return MATH.sub(lambda m: MATH_MARK + " ".join(re.findall(r"\$ (.*?) \$", m.group(0))) + MATH_MARK, text)


def fail(gen_id: str, failures: list) -> None:
    assert not failures, f"{gen_id}: {len(failures)} found, e.g. " + "; ".join(failures[:SHOWN])


def number_disagreements(text: str):
    words = prose(text, figures=True)
    found = [m.group(0) for m in ONE_OF_MANY.finditer(words)]
    found += [m.group(0) for m in MANY_OF_ONE.finditer(words) if int(m.group(1)) >= 2]
    return [f for f in found if not re.search(NOT_A_COUNT, f)] + [m.group(0) for m in EACH_OF_ONE.finditer(words)]


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_counts_agree_in_number(gen_id):
    failures = [f"{where} ({which}): '{found}'" for where, _, rendered in questions(gen_id)
                for which, text in texts(rendered) for found in number_disagreements(text)]
    fail(gen_id, failures)


# `a, \dots, b` (or ...) whose two ends carry numbers: x_1, \dots, x_{2}; t = 1, \ldots, 2
RANGE = re.compile(r"([^\s,$]+),\s*(?:\\[lc]?dots|\.\.\.)\s*,\s*([^\s$,;:)]+)")


def short_ranges(text: str):
    for match in RANGE.finditer(text):
        first, last = (re.findall(r"\d+", end) for end in match.groups())
        if first and last and int(last[-1]) - int(first[-1]) + 1 <= 2:
            yield match.group(0)


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_a_range_with_dots_has_more_than_two_members(gen_id):
    failures = [f"{where} ({which}): '{found}'" for where, _, rendered in questions(gen_id)
                for which, text in texts(rendered) for found in short_ranges(text)]
    fail(gen_id, failures)


# A clause said twice: this many words in a row, of the prose, appear twice (not overlapping).
CLAUSE_WORDS = 6


def repeated(text: str):
    # the items of a list (a network's layers) are alike by design, as a table's rows are
    words = prose(re.sub(r"\\begin\{(enumerate|itemize)\}.*?\\end\{\1\}", MATH_MARK, text, flags=re.S))
    sentences = Counter(s.strip() for s in re.split(r"\.\s+", words) if len(s.split()) >= 3)
    yield from (s for s, n in sentences.items() if n > 1)
    tokens = re.findall(r"[A-Za-z'-]+|∎", re.sub(r"\\[A-Za-z]+|\\\\", " ", words))
    first_at = {}
    for i in range(len(tokens) - CLAUSE_WORDS + 1):
        run = tuple(tokens[i:i + CLAUSE_WORDS])
        if "∎" not in run and first_at.setdefault(run, i) + CLAUSE_WORDS <= i:
            yield " ".join(run)
            return


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_no_sentence_or_clause_is_said_twice(gen_id):
    failures = [f"{where} ({which}): '{found}'" for where, _, rendered in questions(gen_id)
                for which, text in (("statement", rendered.statement), ("solution", rendered.solution))
                for found in repeated(text)]
    fail(gen_id, failures)


def given_numbers(statement: str) -> set:
    """The numbers the statement gives, signed (integers, decimals, fractions)."""
    text = re.sub(r"(?<=\d)\\,(?=\d)", "", statement)  # grouped digits: 384\,000
    text = re.sub(r"\\[dt]?frac\{(\d+)\}\{(\d+)\}", r"\1/\2", text)
    numbers = re.finditer(r"(?<![\w^_{.\\])(-\s*)?(\d+(?:\.\d+)?(?:/\d+)?)(?![\w.]\d)", text)
    return {(-1 if m.group(1) else 1) * sympy.Rational(m.group(2)) for m in numbers}


def telling(x) -> bool:
    """A value that rarely meets a given number by chance: an integer of 10 or more, or a fraction."""
    return x.is_Rational and (not x.is_Integer or abs(x) >= 10)


def echoes(gen_id: str):
    """For each asked scalar answer: in how many variants its value is telling, and in how many of
    those the statement gives it. Degenerate variants (pinned so) are the pins' own business."""
    gen, telling_in, given_in = registry.get(gen_id), Counter(), Counter()
    for _, variant, rendered in questions(gen_id):
        if degeneracy(gen, params_of(gen, variant), variant.answers):
            continue
        given = given_numbers(rendered.statement)
        for name in {name for part in rendered.parts for name in part.answers}:
            value = scalar_if_single(variant.answers[name].exact)
            if not isinstance(value, (str, tuple)) and telling(value):
                telling_in[name] += 1
                given_in[name] += value in given
    return telling_in, given_in


# A part asks what the statement gives when its answer is given in this share of the variants at
# least: an answer that meets a given number by chance now and then (64 patches of an image with
# a 64-wide embedding) is not asking what the statement says.
ECHO_SHARE = 0.5


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_no_part_asks_for_a_number_the_statement_gives(gen_id):
    telling_in, given_in = echoes(gen_id)
    failures = [f"{name} is given in the statement in {given_in[name]} of {n} variants"
                for name, n in telling_in.items()
                if given_in[name] >= ECHO_SHARE * n and name not in GIVEN_ANSWERS.get(gen_id, ())]
    fail(gen_id, failures)


def asked_entries(gen, variant, part):
    """(label, value) of every entry a part asks for: a vector labelled x_# gives x_1, x_2, ..."""
    for name in part.answers:
        label, value = gen.labels.get(name, name), scalar_if_single(variant.answers[name].exact)
        if "#" in label and isinstance(value, tuple):
            yield from ((label.replace("#", str(i)), entry) for i, entry in enumerate(value, 1))
        else:
            yield label.replace("#", "1"), value


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_no_answer_is_asked_for_twice(gen_id):
    gen, failures = registry.get(gen_id), []
    for where, variant, rendered in questions(gen_id):
        names = [name for part in rendered.parts for name in part.answers]
        failures += [f"{where}: two parts ask for {name}" for name, n in Counter(names).items() if n > 1]
        asked = {}
        for i, part in enumerate(rendered.parts, 1):
            for label, value in asked_entries(gen, variant, part):
                earlier = asked.setdefault((label, str(value)), i)
                if earlier != i:
                    failures.append(f"{where}: parts {earlier} and {i} both ask for {label} = {value}")
    fail(gen_id, failures)


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_the_natural_log_has_one_notation(gen_id):
    """ln in statement, solution and key alike: a bare \\log (sympy's default) beside \\ln reads as
    another base."""
    failures = []
    for where, variant, rendered in questions(gen_id):
        keyed = [a.latex for a in variant.answers.values() if "log" in str(a.text)]  # LaTeX of exp forms is slow
        text = " ".join([text for _, text in texts(rendered)] + keyed)
        if r"\ln" in text and re.search(r"\\log(?![_\w])", text):
            failures.append(f"{where}: both \\ln and \\log")
    fail(gen_id, failures)
