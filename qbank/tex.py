"""Small LaTeX helpers shared by generators (generator-made LaTeX only, never user text)."""

from __future__ import annotations

import sympy

from qbank.exact import decimal_latex, latex


def display(lhs: str, value) -> str:
    """A displayed equation `lhs = value`."""
    return rf"\[ {lhs} = {latex(value)} \]"


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


def approx(answer) -> str:
    """An answer's exact LaTeX followed by its decimals (`= 0.125`, `\\approx 0.1234`) when they read
    differently, so the key serves a part that asks for either."""
    decimals = decimal_latex(answer.exact)
    if decimals == answer.latex:
        return answer.latex
    return answer.latex + (r" \approx " if answer.tolerance else " = ") + decimals


def as_asked(answer) -> str:
    """`= exact` when the answer is exact within the displayed places, else `\\approx decimals`: how a
    calculator question's key states an answer (see generator.with_precision)."""
    return rf"\approx {decimal_latex(answer.exact)}" if answer.tolerance else f"= {answer.latex}"
