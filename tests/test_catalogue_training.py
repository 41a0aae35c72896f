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
    assert (dropped["iterations_per_epoch"], dropped["last_batch"], dropped["dropped"]) == (156, 32, 8)


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
