"""Exact values (sympy scalars, tuples for vectors, tuples of tuples for matrices).

Everything here works on the same nested shapes, so answers of any shape
serialise, display and compare the same way.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from fractions import Fraction

import mpmath
import sympy
from sympy.printing.str import StrPrinter

from qbank.core.errors import BadParam
from qbank.core.limits import MAX_NUMBER_CHARS, MAX_NUMBER_DIGITS

# The grammar of an exact answer string (what to_text writes): integers, + - * / **, the
# functions and constants below, parentheses. It is parsed with `ast` and built node by node:
# never evaluated as Python, because manifests come from other people's machines.
_FUNCTIONS = {"sqrt": sympy.sqrt, "exp": lambda z: exp(z), "log": lambda z: log(z), "tanh": lambda z: tanh(z),
              "Abs": sympy.Abs}
_CONSTANTS = {"pi": sympy.pi, "E": sympy.E}
_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Div: lambda a, b: divide(a, b), ast.Pow: operator.pow}
# Bounds that keep a crafted string from taking memory or minutes: length, nesting, powers.
MAX_EXACT_CHARS = 20_000
MAX_EXACT_DEPTH = 60
MAX_EXACT_POWER = 1_000
# The numerator and denominator of every step of an exact value: about 3,600 digits, under
# Python's 4,300-digit limit for printing an integer; checked before a power is computed.
MAX_EXACT_BITS = 12_000


class _NotExact(Exception):
    """The string is not in the grammar of exact values (so it is a text answer)."""


def _exact(node, source: bytes, built: dict, depth: int = 0):
    """The exact value of an ast node of `source`. `built` maps each subexpression's text to its
    value: a nested form repeats subtrees (a sigmoid unit in every entry of a gradient), and each
    is built once. The depth bound holds for the recursion, which is what it protects."""
    if depth > MAX_EXACT_DEPTH:
        raise _NotExact
    key = source[node.col_offset:node.end_col_offset]
    value = built.get(key)
    if value is None:
        value = _exact_node(node, lambda sub: _exact(sub, source, built, depth + 1))
        if len(key) <= _MEMO_TEXT:
            built[key] = value
    return value


def _exact_node(node, child):
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sympy.Integer(node.value)
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = child(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = child(node.left), child(node.right)
        if isinstance(node.op, ast.Pow) and not (right.is_Rational and abs(right) <= MAX_EXACT_POWER
                                                 and _bits(left) * abs(right) <= MAX_EXACT_BITS):
            raise _NotExact
        return _bounded(_OPERATORS[type(node.op)](left, right))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
            and len(node.args) == 1 and not node.keywords):
        return _FUNCTIONS[node.func.id](child(node.args[0]))
    raise _NotExact


def _bits(value) -> int:
    """The size of a rational's numerator or denominator, whichever is larger; 0 for anything else."""
    return max(int(value.p).bit_length(), int(value.q).bit_length()) if value.is_Rational else 0


def _bounded(value):
    if _bits(value) > MAX_EXACT_BITS:
        raise _NotExact
    return value


def exp(z):
    """sympy.exp(z), but an argument that holds a function itself (a recurrence's nested sigmoids
    and tanhs) is left as it is: sympy's search for a simpler form asks the sign and zero-ness of
    the whole nested argument, an evalf each time, which made an LSTM variant cost 20 ms. The
    value is the same; only a simplification such as exp(log(2) + tanh(1)) = 2 exp(tanh(1)) is
    not made for nested arguments."""
    if _nested(z):
        return sympy.exp(z, evaluate=False)
    return sympy.exp(z)


def tanh(z):
    """sympy.tanh(z), with exp's shortcut for nested arguments (a nested tanh(-x) is also not
    turned into -tanh(x): deciding which sign to take out sorts the terms numerically)."""
    if _nested(z):
        return sympy.tanh(z, evaluate=False)
    return sympy.tanh(z)


def log(z):
    """sympy.log(z), with exp's shortcut for nested arguments: a cross-entropy's log(1/(1 + exp(...)))
    of nested sigmoids cost 7 ms in sympy's search for logarithm rules (log(1/x) = -log(x) needs
    the sign of x)."""
    if _nested(z):
        return sympy.log(z, evaluate=False)
    return sympy.log(z)


def divide(a, b):
    """a / b. For a sum b (real, as every exact value here is), 1/b is what sympy keeps, after
    asking b's sign and zero-ness: an evalf of the whole of a nested b. This skips the asking."""
    if b.is_Add:
        return a * sympy.Pow(b, -1, evaluate=False)
    return a / b


def relu(z):
    """max(0, z); a nested z's sign is read from 30 digits, once (sympy.Max asks it repeatedly)."""
    if _nested(z):
        value = z.evalf(30)
        if abs(value) > 1e-20:
            return z if value > 0 else sympy.Integer(0)
    return sympy.Max(0, z)


def _nested(z) -> bool:
    return any(isinstance(node, sympy.Function) for node in sympy.preorder_traversal(z))


def sigmoid(z):
    """The logistic sigmoid, exact: 1/(1 + exp(-z))."""
    return divide(sympy.Integer(1), 1 + exp(-z))


def rational(raw, param: str) -> sympy.Rational:
    """A user number (int, decimal float or "p/q" string) as an exact Rational.

    Bounded before any arithmetic: "1e999999999" would otherwise take minutes to expand."""
    if isinstance(raw, bool):
        raise BadParam(param, f"expected a number, got {raw!r}")
    if isinstance(raw, (int, Fraction, sympy.Rational)) and _too_big(raw):
        raise BadParam(param, f"{_short(raw)} is too large; numbers have at most {MAX_NUMBER_DIGITS} digits")
    if isinstance(raw, float) and math.isfinite(raw) and abs(raw) >= 10.0**MAX_NUMBER_DIGITS:
        raise BadParam(param, f"{raw!r} is too large; numbers have at most {MAX_NUMBER_DIGITS} digits")
    try:
        if isinstance(raw, (int, Fraction, sympy.Rational)):
            return sympy.Rational(raw)
        if isinstance(raw, float) and math.isfinite(raw):
            return sympy.Rational(repr(raw))  # 0.95 means 19/20, not the binary double
        if isinstance(raw, str) and _NUMBER.fullmatch(raw.strip()):
            number = Fraction(raw.strip())
            if _too_big(number):
                raise BadParam(param, f"{raw!r} is too large or too fine; numbers have at most "
                                      f"{MAX_NUMBER_DIGITS} digits")
            return sympy.Rational(number)
    except (ValueError, ZeroDivisionError, TypeError):
        pass
    raise BadParam(param, f"expected an integer or exact rational such as 3 or \"3/2\" "
                          f"(at most {MAX_NUMBER_CHARS} characters), got {_short(raw)}")


# A number as text: an integer or decimal with a two-digit exponent at most, or a fraction p/q.
_NUMBER = re.compile(r"(?=.{1,%d}$)[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?(/[+-]?\d+)?" % MAX_NUMBER_CHARS)


def _too_big(number) -> bool:
    number = Fraction(int(number.p), int(number.q)) if isinstance(number, sympy.Rational) else Fraction(number)
    limit = 10**MAX_NUMBER_DIGITS
    return abs(number.numerator) >= limit or number.denominator >= limit


def _short(raw) -> str:
    text = repr(raw) if not isinstance(raw, int) or abs(raw) < 10**MAX_NUMBER_DIGITS else "an integer"
    return text if len(text) <= 60 else text[:57] + "..."


def scalars(value):
    """Every scalar of a nested value, row-major."""
    if isinstance(value, (tuple, list)):
        for item in value:
            yield from scalars(item)
    else:
        yield value


def is_exact(value) -> bool:
    """True when every scalar is a sympy number with no floating-point part."""
    if isinstance(value, str):
        return True
    return all(
        isinstance(x, sympy.Expr) and x.is_number and not x.has(sympy.Float) for x in scalars(value)
    )


def json_map(fn, value):
    """fn of every scalar, in nested lists shaped like the value (a scalar stays a scalar)."""
    if isinstance(value, (tuple, list)):
        return [json_map(fn, item) for item in value]
    return fn(value)


def to_text(value):
    """The JSON form of an exact value: sympy strings in nested lists."""
    if isinstance(value, str):
        return value
    printer = _SubtreePrinter()
    return json_map(lambda x: _text(x, printer), value)


# What recent calls printed, built and evaluated, by subtree: a variant's answers share subtrees
# (its hidden units appear in every gradient). Pure functions of the subtree, so only speed
# depends on them; emptied when full, to bound memory.
_PRINTED: dict = {}
_BUILT: dict = {}
_FLOATS: dict = {}
_BOUNDS: dict = {}
_MEMO_ENTRIES = 20_000
_MEMO_TEXT = 2_000  # longer subtrees are not kept: the memos stay under 40 MB whatever a manifest holds


def _recent(memo: dict) -> dict:
    if len(memo) > _MEMO_ENTRIES:
        memo.clear()
    return memo


class _SubtreePrinter(StrPrinter):
    """sstr, printing each distinct subtree once: a nested form repeats its subtrees (a sigmoid
    unit in every entry of a gradient). Printing is context-free for exact values (only Floats,
    which exact values never hold, print by depth), so a subtree's text can be reused.
    order="none": sorting terms for print evaluates every term numerically (slow on nested
    exp/tanh); the parsed value is the same canonical expression either way."""

    def __init__(self):
        super().__init__({"order": "none"})
        self._seen = _recent(_PRINTED)

    def _print(self, expr, **kwargs):
        if kwargs or not isinstance(expr, sympy.Basic):
            return super()._print(expr, **kwargs)
        text = self._seen.get(expr)
        if text is None:
            text = super()._print(expr)
            if len(text) <= _MEMO_TEXT:
                self._seen[expr] = text
        return text


def _text(x, printer: StrPrinter) -> str:
    if type(x) is int or x.is_Integer:  # most answers: what sstr prints, without its printer
        return str(int(x))
    return printer.doprint(x)


_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,29})")  # as ast reads them: no leading zeros


def from_text(data):
    """Inverse of to_text. A text answer (a word or sentence) stays a string:
    exact numbers never contain free symbols."""
    if isinstance(data, (list, tuple)):
        return tuple(from_text(item) for item in data)
    if not isinstance(data, str) or len(data) > MAX_EXACT_CHARS:
        return data
    if _INTEGER.fullmatch(data):  # most answers: what the grammar gives, without ast
        return sympy.Integer(int(data))
    try:
        source = data.strip()
        if "\n" in source or "\r" in source:  # to_text writes one line; ast's offsets count within a line
            return data
        value = _exact(ast.parse(source, mode="eval").body, source.encode(), _recent(_BUILT))  # offsets count bytes
    except (_NotExact, SyntaxError, ValueError, ZeroDivisionError, RecursionError, MemoryError):
        return data
    return data if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) else value  # 1/0 is no exact value


# Decimal places of every decimal display, every part that asks for decimals and every tolerance.
PLACES = 4

_FLOAT_FUNCTIONS = {sympy.exp: math.exp, sympy.tanh: math.tanh, sympy.log: math.log, sympy.Abs: abs}


# A sum this much smaller than its largest term has lost most of its double's digits; it is
# recomputed with SPARE_DIGITS.
CANCELLATION = 1e-6
SPARE_DIGITS = 40
_PRECISE_FUNCTIONS = {sympy.exp: mpmath.exp, sympy.tanh: mpmath.tanh, sympy.log: mpmath.log, sympy.Abs: mpmath.fabs}


def to_float(x) -> float:
    """The double nearest an exact scalar, fast for nested exp/tanh trees
    (sympy's evalf takes ~10 ms on an LSTM step; this takes microseconds)."""
    try:
        return _fast_float(x)
    except OverflowError:  # exp(10000) inside a sigmoid: sympy's arbitrary precision handles it
        return float(sympy.N(x, 17))


def _fast_float(x, known: dict | None = None) -> float:
    """known: the floats of subtrees met already (a nested form repeats them)."""
    if x.is_Rational:
        return int(x.p) / int(x.q)
    known = _recent(_FLOATS) if known is None else known
    value = known.get(x)  # get, not `in` then [ ]: a memo may be emptied between the two
    if value is None:
        value = known[x] = _combine(x, [_fast_float(a, known) for a in x.args] if x.args else [])
    return value


def _precise(x, known: dict):
    """x as an mpmath number at the working precision, by _fast_float's walk."""
    if x.is_Rational:
        return mpmath.mpf(int(x.p)) / int(x.q)
    value = known.get(x)
    if value is None:
        args = [_precise(a, known) for a in x.args]
        if x.is_Add:
            value = mpmath.fsum(args)
        elif x.is_Mul:
            value = mpmath.fprod(args)
        elif x.is_Pow:
            value = args[0] ** args[1]
        elif x.func in _PRECISE_FUNCTIONS:
            value = _PRECISE_FUNCTIONS[x.func](*args)
        elif isinstance(x, (sympy.Max, sympy.Min)):
            value = (max if isinstance(x, sympy.Max) else min)(args)
        else:
            value = mpmath.mpf(str(sympy.N(x, SPARE_DIGITS)))  # constants such as pi
        known[x] = value
    return value


def _combine(x, args: list[float]) -> float:
    """The float of node x from the floats of its arguments."""
    if x.is_Add:
        total = math.fsum(args)
        if abs(total) < CANCELLATION * max(map(abs, args)):
            # 1 - sigmoid(20): the terms' rounding errors are most of what is left, so the sum
            # is taken again from the exact terms with digits to spare, by the same walk in mpmath
            # (sympy's N re-evaluates a nested tanh form for seconds)
            with mpmath.workdps(SPARE_DIGITS):
                return float(_precise(x, {}))
        return total
    if x.is_Mul:
        return math.prod(args)
    if x.is_Pow:
        return args[0] ** args[1]
    if x.func in _FLOAT_FUNCTIONS:
        return _FLOAT_FUNCTIONS[x.func](*args)
    if isinstance(x, (sympy.Max, sympy.Min)):
        return (max if isinstance(x, sympy.Max) else min)(args)
    return float(sympy.N(x, 17))  # constants such as pi and anything rarer


def rounding_error(x, places: int) -> float:
    """A first-order bound on how far a student lands from x who rounds every intermediate result
    (every node of the exact form: each sum, product, reciprocal, power and function value) to
    `places` decimals; a small value keeps 3 significant digits instead of being rounded away
    (a second moment of 0.0000605 is not 0.0001)."""
    def rounding(value: float) -> float:
        if not value or not math.isfinite(value):
            return 0.0
        digits = max(places, 2 - math.floor(math.log10(abs(value))))  # 3 significant digits at least
        return 0.5 * 10.0 ** -digits

    known = _recent(_BOUNDS)

    def bound(y) -> tuple[float, float]:
        found = known.get((y, places))
        if found is None:
            found = known[y, places] = node_bound(y)
        return found

    def node_bound(y) -> tuple[float, float]:
        """(value, error bound) of a node."""
        if y.is_Rational:
            value = int(y.p) / int(y.q)
            return value, 0.0 if terminates(y, places) else rounding(value)
        parts = [bound(a) for a in y.args]
        values = [v for v, _ in parts]
        value = _combine(y, values)  # from the children's values: each node is evaluated once
        if y.is_Add:
            spread = sum(e for _, e in parts)
        elif y.is_Mul:
            spread = sum(e * abs(math.prod(values[:i] + values[i + 1:])) for i, (_, e) in enumerate(parts))
        elif y.is_Pow:
            (base, e_base), (power, e_power) = parts
            spread = abs(power * base ** (power - 1)) * e_base + abs(value * math.log(abs(base))) * e_power \
                if base else e_base
        elif y.func is sympy.exp:
            spread = value * parts[0][1]
        elif y.func is sympy.tanh:
            spread = (1 - value * value) * parts[0][1]
        elif y.func is sympy.log:
            spread = parts[0][1] / abs(values[0])
        else:
            spread = 0.0  # constants (pi, E) are read off a calculator in full
        return value, spread + rounding(value)

    try:
        return bound(x)[1]
    except (ZeroDivisionError, OverflowError, ValueError):
        return 0.0


def to_number(x):
    """A JSON number for one exact scalar: int when integral, else float."""
    if x.is_Integer:
        return int(x)
    return to_float(x)


def to_numbers(value):
    """JSON numbers in nested lists, shaped like the value."""
    return value if isinstance(value, str) else json_map(to_number, value)


def terminates(x, places: int) -> bool:
    """A rational whose decimals end within `places` places (3/8, not 1/3)."""
    return x.is_Rational and (Fraction(int(x.p), int(x.q)) * 10**places).denominator == 1


def decimal(x, places: int = PLACES) -> str:
    """Display string for one scalar: exact when it terminates within `places` decimals, else
    rounded to `places` decimal places (never significant figures: "0.0080", not "0.008033")."""
    if x.is_Integer:
        return str(int(x))
    if terminates(x, places):
        return f"{float(x):.{places}f}".rstrip("0")
    number = float(sympy.N(x, 17)) if x.is_Rational else to_float(x)  # rationals: no double-rounding at a tie
    return f"{number:.{places}f}"


def is_matrix(value) -> bool:
    """A tuple of equally long tuples (a ragged one is a list of tuples instead)."""
    return (isinstance(value, tuple) and bool(value) and all(isinstance(r, tuple) for r in value)
            and len({len(r) for r in value}) == 1)


def latex_scalar(x) -> str:
    if type(x) is int or x.is_Integer:  # what sympy.latex prints, without its printer
        return str(int(x))
    # ln, as every statement writes the natural log (sympy's log is natural; a base-2 log is ln/ln 2)
    return sympy.latex(x, order="none", ln_notation=True)


# a run of five or more digits that is not a decimal's fractional part
_LONG_INTEGER = re.compile(r"(?<![\d.])\d{5,}")


def grouped(text: str) -> str:
    """Integers of five or more digits in LaTeX grouped by thin spaces (671\\,088\\,640), as a
    grader reads them; the digits after a decimal point are left alone."""
    return _LONG_INTEGER.sub(lambda m: format(int(m.group(0)), ",").replace(",", r"\,"), text)


def latex(value, scalar=latex_scalar) -> str:
    """LaTeX for a scalar, a vector (row tuple) or a matrix (bmatrix); long integers grouped."""
    return _laid_out(value, lambda x: grouped(scalar(x)))


def _laid_out(value, scalar) -> str:
    if isinstance(value, str):
        return r"\text{" + value + "}"
    if isinstance(value, tuple) and value and isinstance(value[0], tuple) and not is_matrix(value):
        return r",\ \allowbreak ".join(_laid_out(row, scalar) for row in value)  # ragged: tuples that may wrap
    if is_matrix(value):
        rows = (" & ".join(scalar(x) for x in row) for row in value)
        return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"
    if isinstance(value, tuple):
        entries = r",\ \allowbreak ".join(scalar(x) for x in value)
        # no \left: the vector may wrap; \bigl is as tall as a fraction and breaks
        return (r"\bigl(" + entries + r"\bigr)") if r"\frac" in entries else "(" + entries + ")"
    return scalar(value)


def decimal_latex(value) -> str:
    """LaTeX of the decimal display of a value, same layout as latex()."""
    return latex(value, scalar=decimal)
