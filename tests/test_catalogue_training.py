"""Catalogue examples for training bookkeeping, graphs and losses."""

import pytest
import sympy
from test_catalogue import answers


@pytest.mark.parametrize("inputs, hidden, total", [(20, [10] * 5, 661), (30, [8] * 7, 689)])
def test_mlp_catalogue_counts(inputs, hidden, total):
    assert answers("mlp.params", input_size=inputs, hidden=hidden, output_size=1, bias=True)["total"] == total


def test_5000_images_in_batches_of_32():
    got = answers("train.batches", samples=5000, batch_size=32, epochs=3, drop_last=False)
    assert (got["iterations_per_epoch"], got["last_batch"], got["dropped"], got["total_iterations"]) == (157, 8, 0, 471)
    dropped = answers("train.batches", samples=5000, batch_size=32, epochs=3, drop_last=True)
    assert (dropped["iterations_per_epoch"], dropped["dropped"]) == (156, 8)
    assert "last_batch" not in dropped  # every batch is full: 32, the given batch size, is not asked


def test_sigmoid_graph_at_3_has_slope_0_0452_not_the_published_0_0548():
    got = answers("graph.sigmoid", z=3)
    assert round(float(got["f"]), 4) == 0.9526
    assert round(float(got["df_dz"]), 4) == 0.0452
    assert sympy.simplify(got["df_dz"] - got["f"] * (1 - got["f"])) == 0


def test_softmax_of_the_catalogue_logits():
    got = answers("loss.softmax_ce", logits=[0.9, 0.8, 0.6], target=1)
    assert [round(float(p), 3) for p in got["probs"]] == [0.378, 0.342, 0.280]
    assert got["uniform_loss"] == sympy.log(3)


def test_skip_connection_keeps_the_gradient_of_a_dead_unit():
    got = answers("graph.skip_connection", x=2, w1=-1, w2=3, skip=True)
    assert (got["out"], got["dout_dw1"], got["dout_dx"]) == (2, 0, 1)
    plain = answers("graph.skip_connection", x=2, w1=1, w2=3, skip=False)
    assert (plain["out"], plain["dout_dw1"], plain["dout_dx"]) == (6, 6, 3)


def test_bce_gradient_is_a_minus_y():
    got = answers("loss.bce_grad", z=0, y=1)
    assert got["a"] == sympy.Rational(1, 2) and got["dL_dz"] == sympy.Rational(-1, 2) and got["loss"] == sympy.log(2)


def test_gradient_descent_catalogue_path():
    got = answers("optim.gd_steps", a=2, b=3, p0=6, lr=0.1, steps=3)
    assert got["p"] == (0, sympy.Rational(-6, 5), sympy.Rational(-36, 25))


def test_adam_first_step_moves_both_weights_to_minus_1_9_not_the_published_2_081():
    got = answers("optim.adam_step", x=3.5, y=0.5, w=-2, b=-2, lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8,
                  bias_correction=True, steps=1)
    assert got["y_hat"] == 1 / (1 + sympy.exp(9))
    assert round(float(got["y_hat"]), 6) == 0.000123
    assert abs(float(got["w"][0]) + 1.9) < 1e-8 and abs(float(got["b"][0]) + 1.9) < 1e-8


def test_critical_point_is_a_saddle_at_minus_2_minus_3_halves_not_the_origin():
    got = answers("optim.critical_points", coeffs=[0, 2, 0, 3, 4])
    assert got["point"] == (-2, sympy.Rational(-3, 2))
    assert got["eigenvalues"] == (-2, 2) and got["kind"] == "saddle"


def test_momentum_by_hand():
    # L = p^2 (a=1, b=0), p0 = 1, lr 0.1, mu 0.5: g1 = 2, v1 = 2, p1 = 0.8; g2 = 1.6, v2 = 2.6, p2 = 0.54
    got = answers("optim.momentum_step", a=1, b=0, p0=1, lr=0.1, momentum=0.5, steps=2,
                  nesterov=False)
    assert got["velocity"] == (2, sympy.Rational(13, 5)) and got["p"] == (sympy.Rational(4, 5), sympy.Rational(27, 50))


def test_he_uniform_bound():
    got = answers("init.variance", fan_in=600, fan_out=10, scheme="he_uniform")
    assert got["variance"] == sympy.Rational(1, 300) and got["bound"] == sympy.Rational(1, 10)


def test_divergence_of_identical_distributions_is_zero():
    got = answers("info.divergence", p=["1/2", "1/2"], q=["1/2", "1/2"], base=2)
    assert got["kl_pq"] == 0 and got["js"] == 0
