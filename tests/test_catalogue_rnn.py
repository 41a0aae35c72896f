"""Catalogue examples of the recurrent family (with their corrected answers)."""

import pytest
import sympy
from test_catalogue import answers

from qbank.core import registry
from qbank.core.generator import make_variant, render_variant

R = sympy.Rational


def test_rnn_params_with_one_bias_vector():
    got = answers("rnn.params", input_size=3, hidden_size=5, bias=True, convention="keras", output_size=0)
    assert got["rnn"] == 45


def test_rnn_params_with_an_outside_embedding_and_a_word_head_without_bias():
    got = answers("rnn.params", input_size=10, hidden_size=20, bias=False, convention="keras", output_size=50,
                  vocab_size=0)
    assert (got["rnn"], got["head"], got["total"]) == (600, 1000, 1600)


@pytest.mark.parametrize("vectors, expected", [(0, 3 * (3 * 5 + 25)), (1, 3 * (3 * 5 + 25 + 5)), (2, 3 * (3 * 5 + 25 + 10))])
def test_gru_counts_by_bias_vectors(vectors, expected):
    assert answers("gru.param_count", input_size=3, hidden_size=5, bias_vectors=vectors, output_size=0)["gru"] == expected


def test_hidden_size_is_5_not_the_published_about_2():
    assert answers("lstm.hidden_from_params", input_size=3, total=180, convention="keras")["hidden_size"] == 5
    assert answers("lstm.hidden_from_params", input_size=3, total=200, convention="pytorch")["hidden_size"] == 5


def test_linear_bptt_by_hand():
    # h1 = 2(1 + 0) = 2, h2 = 2(1 + 2) = 6; dh2/dw = (1 + 2) + w (1 + 0) = 3 + 2 = 5
    got = answers("rnn.linear_bptt", w=2, u=[1, 1], h0=0)
    assert got["h"] == (2, 6) and got["dhT_dw"] == 5


def test_lstm_gates_are_read_from_where_they_act():
    got = answers("lstm.gates", order=["output", "forget", "input"])
    assert (got["forget"], got["input"], got["output"]) == (2, 3, 1)
    assert "cell state" in got["cell"]


def test_lstm_gate_equations_are_found_by_their_printed_numbers():
    # order: g_1 is the output gate, g_2 the forget gate, g_3 the input gate; layout numbers the
    # equations g1, g2, g3, candidate, cell, hidden as 6, 2, 4, 1, 5, 3
    gen = registry.get("lstm.gates")
    variant = make_variant(gen, 0, {"order": ["output", "forget", "input"], "layout": [6, 2, 4, 1, 5, 3]})
    body = render_variant(gen, variant).statement.split(r"\begin{align*}")[1].split(r"\end{align*}")[0]
    lines = {}
    for line in body.split(r" \\ "):
        equation, tag = line.rsplit(r"\tag{", 1)
        lines[int(tag.rstrip("}"))] = equation.strip()
    got = {name: int(a.exact) for name, a in variant.answers.items() if name.endswith("_equation")}
    assert lines[got["forget_equation"]].startswith("g_2 &=")
    assert lines[got["input_equation"]].startswith("g_3 &=")
    assert lines[got["output_equation"]].startswith("g_1 &=")
    assert lines[got["cell_equation"]].startswith(r"c_t &= g_2 \odot c_{t-1} + g_3")


def test_catalogue_rnn_forward_all_weights_0_2():
    w = R(1, 5)
    got = answers("rnn.forward", W_xh=[[w, w], [w, w]], W_hh=[[w, w], [w, w]], b_h=[0, 0], W_hy=[[w, w]], b_y=[0],
                  x=[["1/2", "3/5"]], h0=["3/10", "2/5"], hidden_activation="tanh", output_activation="sigmoid")
    z = w * R(1, 2) + w * R(3, 5) + w * R(3, 10) + w * R(2, 5)  # the same for both units: 0.36
    assert got["h"] == ((sympy.tanh(z), sympy.tanh(z)),)
    assert abs(float(got["y"][0][0]) - 1 / (1 + sympy.exp(-2 * w * sympy.tanh(z))).evalf()) < 1e-12


def test_lstm_forward_one_step_by_hand():
    # all weights 0 except biases: i = f = o = sigma(0) = 1/2, g = tanh(1)
    got = answers("lstm.forward", x=[1], h0=0, c0=2,
                  weights={"i": [0, 0, 0], "f": [0, 0, 0], "o": [0, 0, 0], "g": [0, 0, 1]})
    assert (got["i"], got["f"], got["o"]) == ((R(1, 2),),) * 3
    assert got["c"] == (1 + sympy.tanh(1) / 2,)
    assert got["h"] == (sympy.tanh(1 + sympy.tanh(1) / 2) / 2,)


def test_lif_catalogue_example():
    got = answers("snn.lif", k=25, x=[1, 0, 1], w=0.5, b=0.05, beta=0.95, threshold=0.75)
    assert got["v"] == (R("0.55"), R("0.5725"), R("1.093875"))
    assert got["y"] == (0, 0, 1)
    s = [1 / (1 + 25 * abs(v - R(3, 4))) ** 2 for v in got["v"]]
    assert got["dz_db"] == s[0] * 1 + s[1] * (R(19, 20) + 1) + s[2] * (R(19, 20) ** 2 + R(19, 20) + 1)


def test_lif_resets_after_a_spike_and_h_of_zero_spikes():
    # V1 = 1 = threshold spikes (H(0) = 1); V2 starts again from 0: V2 = 1 spikes too
    got = answers("snn.lif", k=1, x=[1, 1], w=1, b=0, beta=0.5, threshold=1)
    assert got["v"] == (1, 1) and got["y"] == (1, 1)
    assert got["dz_dx"] == (1, 1)  # no path from x1 to V2 through the reset
