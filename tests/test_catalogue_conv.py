"""Catalogue examples of the convolution family and bn.params (their corrected answers)."""

import sympy
from test_catalogue import answers


def test_output_shape_of_a_26_cube_with_5_filters():
    got = answers("conv.output_shape", height=26, width=26, in_channels=26, kernel_h=7, kernel_w=7, stride=3,
                  padding=1, filters=5)
    assert (got["out_height"], got["out_width"], got["out_channels"]) == (8, 8, 5)


def test_output_shape_that_needs_the_floor():
    got = answers("conv.output_shape", height=10, width=11, in_channels=1, kernel_h=5, kernel_w=5, stride=2,
                  padding=0, filters=1)
    assert (got["out_height"], got["out_width"]) == (3, 4)


def test_alexnet_first_layer_parameters():
    got = answers("conv.params", kernel_h=11, kernel_w=11, in_channels=3, filters=96, bias=True, framework="pytorch")
    assert got["total"] == 34944


def test_pytorch_weight_shape_is_out_in_kh_kw_not_the_published_3_4_5_5():
    got = answers("conv.params", kernel_h=5, kernel_w=5, in_channels=3, filters=4, bias=True, framework="pytorch")
    assert got["weight_shape"] == (4, 3, 5, 5)
    keras = answers("conv.params", kernel_h=5, kernel_w=5, in_channels=3, filters=4, bias=True, framework="keras")
    assert keras["weight_shape"] == (5, 5, 3, 4)


def test_keras_summary_of_the_100x100_network():
    conv = {"type": "conv", "kernel": 5, "padding": "valid"}
    pool = {"type": "pool", "size": 2}
    layers = [conv | {"filters": 32}, pool, conv | {"filters": 32}, pool, conv | {"filters": 64}, pool,
              conv | {"filters": 64}, pool, {"type": "flatten"}, {"type": "dense", "units": 32},
              {"type": "dense", "units": 2}]
    got = answers("conv.network_summary", input=[100, 100, 1], layers=layers)
    assert got["params"] == (832, 0, 25632, 0, 51264, 0, 102464, 0, 0, 8224, 66)
    assert got["shapes"][8] == (256,)
    assert got["shapes"][:2] == ((96, 96, 32), (48, 48, 32))
    assert got["total"] == 188482


def test_receptive_fields():
    got = answers("conv.receptive_field", layers=[{"kernel": 11, "stride": 4}, {"kernel": 3, "stride": 2},
                                                   {"kernel": 5, "stride": 1}])
    assert got["receptive_field"] == (11, 19, 51)
    three = answers("conv.receptive_field", layers=[{"kernel": 3}] * 3)
    assert three["receptive_field"] == (3, 5, 7)


def test_bottleneck_multiplications_are_259375000_not_the_published_236875000():
    got = answers("conv.multiplications", height=50, width=50, in_channels=200,
                  layers=[{"kernel": 1, "filters": 50}, {"kernel": 5, "filters": 75, "padding": 2}])
    assert got["per_layer"] == (25_000_000, 234_375_000)
    assert got["total"] == 259_375_000


def test_unknown_kernel_is_solved_exactly_unlike_the_published_key():
    got = answers("conv.unknown_kernel", image=[[3, 0, 3, -3, 0], [-3, 2, 0, 3, -2], [-5, 0, 3, -2, 0]],
                  kernel=[["x", "y", "z"], [1, 0, 2], [-1, 1, 0]], known_outputs=[[1, 1, 4], [1, 2, 0], [1, 3, -3]])
    assert got == {"x": sympy.Rational(-1, 2), "y": sympy.Rational(-5, 2), "z": sympy.Rational(7, 6)}


def test_max_and_average_pooling_by_hand():
    image = [[1, 2, 5, 6], [3, 4, 7, 8], [9, 10, 13, 14], [11, 12, 15, 16]]
    got = answers("conv.pool", input=image, mode="max", size=2, stride=2, upstream=[[1, 1], [1, 1]])
    assert got["output"] == ((4, 8), (12, 16))
    assert got["input_grad"] == ((0, 0, 0, 0), (0, 1, 0, 1), (0, 0, 0, 0), (0, 1, 0, 1))
    avg = answers("conv.pool", input=image, mode="avg", size=2, stride=2, upstream=[[4, 0], [0, 8]])
    assert avg["output"] == (tuple(map(sympy.Rational, ("5/2", "13/2"))), tuple(map(sympy.Rational, ("21/2", "29/2"))))
    assert avg["input_grad"] == ((1, 1, 0, 0), (1, 1, 0, 0), (0, 0, 2, 2), (0, 0, 2, 2))


def test_overlapping_max_pool_windows_add_their_gradients():
    got = answers("conv.pool", input=[[1, 2, 3], [4, 9, 5], [6, 7, 8]], mode="max", size=2, stride=1,
                  upstream=[[1, 1], [1, 1]])
    assert got["output"] == ((9, 9), (9, 9))
    assert got["input_grad"] == ((0, 0, 0), (0, 4, 0), (0, 0, 0))


def test_transposed_convolution_that_doubles_the_length():
    got = answers("conv.transposed", input_length=5, kernel=3, stride=2, padding=1, output_padding=1)
    assert got["output_length"] == 10
    matrix = answers("conv.transposed", input_length=2, kernel=3, stride=2, padding=0, kernel_values=[1, 2, 3])
    assert matrix["output_length"] == 5
    assert matrix["matrix"] == ((1, 2, 3, 0, 0), (0, 0, 1, 2, 3))


def test_batch_norm_after_every_vgg16_conv():
    got = answers("bn.params", channels=[64, 64, 128, 128, 256, 256, 256] + [512] * 6)
    assert got["trainable"] == 8448
    assert sum(got["per_layer"][:3]) == 512  # the first three layers' running mean and variance values
