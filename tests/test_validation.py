"""Ill-posed or malformed pins are rejected with the parameter named."""

import pytest

from qbank import registry
from qbank.errors import BadParam, IllPosed, QbankError
from qbank.generator import make_variant

IMAGE = [[1, 2, 3, 4, 5]] * 5
CASES = [
    ("conv.image_kernel", {"image": [[1, 2], [3, 4]], "kernel": [[1, 1, 1]] * 3, "padding": 0}, "kernel"),
    ("conv.image_kernel", {"image": IMAGE, "kernel": [[1, 1]] * 2, "stride": 2, "padding": 0}, "stride"),
    ("conv.image_kernel", {"image": IMAGE, "kernel": [[1]], "stride": 1, "padding": 0, "upstream": [[1, 1]]}, "upstream"),
    ("conv.image_kernel", {"image": [[1, 2], [3]]}, "image"),
    ("conv.image_kernel", {"stride": 0}, "stride"),
    ("conv.image_kernel", {"padding": -1}, "padding"),
    ("conv.image_kernel", {"strides": 2}, "strides"),
    ("conv.image_kernel", {"kernel": [[1, "a"]]}, "kernel[1][2]"),
    ("rnn.relu_derivatives", {"x": [1]}, "x"),
    ("rnn.relu_derivatives", {"x": [1, 2, 3, 4, 5]}, "x"),
    ("rnn.relu_derivatives", {"relu_grad_at_zero": 2}, "relu_grad_at_zero"),
    ("rnn.relu_derivatives", {"V": "x"}, "V"),
    ("lstm.param_count", {"convention": "tensorflow"}, "convention"),
    ("lstm.param_count", {"hidden_size": 0}, "hidden_size"),
    ("lstm.param_count", {"hidden_size": 2.5}, "hidden_size"),
    ("lstm.param_count", {"bias": "yes"}, "bias"),
    ("lstm.param_count", {"output_size": -1}, "output_size"),
    ("bn.statistics", {"z": [[1, 2], [1, 3]]}, "z"),  # zero variance in feature 1 with eps 0
    ("bn.statistics", {"z": [[1, 2]]}, "z"),
    ("bn.statistics", {"z": [[1, 2], [3, 5]], "gamma": [1]}, "gamma"),
    ("bn.statistics", {"z": [[1, 2], [3, 5]], "beta": [1, 2, 3]}, "beta"),
    ("bn.statistics", {"eps": -1}, "eps"),
]


@pytest.mark.parametrize("gen_id, pins, param", CASES)
def test_bad_pin_is_rejected_naming_the_parameter(gen_id, pins, param):
    with pytest.raises(BadParam) as err:
        make_variant(registry.get(gen_id), 0, pins)
    assert err.value.param == param
    assert f"'{param}'" in str(err.value) and "\n" not in str(err.value)


def test_ill_posed_pins_are_ill_posed_not_just_malformed():
    with pytest.raises(IllPosed):
        make_variant(registry.get("bn.statistics"), 0, {"z": [[1, 2], [1, 3]]})


def test_zero_variance_is_fine_with_positive_eps():
    variant = make_variant(registry.get("bn.statistics"), 0, {"z": [[1, 2], [1, 3]], "eps": "1/100"})
    assert variant.answers["z_norm"].exact[0][0] == 0


def test_misspelt_parameter_suggests_the_right_one():
    with pytest.raises(BadParam, match="did you mean 'stride'"):
        make_variant(registry.get("conv.image_kernel"), 0, {"strid": 2})


def test_unknown_generator_suggests_close_ids():
    with pytest.raises(QbankError, match="did you mean conv.image_kernel"):
        registry.get("conv.image_kernl")


def test_decimal_floats_are_read_as_exact_rationals():
    variant = make_variant(registry.get("bn.statistics"), 0, {"z": [[0.5, 1], [1.5, 2]], "gamma": [1, 1], "beta": [0.25, 0]})
    assert variant.params["z"] == [["1/2", 1], ["3/2", 2]]
    assert variant.answers["mean"].exact == (1, sympy_rational("3/2"))


def sympy_rational(text):
    import sympy
    return sympy.Rational(text)
