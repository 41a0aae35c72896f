"""The engine's own guarantees: stable seeds, exact values, lossless JSON, validated plugins."""

import types

import pytest
import sympy

from qbank.core import exact, registry
from qbank.core.errors import QbankError
from qbank.core.exact import from_text, to_text
from qbank.core.generator import Generator
from qbank.core.model import Answer, Variant
from qbank.core.params import Int
from qbank.core.seeding import derive_seed, variant_rng


def test_derived_seeds_are_pinned_constants_on_every_machine():
    # SHA-256 based: if these change, every published exam's versions change.
    assert derive_seed("exam", 1, 2) == derive_seed("exam", 1, 2)
    assert derive_seed("exam", 1, 2) != derive_seed("exam", 2, 1)
    assert derive_seed(7, "A", 0) == 2625780981776113245  # sha256(b'[7,"A",0]'), first 8 bytes >> 1
    assert [int(x) for x in variant_rng(7, "conv.image_kernel", 1).integers(0, 100, 5)] == [95, 21, 88, 92, 90]


def test_rationals_parse_exactly_from_ints_strings_and_decimal_floats():
    assert exact.rational(3, "p") == 3
    assert exact.rational("3/2", "p") == sympy.Rational(3, 2)
    assert exact.rational(0.95, "p") == sympy.Rational(19, 20)
    for bad in (True, "abc", float("nan"), None, "1/0"):
        with pytest.raises(QbankError, match="'p'"):
            exact.rational(bad, "p")


@pytest.mark.parametrize("value", [
    sympy.Integer(-4), sympy.Rational(-7, 3), sympy.sqrt(2) / 3, 1 / (1 + sympy.exp(-3)), sympy.tanh(sympy.Rational(1, 2)),
    (sympy.Integer(1), sympy.Rational(1, 2)), ((sympy.Integer(1), sympy.sqrt(5)), (sympy.Integer(0), sympy.Integer(-2))),
])
def test_exact_values_survive_the_json_text_round_trip(value):
    assert exact.from_text(exact.to_text(value)) == value


@pytest.mark.parametrize("text", ["saddle", "the cell state: long-term memory", "minimum"])
def test_text_answers_survive_the_json_text_round_trip(text):
    assert exact.from_text(exact.to_text(text)) == text


def test_each_entry_of_a_vector_has_the_tolerance_of_its_own_working():
    """A small entry beside one whose working loses more keeps its own, tighter tolerance."""
    lossy = 1 - sympy.log(1 - sympy.Rational(999, 1000) + sympy.exp(-8))  # -ln(1 - a) near a = 1: lossy
    answer = Answer.of((sympy.Rational(1, 3), lossy, sympy.Integer(2)))
    tight, loose, whole = answer.tolerances
    assert tight == pytest.approx(1e-4) and loose > 10 * tight and whole == 0
    assert answer.tolerance == loose


def test_decimal_display_and_tolerance_follow_the_exact_value():
    assert Answer.of(sympy.Rational(3, 8)).decimal == "0.375"
    assert Answer.of(sympy.Rational(3, 8)).tolerance == 0
    third = Answer.of(sympy.Rational(1, 3))
    assert third.decimal == "0.3333" and third.tolerance == pytest.approx(1e-4)
    tiny = Answer.of(1 / (1 + sympy.exp(9)))
    assert tiny.decimal == "0.0001"  # 4 decimal places, as the statements ask; never significant figures
    assert abs(float(tiny.decimal) - float(tiny.exact)) <= tiny.tolerance


def test_variant_json_matches_the_documented_shape():
    answers = {"m": Answer.of(((sympy.Integer(1), sympy.Rational(1, 2)),)), "s": Answer.of(sympy.sqrt(2))}
    data = Variant("a.b", 1, 5, {"k": 1}, answers).to_json()
    assert data["answers"]["m"] == {"exact": [["1", "1/2"]], "value": [[1, 0.5]]}
    assert data["answers"]["s"]["exact"] == "sqrt(2)"
    assert data["answers"]["s"]["value"] == pytest.approx(2 ** 0.5, abs=1e-15)


def test_the_bundled_bank_is_found_through_entry_points():
    assert {"conv.image_kernel", "lstm.param_count", "rnn.relu_derivatives", "bn.statistics"} <= set(registry.registry())


def test_a_broken_generator_is_rejected_at_load_with_its_name(monkeypatch):
    class Broken(Generator):
        id = "Not An Id"
        params = {"n": Int(1, 2)}

    module = types.ModuleType("fake_bank")
    Broken.__module__ = "fake_bank"
    module.Broken = Broken

    class FakeEntryPoint:
        name, value = "fake", "fake_bank"

        def load(self):
            return module

    monkeypatch.setattr(registry, "entry_points", lambda group: [FakeEntryPoint()])
    registry.registry.cache_clear()
    try:
        with pytest.raises(QbankError, match=r"Broken in fake_bank needs an id like 'family.name'; a title; a sample\(\)"):
            registry.registry()
    finally:
        registry.registry.cache_clear()


@pytest.mark.parametrize("payload", [
    '__import__("os").system("touch {marker}")',
    'exp.__globals__["__builtins__"]["__import__"]("os").system("touch {marker}")',
    '().__class__.__bases__[0].__subclasses__()',
    'Symbol("x").__class__.__init__.__globals__',
    'exec("open(\'{marker}\', \'w\')")',
    '2**10**10',
    '(9**9)**(9**9)',
    'exp(' * 500 + '1' + ')' * 500,
    '1' * 5000,
    '1/0',
])
def test_an_exact_string_is_parsed_never_run(payload, tmp_path):
    """A manifest's exact strings are data: a crafted one is a plain text answer, quickly."""
    marker = tmp_path / "ran"
    text = payload.replace("{marker}", str(marker))
    value = from_text(text)
    assert value == text and not marker.exists()


def test_exact_strings_of_every_kind_qbank_writes_round_trip():
    for value in (sympy.Rational(-3, 7), 1 / (1 + sympy.exp(-sympy.Rational(1, 2))), sympy.sqrt(10) / 100,
                  sympy.log(2) / 2 - sympy.tanh(sympy.Rational(3, 2)), sympy.Abs(sympy.pi - 4), sympy.E ** 2):
        assert from_text(to_text(value)) == value


def test_repeated_subtrees_print_and_parse_as_sympy_does_whatever_was_seen_before():
    """to_text and from_text reuse what they printed and built for a repeated subtree (a hidden
    unit in every entry of a gradient): the text is sstr's and the value the same, cold or warm."""
    unit = 1 / (1 + sympy.exp(-sympy.Rational(3, 2)))
    value = ((2 * unit - 1, unit * (1 - unit)), (sympy.log(1 + sympy.exp(unit)), unit**2 + unit))
    text = to_text(value)
    assert text == [[sympy.sstr(x, order="none") for x in row] for row in value]
    for memo in (exact._PRINTED, exact._BUILT):
        memo.clear()
    cold = from_text(text)
    warm = from_text(text)
    assert cold == warm
    assert [float(x) for row in cold for x in row] == pytest.approx([float(x) for row in value for x in row], rel=1e-15)


def test_an_exact_string_broken_over_lines_is_text():
    assert from_text("1 +\n2") == "1 +\n2"


def test_the_subtree_memos_keep_no_long_text_whatever_a_manifest_holds():
    """A crafted balanced sum of 2,048 terms (16 KB) would have every level's text kept."""
    def balanced(lo: int, hi: int) -> str:
        return str(lo) if lo == hi else f"({balanced(lo, (lo + hi) // 2)} + {balanced((lo + hi) // 2 + 1, hi)})"

    text = balanced(1, 2048)
    assert len(text) > 8 * exact._MEMO_TEXT and from_text(text) == 2048 * 2049 // 2
    assert max(map(len, exact._BUILT)) <= exact._MEMO_TEXT
    to_text(sympy.Add(*[sympy.exp(sympy.Rational(i, 7)) for i in range(1, 400)], evaluate=False))
    assert max(map(len, exact._PRINTED.values())) <= exact._MEMO_TEXT
