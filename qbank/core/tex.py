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
    """A scalar as a factor of a product: negatives in parentheses."""
    text = sympy.latex(x)
    return f"({text})" if x < 0 else text


def sum_of_products(pairs) -> str:
    """`a \\cdot b + c \\cdot d + ...` for pairs of exact scalars."""
    return " + ".join(f"{factor(a)} \\cdot {factor(b)}" for a, b in pairs) or "0"


def sequence(symbol: str, last) -> str:
    """`h_1, \\dots, h_T` that reads right for short runs: `h_1`, `h_1, h_2`, `h_1, h_2, h_3`."""
    if isinstance(last, int) and last <= 3:
        return ", ".join(f"{symbol}_{t}" for t in range(1, last + 1))
    return rf"{symbol}_1, \dots, {symbol}_{{{last}}}"


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
