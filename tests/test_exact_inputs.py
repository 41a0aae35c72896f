"""Generators never convert their parameters: params are parsed once, into their declared types
(qbank.core.params), so a conversion inside a generator can only lose what was pinned, as
sympy.Integer("1/2") truncating a fractional upstream to 0 did."""

import ast
from pathlib import Path

import pytest

GENERATORS = sorted((Path(__file__).parent.parent / "generators").glob("*.py"))
CONVERSIONS = {"int", "float", "round", "str", "Integer", "Float", "Rational", "Fraction", "nsimplify",
               "sympify", "S", "Decimal"}
PARAMS = {"p", "params"}


def _name(func) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _reads_a_parameter(node) -> bool:
    """p["x"], p["x"][0], params["w"].y ...: anything indexed out of a generator's params."""
    return any(isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and sub.value.id in PARAMS
               for sub in ast.walk(node))


def conversions_of_parameters(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node.func) in CONVERSIONS and any(
                _reads_a_parameter(arg) for arg in node.args):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", GENERATORS, ids=lambda path: path.name)
def test_no_generator_converts_a_parameter(path):
    assert conversions_of_parameters(path.read_text()) == []


@pytest.mark.parametrize("line", ['int(p["stride"])', 'sympy.Integer(p["upstream"])', 'float(params["w"][0])',
                                  'S(p["x"]) + 1', 'round(p["lr"] * 10)'])
def test_the_check_sees_each_kind_of_conversion(line):
    assert len(conversions_of_parameters(line)) == 1


def test_the_check_lets_drawn_values_and_parameter_arithmetic_through():
    assert conversions_of_parameters('sympy.Rational(d.integer(1, 9), 10)\nlen(p["x"]) + p["y"] * 2') == []
