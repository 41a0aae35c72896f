"""For every generator and every seed: the sampled variant is well-posed, exact,
hand-solvable within the declared bounds, and fully rendered."""

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from generators.bn import statistics
from generators.conv import output_shape, shape
from generators.rnn import unroll
from qbank.core import registry
from qbank.core.exact import decimal_latex, is_exact, scalars, to_float
from qbank.core.generator import make_variant, params_of, render_variant

seeds = st.integers(min_value=0, max_value=2**63 - 1)
GENERATORS = sorted(registry.registry())


def variant_and_params(gen_id, seed):
    gen = registry.get(gen_id)
    variant = make_variant(gen, seed)
    return gen, variant, params_of(gen, variant)


def assert_well_posed_exact_and_within_bounds(gen_id, seed):
    gen, variant, params = variant_and_params(gen_id, seed)
    gen.check(params)  # the sampler never produces what check() would reject
    for name, answer in variant.answers.items():
        assert is_exact(answer.exact), f"{gen_id} seed {seed}: answer {name} is not exact: {answer.exact}"
        for x in () if isinstance(answer.exact, str) else scalars(answer.exact):
            assert abs(to_float(x)) <= gen.max_abs, f"{gen_id} seed {seed}: {name} = {x} exceeds {gen.max_abs}"
            if x.is_Rational and gen.max_denominator is not None:
                assert x.q <= gen.max_denominator, f"{gen_id} seed {seed}: {name} = {x} has a large denominator"


@pytest.mark.parametrize("gen_id", GENERATORS)
@given(seed=seeds)
def test_every_sampled_variant_is_well_posed_exact_and_within_bounds(gen_id, seed):
    assert_well_posed_exact_and_within_bounds(gen_id, seed)


# Seeds that a local (non-derandomised) hypothesis run once found failing: each stays a
# regression example here, so CI checks it on every run. Add new finds as (generator, seed).
REGRESSION_SEEDS = [
    ("info.divergence", 2507491198),  # kl_pq = 1/8 broke a declared max_denominator of 1
]


@pytest.mark.parametrize("gen_id, seed", REGRESSION_SEEDS)
def test_seeds_that_once_failed_stay_well_posed_and_within_bounds(gen_id, seed):
    assert_well_posed_exact_and_within_bounds(gen_id, seed)


@pytest.mark.parametrize("gen_id", GENERATORS)
@given(seed=seeds)
def test_every_variant_renders_its_parts_and_a_solution_showing_every_answer(gen_id, seed):
    gen, variant, _ = variant_and_params(gen_id, seed)
    rendered = render_variant(gen, variant)
    assert rendered.statement.strip() and rendered.parts
    asked = [name for part in rendered.parts for name in part.answers]
    assert len(asked) == len(set(asked)) and set(asked) <= set(variant.answers)
    in_decimals = {name for part in rendered.parts if part.decimals for name in part.answers}
    for name, answer in variant.answers.items():
        # an answer in words is shown as words
        shown = (answer.exact if isinstance(answer.exact, str) else
                 decimal_latex(answer.exact) if name in in_decimals else answer.latex)
        assert shown in rendered.solution, f"{gen_id} seed {seed}: solution does not show {name} as asked"
        if name not in asked:  # an answer nobody is asked for must be trivial: 0 or an asked value
            assert answer.exact == 0 or any(answer.exact == variant.answers[a].exact for a in asked)


@pytest.mark.parametrize("gen_id", GENERATORS)
@given(seed=seeds)
def test_same_seed_gives_the_same_variant_and_json_round_trips(gen_id, seed):
    gen = registry.get(gen_id)
    first, second = make_variant(gen, seed), make_variant(gen, seed)
    assert first.to_json() == second.to_json()
    from qbank.core.model import Variant
    again = Variant.from_json(first.to_json())
    assert again == first and again.answers == first.answers


@given(seed=seeds)
def test_conv_outputs_tile_exactly_and_stay_small(seed):
    _, _, p = variant_and_params("conv.image_kernel", seed)
    (h, w), (kh, kw) = shape(p["image"]), shape(p["kernel"])
    assert (h + 2 * p["padding"] - kh) % p["stride"] == 0 and (w + 2 * p["padding"] - kw) % p["stride"] == 0
    assert 4 <= h <= 7 and 4 <= w <= 7 and kh in (2, 3)
    oh, ow = output_shape((h, w), (kh, kw), p["stride"], p["padding"])
    assert oh * ow <= 16


@given(seed=seeds)
def test_rnn_variants_never_hit_relu_at_zero_and_keep_the_last_step_alive(seed):
    _, _, p = variant_and_params("rnn.relu_derivatives", seed)
    steps = unroll(p)
    assert all(s["z"] != 0 for s in steps)
    assert steps[-1]["z"] > 0
    assert 2 <= len(p["x"]) <= 4


def test_some_rnn_variants_have_a_dead_step_and_some_do_not():
    dead = [any(s["z"] < 0 for s in unroll(variant_and_params("rnn.relu_derivatives", seed)[2]))
            for seed in range(200)]
    assert 0.1 < sum(dead) / len(dead) < 0.9


@given(seed=seeds)
def test_bn_variants_have_integer_means_and_integer_nonzero_std(seed):
    _, variant, p = variant_and_params("bn.statistics", seed)
    mean, var = statistics(p)
    assert all(m.is_Integer for m in mean)
    assert all(s.is_Integer and s > 0 for s in variant.answers["std"].exact)
    assert 2 <= len(p["z"]) <= 6 and 1 <= len(p["z"][0]) <= 4


@given(seed=seeds)
def test_lstm_variants_state_the_framework_convention(seed):
    gen, variant, p = variant_and_params("lstm.param_count", seed)
    statement = render_variant(gen, variant).statement
    assert ("PyTorch" in statement) == (p["convention"] == "pytorch")
    assert ("Keras" in statement) == (p["convention"] == "keras")


# Generators whose whole variant space is small: every variant should turn up.
SMALL_SPACES: dict[str, int] = {}


def test_different_seeds_give_different_variants():
    for gen_id in GENERATORS:
        gen = registry.get(gen_id)
        params = {str(make_variant(gen, seed).params) for seed in range(40)}
        assert len(params) == SMALL_SPACES[gen_id] if gen_id in SMALL_SPACES else len(params) > 20, gen_id


def test_answers_are_sympy_numbers_not_floats():
    for gen_id in GENERATORS:
        variant = make_variant(registry.get(gen_id), 1)
        for answer in variant.answers.values():
            assert not any(isinstance(x, (float, sympy.Float)) for x in scalars(answer.exact))


@given(seed=seeds)
def test_lif_variants_use_short_decimals_and_some_but_not_all_steps_spike(seed):
    _, variant, p = variant_and_params("snn.lif", seed)
    for name in ("w", "b", "beta", "threshold"):
        assert (p[name] * 100).is_Integer, f"seed {seed}: {name} = {p[name]} is not a 2-decimal number"
    for v in variant.answers["v"].exact:  # membrane values are decimals a calculator shows in full
        assert (v * 10**8).is_Integer
    assert 0 < sum(variant.answers["y"].exact) < len(p["x"]) <= 4
