"""Small LaTeX helpers shared by generators (generator-made LaTeX only, never user text)."""

from __future__ import annotations

import sympy

from qbank.exact import latex


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
