"""Small LaTeX helpers shared by generators (generator-made LaTeX only, never user text)."""

from __future__ import annotations

import sympy

from qbank.core.exact import decimal, decimal_latex, latex, latex_scalar, scalars, terminates


def display(lhs: str, value) -> str:
    """A displayed equation `lhs = value`."""
    return rf"\[ {lhs} = {latex(value)} \]"


# Places within which a given number prints as a decimal (0.95, 1e-8 as 0.00000001); one that
# needs more prints as its fraction.
GIVEN_PLACES = 10


def given(value, places: int = GIVEN_PLACES) -> str:
    """LaTeX of given numbers (drawn or pinned) or of exact steps, as the key computes with them: a
    decimal when it is exact (0.95, as an instructor writes it, rather than 19/20), else the
    fraction (1/3, never 0.3333)."""
    return latex(value, scalar=lambda x: decimal(x, places) if terminates(x, places) else latex_scalar(x))


def factor(x) -> str:
    """A scalar as a factor of a product: negatives in parentheses, grown around a fraction."""
    text = sympy.latex(x)
    if x >= 0:
        return text
    return rf"\left({text}\right)" if r"\frac" in text else f"({text})"


def sum_of_products(pairs) -> str:
    """`a \\cdot b + c \\cdot d + ...` for pairs of exact scalars."""
    return " + ".join(f"{factor(a)} \\cdot {factor(b)}" for a, b in pairs) or "0"


def counted(n, noun: str, shown: str | None = None) -> str:
    """`1 step`, `2 steps`: a count and its noun agree in number; shown is how to print n (`$41$`)."""
    shown = str(n) if shown is None else shown
    if n == 1:
        return f"{shown} {noun}"
    return f"{shown} {noun + 'es' if noun.endswith(('s', 'x', 'sh', 'tch')) else noun + 's'}"  # batches, epochs


def counted_answer(answer, noun: str) -> str:
    """An integer answer with its noun in a worked solution: `$41$ iterations`, `$1$ iteration`."""
    return counted(answer.exact, noun, f"${answer.latex}$")


def listed(items) -> str:
    """Items as a sentence lists them: `3`, `3 and 5`, `2, 3 and 5`."""
    items = [str(item) for item in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def run(item, last) -> str:
    """`item(1), \\dots, item(last)` that reads right for short runs: a run of one is its member, of
    two or three a list (never `1, \\dots, 2`)."""
    if isinstance(last, int) and last <= 3:
        return ", ".join(item(t) for t in range(1, last + 1))
    return rf"{item(1)}, \dots, {item(last)}"


def sequence(symbol: str, last) -> str:
    """`h_1, \\dots, h_T`, or `h_1`, `h_1, h_2`, `h_1, h_2, h_3` for short runs."""
    return run(lambda t: f"{symbol}_{t}" if len(str(t)) == 1 else f"{symbol}_{{{t}}}", last)


def indices(last) -> str:
    """`1, \\dots, T`, or `1`, `1, 2`, `1, 2, 3` for short runs: the steps of `for $t = ...$`."""
    return run(str, last)


# An exact form longer than this (in LaTeX characters) is left out of a worked solution's inline
# text: a nested fraction of exponentials cannot break across lines, and its decimals say it all.
MAX_INLINE_EXACT = 90


def keyed(answer) -> str:
    """How a worked solution states an answer, relation included: `= exact`, then `= decimals` or
    `\\approx decimals` when they read differently; only `\\approx decimals` when the exact form is
    too long to print inline."""
    decimals = decimal_latex(answer.exact)
    if decimals == answer.latex:
        return f"= {answer.latex}"
    if answer.tolerance and len(answer.latex) > MAX_INLINE_EXACT:
        return rf"\approx {decimals}"
    return f"= {answer.latex}" + (r" \approx " if answer.tolerance else " = ") + decimals


def as_asked(answer) -> str:
    """`= exact` when the answer is exact within the displayed places, else `\\approx decimals`: how a
    calculator question's key states an answer (see generator.with_precision)."""
    return rf"\approx {decimal_latex(answer.exact)}" if answer.tolerance else f"= {answer.latex}"


def step_value(value) -> str:
    """A worked step's value: `= exact` (with `\\approx decimals` beside it when they differ) while it
    is rational, only `\\approx decimals` once it is not: a nested exact form of exp and tanh helps
    no one follow the steps, and would run off the page."""
    if all(x.is_Rational for x in scalars(value)):
        exact, decimals = latex(value), decimal_latex(value)
        return f"= {exact}" if exact == decimals else rf"= {exact} \approx {decimals}"
    return rf"\approx {decimal_latex(value)}"
