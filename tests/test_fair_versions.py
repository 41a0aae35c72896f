"""Fair versions: every version of an exam slot has one form, versions differ in their answers,
no sampled variant is degenerate, and an exam without calculators gets hand-sized answers."""

import math
import os
from fractions import Fraction
from pathlib import Path

import pytest
import sympy

from qbank.cli import main
from qbank.core import registry
from qbank.core.errors import QbankError
from qbank.core.exact import PLACES, decimal, scalars, to_float
from qbank.core.generator import Generator, make_variant, params_of, rejection, render_variant
from qbank.core.model import Answer
from qbank.exam import spec
from qbank.exam.plan import plan

GENERATORS = sorted(registry.registry())
SLOT_VERSIONS = 200
# Seeds per generator for the degeneracy and hand-size sweeps.
FAIR_SEEDS = int(os.environ.get("QBANK_FAIR_SEEDS", "600"))

# Without a calculator a rational answer has a denominator of at most 100; init.variance's
# variances are 1/fan with fans that are layer widths in the hundreds (1/650 is still by hand).
LARGE_DENOMINATORS = {"init.variance": 10**4}


def one_slot_spec(gen_id: str, versions: int, seed: int):
    text = f'[exam]\ntitle = "t"\nseed = {seed}\nversions = {versions}\ncalculator = true\n' \
           f'[[question]]\ngenerator = "{gen_id}"\npoints = 10\n'
    return spec.parse(text, "test spec", base=Path("."))


def shape_of(value):
    if isinstance(value, str):
        return "text"
    if isinstance(value, tuple):
        return tuple(shape_of(v) for v in value) if value and isinstance(value[0], tuple) else len(value)
    return ()


def fingerprint(question) -> tuple:
    """What a student compares with a neighbour: parts, points, answer shapes, the declared form."""
    parts = tuple((part.answers, points) for part, points in zip(question.rendered.parts, question.part_points))
    shapes = tuple(sorted((name, shape_of(a.exact)) for name, a in question.variant.answers.items()))
    return parts, shapes, repr(sorted(question.variant.form.items()))


@pytest.mark.parametrize("gen_id", GENERATORS)
@pytest.mark.parametrize("master_seed", [7, 2026])  # two exams, so two forms of each generator
def test_every_version_of_a_slot_has_one_form_and_most_have_their_own_answers(gen_id, master_seed):
    questions = [version.questions[0] for version in plan(one_slot_spec(gen_id, SLOT_VERSIONS, master_seed))]
    forms = {fingerprint(q) for q in questions}
    assert len(forms) == 1, f"{gen_id}: {len(forms)} forms in one slot, e.g. {sorted(forms, key=repr)[:2]}"
    distinct = len({repr(sorted(q.variant.to_json()["answers"].items())) for q in questions})
    assert distinct >= 0.9 * SLOT_VERSIONS, f"{gen_id}: only {distinct} distinct answer sets"


def test_a_slot_form_comes_from_the_master_seed():
    forms = {repr(sorted(plan(one_slot_spec("conv.output_shape", 1, seed))[0].questions[0].variant.form.items()))
             for seed in range(12)}
    assert len(forms) > 3  # other exams draw other forms


def all_zero(answers) -> bool:
    values = [x for a in answers.values() if not isinstance(a.exact, str) for x in scalars(a.exact)]
    return all(x == 0 for x in values)


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_no_sampled_variant_is_degenerate_and_hand_sized_without_a_calculator(gen_id):
    gen = registry.get(gen_id)
    bound = LARGE_DENOMINATORS.get(gen_id, 100)
    for seed in range(FAIR_SEEDS):
        variant = make_variant(gen, seed)
        p = params_of(gen, variant)
        assert not all_zero(variant.answers), f"{gen_id} seed {seed}: every answer is 0"
        assert gen.degenerate(p, variant.answers) is None, f"{gen_id} seed {seed}: {gen.degenerate(p, variant.answers)}"
        if gen.calculator:
            continue
        for name, answer in variant.answers.items():
            for x in () if isinstance(answer.exact, str) else scalars(answer.exact):
                assert not x.has(sympy.exp, sympy.log, sympy.tanh), f"{gen_id} seed {seed}: {name} = {x} needs a calculator"
                if x.is_Rational:
                    assert x.q <= bound, f"{gen_id} seed {seed}: {name} = {x} is not a small fraction"


def sample(gen_id, n=300):
    gen = registry.get(gen_id)
    return [(v, params_of(gen, v)) for v in (make_variant(gen, seed) for seed in range(n))]


def test_the_degenerate_cases_found_in_review_never_turn_up():
    """Each checked on its own terms, not through the generators' declarations."""
    for v, p in sample("optim.momentum_step"):
        assert p["a"] * p["p0"] + p["b"] != 0, "starts at the minimum"
        assert any(x != 0 for x in v.answers["velocity"].exact)
    for v, p in sample("optim.gd_steps"):
        path = (p["p0"], *v.answers["p"].exact)
        assert len(set(path)) == len(path), f"gd_steps stalls: {path}"
    for v, _ in sample("graph.skip_connection"):
        assert any(a.exact != 0 for a in v.answers.values())
    for _, p in sample("info.divergence"):
        assert p["p"] != p["q"]
    for v, _ in sample("bn.statistics"):
        assert any(abs(x) != 1 for row in v.answers["z_norm"].exact for x in row)
    for v, _ in sample("conv.multiplications"):
        assert len(v.answers["per_layer"].exact) >= 2
    for v, _ in sample("perceptron.epoch"):
        assert v.answers["mistakes"].exact > 0
    for v, _ in sample("rnn.forward", 100):
        assert any(x != 0 for x in scalars(v.answers["h"].exact))
    for _, p in sample("conv.transposed"):
        assert p["kernel_values"] is None or 0 not in p["kernel_values"]
    for v, _ in sample("lstm.forward", 100):
        assert any(x != 0 for x in v.answers["h"].exact)


def test_the_sampled_distribution_covers_what_the_questions_teach():
    pools = [p for _, p in sample("conv.pool")]
    assert any(p["stride"] < p["size"] for p in pools), "no overlapping pooling windows"
    assert any(p["stride"] == p["size"] for p in pools)
    assert all(any(x != 1 for row in p["upstream"] for x in row) for p in pools)
    shapes = [p for _, p in sample("conv.output_shape")]
    floors = [(p["height"] + 2 * p["padding"] - p["dilation"] * (p["kernel_h"] - 1) - 1) % p["stride"] != 0
              for p in shapes]
    assert 0.1 < sum(floors) / len(floors) < 0.9, "the floor in the output size is never (or always) needed"


def test_an_exam_without_calculators_refuses_a_calculator_question_at_load():
    text = '[exam]\ntitle = "t"\n[[question]]\npool = ["vit.patch_embedding", "loss.bce_grad"]\npoints = 5\n'
    with pytest.raises(QbankError, match=r"question 1 \(loss.bce_grad\) needs a calculator.*calculator = true"):
        spec.parse(text, "exam.toml", Path("."))
    assert spec.parse(text.replace('"t"\n', '"t"\ncalculator = true\n'), "exam.toml", Path(".")).calculator


def test_an_unknown_pool_member_is_reported_at_load_not_when_drawn():
    text = '[exam]\ntitle = "t"\n[[question]]\npool = ["conv.image_kernel", "conv.image_kernl"]\npoints = 5\n'
    with pytest.raises(QbankError, match=r"exam.toml: question 1: unknown generator 'conv.image_kernl'"):
        spec.parse(text, "exam.toml", Path("."))


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_describe_lists_parameters_form_parts_and_calculator(gen_id, capsys):
    assert main(["describe", gen_id]) == 0
    out = capsys.readouterr().out
    gen = registry.get(gen_id)
    assert out.startswith(f"{gen_id} v{gen.version}")
    assert ("needed" if gen.calculator else "not needed") in out.splitlines()[1]
    for name in gen.params:
        assert f"  {name} " in out
    assert "(a) " in out


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_describe_says_what_a_generator_refuses_beyond_its_ranges(gen_id, capsys):
    """A generator whose check() refuses pins declares each refusal, and describe prints it."""
    gen = registry.get(gen_id)
    if type(gen).check is not Generator.check:
        assert gen.refuses, f"{gen_id} refuses pins in check() but declares no `refuses`"
    main(["describe", gen_id])
    after = capsys.readouterr().out.split("refused within these ranges:\n")[1].splitlines()
    refused = [line for line in after[:len(gen.refuses) + 2] if line.startswith("  - ")]
    assert refused == [f"  - {limit}" for limit in gen.refuses] + [
        "  - pins whose exact answer runs past 20,000 characters"]


def test_decimals_are_decimal_places_and_the_tolerance_is_one_unit_of_the_last_place():
    assert decimal(sympy.Rational(1, 123)) == "0.0081"
    small = Answer.of(sympy.tanh(sympy.Rational(1, 100)))
    assert small.decimal == "0.0100" and small.tolerance == pytest.approx(1e-4)  # not 0.005
    answer = Answer.of(sympy.Rational(1, 123))  # 0.00813...: 0.0081 and 0.0082 are in, 0.0080 and 0.0083 out
    assert abs(0.0083 - 1 / 123) > answer.tolerance >= abs(0.0082 - 1 / 123)
    assert abs(0.0080 - 1 / 123) > answer.tolerance >= abs(0.0081 - 1 / 123)


DECIMAL_GENERATORS = [g for g in GENERATORS if registry.get(g).calculator]


@pytest.mark.parametrize("gen_id", DECIMAL_GENERATORS)
def test_the_tolerance_accepts_rounded_answers_and_rejects_a_wrong_third_decimal(gen_id):
    gen = registry.get(gen_id)
    unit = 10.0 ** -PLACES
    for seed in range(200):
        variant = make_variant(gen, seed)
        for part in render_variant(gen, variant).parts:
            if part.decimals is None:
                continue
            assert part.decimals == PLACES and f"Give {PLACES} decimal places." in part.prompt
            for name in part.answers:
                answer = variant.answers[name]
                for x, tolerance in zip(scalars(answer.exact), scalars(answer.tolerances)):  # each entry its own
                    value = to_float(x)
                    correctly_rounded = round(value, PLACES)
                    assert abs(correctly_rounded - value) <= tolerance, f"{gen_id} seed {seed} {name}"
                    # a first-order worst case of every intermediate rounding: at most 1 % of the value or
                    # 25 units of the last place (cancellation, as in -ln(1 - a) for a near 1 or in Adam's
                    # m/sqrt(v), where it ignores that the errors of m and v cancel, costs that much)
                    assert tolerance <= max(25 * unit, abs(value) / 100), \
                        f"{gen_id} seed {seed} {name} = {value}: tolerance {tolerance}"
                assert answer.tolerance == max(scalars(answer.tolerances))


def test_a_variant_whose_roundings_swamp_the_places_asked_is_never_drawn_and_named_when_pinned():
    """A large output gradient times rounded sigmoid derivatives: rounding every intermediate to 4
    places moves a small entry of W1 after the step by 46 units of the last place, more than 1 % of
    it, so 4 places cannot be graded."""
    gen = registry.get("mlp.backprop")
    pins = {"x": [-1, -2], "y": -2, "W1": [[-1, 1], [-2, "-1/2"], [-1, "1/2"]], "b1": [-1, 0, -1], "W2": [[2, 2, -2]],
            "b2": 1, "hidden_activation": "sigmoid", "loss": "mse", "lr": "1/2"}
    pinned = make_variant(gen, 0, pins)  # pins are answered as asked
    assert "rounding intermediate results to 4 places moves W1_new" in rejection(gen, params_of(gen, pinned), pinned.answers)
    del pins["y"]
    drawn = make_variant(gen, 0, pins)  # a drawn target that keeps the gradient small instead
    assert rejection(gen, params_of(gen, drawn), drawn.answers) is None


def test_a_student_rounding_every_lstm_step_to_4_places_is_inside_the_tolerance():
    """An independent student: plain floats, each gate and state rounded before the next step uses it."""
    gen = registry.get("lstm.forward")
    sigma = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    for seed in range(300):
        variant = make_variant(gen, seed)
        p = variant.params
        w = {k: [float(Fraction(str(v))) for v in p["weights"][k]] for k in "ifog"}
        h, c = float(Fraction(str(p["h0"]))), float(Fraction(str(p["c0"])))
        for t, x in enumerate(float(Fraction(str(x))) for x in p["x"]):
            z = {k: round(w[k][0] * x + w[k][1] * h + w[k][2], PLACES) for k in "ifog"}
            gates = {k: round(sigma(z[k]), PLACES) for k in "ifo"} | {"g": round(math.tanh(z["g"]), PLACES)}
            c = round(gates["f"] * c + gates["i"] * gates["g"], PLACES)
            h = round(gates["o"] * round(math.tanh(c), PLACES), PLACES)
            for name, value in gates.items() | {"c": c, "h": h}.items():
                answer = variant.answers[name]
                assert abs(value - to_float(answer.exact[t])) <= answer.tolerances[t], \
                    f"seed {seed} {name}_{t + 1}: {value} vs {to_float(answer.exact[t])} (tolerance {answer.tolerances[t]})"
