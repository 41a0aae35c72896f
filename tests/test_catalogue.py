"""The question catalogue's worked examples, with the catalogue's (corrected) numbers."""

import pytest

from qbank.core import registry
from qbank.core.generator import make_variant


def answers(gen_id, **pins):
    variant = make_variant(registry.get(gen_id), 0, pins)
    return {name: answer.exact for name, answer in variant.answers.items()}


def rows(text):
    return tuple(tuple(int(x) for x in row.split()) for row in text.split("/"))


def test_conv_image_kernel_catalogue_example():
    got = answers("conv.image_kernel", image=[list(r) for r in rows("4 5 2 2 1 / 3 3 2 2 4 / 1 3 4 1 1 / 5 1 4 1 2 / 5 1 3 1 4")],
                  kernel=[list(r) for r in rows("4 3 3 / 5 5 5 / 2 4 3")], stride=1, padding=0)
    assert got["count"] == 9
    assert got["output"] == rows("103 92 72 / 93 85 74 / 98 74 79")
    assert got["input_grad"] == rows("4 7 10 6 3 / 9 17 25 16 8 / 11 23 34 23 11 / 7 16 24 17 8 / 2 6 9 7 3")
    assert got["kernel_grad"] == rows("27 24 19 / 26 21 21 / 27 19 21")


def test_rnn_catalogue_example_with_a_dead_middle_step():
    got = answers("rnn.relu_derivatives", V=-3, W=3, h0=0, x=[2, 3, 1], relu_grad_at_zero=0)
    assert got["h"] == (6, 0, 3)


def test_rnn_catalogue_example_with_relu_grad_one_at_zero():
    got = answers("rnn.relu_derivatives", V=1, W=2, h0=-3, x=[1, 2, 0], relu_grad_at_zero=1)
    assert got["h"] == (0, 4, 4)
    assert (got["dhT_dV"], got["dhT_dW"], got["dhT_dx"][0]) == (4, 2, 0)


@pytest.mark.parametrize("at_zero, expected", [(0, 0), (1, 2)])
def test_rnn_relu_grad_at_zero_is_used_when_a_step_hits_zero(at_zero, expected):
    # z_1 = 1*0 + 2*0 = 0 exactly: the stated ReLU'(0) decides whether x_1 reaches h_2
    got = answers("rnn.relu_derivatives", V=1, W=2, h0=0, x=[0, 1], relu_grad_at_zero=at_zero)
    assert got["h"] == (0, 2)
    assert got["dhT_dx"][0] == expected


@pytest.mark.parametrize("convention, total", [("keras", 180), ("pytorch", 200)])
def test_lstm_catalogue_counts_by_convention(convention, total):
    got = answers("lstm.param_count", input_size=3, hidden_size=5, bias=True, convention=convention, output_size=0)
    assert got["lstm"] == total and got["total"] == total and got["head"] == 0


def test_lstm_without_bias_and_a_word_head_is_4400_not_the_published_6800():
    got = answers("lstm.param_count", input_size=10, hidden_size=20, bias=False, convention="keras", output_size=100)
    assert (got["lstm"], got["head"], got["total"]) == (2400, 2000, 4400)


def test_lstm_keras_embedding_model():
    got = answers("lstm.param_count", input_size=128, hidden_size=128, bias=True, convention="keras",
                  output_size=1, vocab_size=20000)
    assert (got["embedding"], got["lstm"], got["head"]) == (2_560_000, 131_584, 129)
    assert got["total"] == 2_560_000 + 131_584 + 129


def test_bn_catalogue_example():
    got = answers("bn.statistics", z=[[12, 0, -5], [14, 10, 5], [14, 10, 5], [12, 0, -5]],
                  gamma=[1, 1, 1], beta=[0, -10, 10])
    assert got["mean"] == (13, 5, 0)
    assert got["std"] == (1, 5, 5)
    assert got["z_norm"] == rows("-1 -1 -1 / 1 1 1 / 1 1 1 / -1 -1 -1")
    assert got["y"] == rows("-1 -11 9 / 1 -9 11 / 1 -9 11 / -1 -11 9")
