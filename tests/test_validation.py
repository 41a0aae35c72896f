"""Ill-posed or malformed pins are rejected with the parameter named."""

import pytest

from qbank.core import registry
from qbank.core.errors import BadParam, IllPosed, QbankError
from qbank.core.generator import make_variant

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


CONV_FAMILY_CASES = [
    ("conv.output_shape", {"height": 4, "width": 4, "kernel_h": 7, "kernel_w": 7, "padding": 0}, "kernel_h"),
    ("conv.output_shape", {"dilation": 0}, "dilation"),
    ("conv.params", {"framework": "jax"}, "framework"),
    ("conv.network_summary", {"input": [32, 32, 3], "layers": [{"type": "dense", "units": 3}]}, "layers[1]"),
    ("conv.network_summary", {"input": [32, 32, 3], "layers": [{"type": "conv", "filters": 4, "kernel": 4,
                                                                 "padding": "same"}]}, "layers[1]"),
    ("conv.network_summary", {"input": [32, 32, 3], "layers": [{"type": "conv", "filters": 4}]}, "layers[1].kernel"),
    ("conv.network_summary", {"input": [32, 32, 3], "layers": [{"type": "dropout"}]}, "layers[1].type"),
    ("conv.network_summary", {"input": [32, 32], "layers": [{"type": "flatten"}]}, "input"),
    ("conv.receptive_field", {"layers": [{"kernel": 3, "strid": 2}]}, "layers[1].strid"),
    ("conv.multiplications", {"height": 4, "width": 4, "layers": [{"kernel": 7, "filters": 2}]}, "layers[1]"),
    ("conv.unknown_kernel", {"image": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "kernel": [["x", "y"], [1, 1]],
                             "known_outputs": [[1, 1, 3]]}, "known_outputs"),
    ("conv.unknown_kernel", {"image": [[1, 1, 1], [1, 1, 1]], "kernel": [["x", "y"]],
                             "known_outputs": [[1, 1, 3], [1, 2, 4]]}, "known_outputs"),  # identical rows: singular
    ("conv.unknown_kernel", {"image": [[1, 2, 3]], "kernel": [["x", 1]], "known_outputs": [[2, 1, 3]]}, "known_outputs"),
    ("conv.unknown_kernel", {"image": [[1, 2, 3]], "kernel": [[1, 1]], "known_outputs": [[1, 1, 3]]}, "kernel"),
    ("conv.pool", {"input": [[1, 5], [5, 2]], "mode": "max", "size": 2}, "input"),  # a tie for the maximum
    ("conv.pool", {"input": [[1, 5], [3, 2]], "size": 3}, "size"),
    ("conv.transposed", {"stride": 2, "output_padding": 2}, "output_padding"),
    ("conv.transposed", {"kernel": 3, "kernel_values": [1, 2]}, "kernel_values"),
    ("conv.transposed", {"input_length": 1, "kernel": 1, "padding": 1}, "padding"),
    ("bn.params", {"channels": []}, "channels"),
    ("bn.params", {"channels": [64, 0]}, "channels[2]"),
]


@pytest.mark.parametrize("gen_id, pins, param", CONV_FAMILY_CASES)
def test_bad_conv_family_pin_is_rejected_naming_the_parameter(gen_id, pins, param):
    test_bad_pin_is_rejected_naming_the_parameter(gen_id, pins, param)


RNN_FAMILY_CASES = [
    ("rnn.params", {"convention": "theano"}, "convention"),
    ("gru.param_count", {"bias_vectors": 3}, "bias_vectors"),
    ("gru.param_count", {"bias": True}, "bias"),
    ("lstm.hidden_from_params", {"input_size": 3, "total": 181, "convention": "keras"}, "total"),
    ("lstm.gates", {"order": ["forget", "forget", "output"]}, "order"),
    ("lstm.forward", {"weights": {"i": [1, 1, 1], "f": [1, 1, 1], "o": [1, 1, 1]}}, "weights.g"),
    ("lstm.forward", {"weights": {"i": [1, 1], "f": [1, 1, 1], "o": [1, 1, 1], "g": [1, 1, 1]}}, "weights.i"),
    ("lstm.forward", {"x": [1, 2, 3, 4]}, "x"),
    ("rnn.forward", {"W_xh": [[1, 1]], "W_hh": [[1, 1], [1, 1]], "x": [[1, 1]]}, "W_hh"),
    ("rnn.forward", {"W_hy": [[1]], "b_y": [1, 2], "W_xh": [[1]], "W_hh": [[1]], "b_h": [0], "h0": [0],
                     "x": [[1]], "output_activation": "identity"}, "b_y"),
    ("rnn.forward", {"hidden_activation": "sigmoid"}, "hidden_activation"),
    ("rnn.linear_bptt", {"u": []}, "u"),
    ("snn.lif", {"beta": 2}, "beta"),
    ("snn.lif", {"threshold": 0}, "threshold"),
]


@pytest.mark.parametrize("gen_id, pins, param", RNN_FAMILY_CASES)
def test_bad_rnn_family_pin_is_rejected_naming_the_parameter(gen_id, pins, param):
    test_bad_pin_is_rejected_naming_the_parameter(gen_id, pins, param)


TRAINING_CASES = [
    ("mlp.params", {"hidden": [10, 0]}, "hidden[2]"),
    ("train.batches", {"samples": 10, "batch_size": 32, "drop_last": True}, "batch_size"),
    ("train.batches", {"epochs": 0}, "epochs"),
    ("graph.skip_connection", {"x": 0}, "x"),
    ("loss.softmax_ce", {"logits": [1, 2], "target": 3}, "target"),
    ("loss.softmax_ce", {"logits": [1]}, "logits"),
    ("loss.bce_grad", {"y": 0.5}, "y"),
]


@pytest.mark.parametrize("gen_id, pins, param", TRAINING_CASES)
def test_bad_training_pin_is_rejected_naming_the_parameter(gen_id, pins, param):
    test_bad_pin_is_rejected_naming_the_parameter(gen_id, pins, param)


OPTIM_CASES = [
    ("optim.gd_steps", {"a": 0}, "a"),
    ("optim.momentum_step", {"momentum": 2}, "momentum"),
    ("optim.adam_step", {"steps": 3}, "steps"),
    ("optim.adam_step", {"x": 0}, "x"),
    ("optim.critical_points", {"coeffs": [1, 2, 1, 0, 0]}, "coeffs"),  # 4ac = b^2: singular Hessian
    ("optim.critical_points", {"coeffs": [1, 2, 3]}, "coeffs"),
    ("init.variance", {"scheme": "orthogonal"}, "scheme"),
    ("perceptron.epoch", {"X": [[1, 2], [3, 4]], "y": [1]}, "y"),
    ("perceptron.epoch", {"y": [1, 0, -1]}, "y[2]"),
    ("info.divergence", {"p": ["1/2", "1/3"], "q": ["1/2", "1/2"]}, "p"),
    ("info.divergence", {"p": [1, 0], "q": ["1/2", "1/2"]}, "p"),
    ("info.divergence", {"base": 10}, "base"),
]


@pytest.mark.parametrize("gen_id, pins, param", OPTIM_CASES)
def test_bad_optim_pin_is_rejected_naming_the_parameter(gen_id, pins, param):
    test_bad_pin_is_rejected_naming_the_parameter(gen_id, pins, param)
