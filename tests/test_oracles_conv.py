"""The convolution family and bn.params against PyTorch, on hundreds of sampled variants each.

Shapes come from running real modules on meta tensors, counts from their
parameters and buffers, costs from torch's FLOP counter, gradients from autograd.
"""

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional
nn = torch.nn

from conftest import ORACLE_VARIANTS  # noqa: E402
from test_oracles import assert_close, count, sampled, tensor  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

pytestmark = pytest.mark.oracle
META = {"device": "meta"}


def test_output_shape_matches_conv2d_on_a_meta_tensor():
    for seed, answers, p in sampled("conv.output_shape"):
        conv = nn.Conv2d(p["in_channels"], p["filters"], (p["kernel_h"], p["kernel_w"]), stride=p["stride"],
                         padding=p["padding"], dilation=p["dilation"], **META)
        out = conv(torch.empty(1, p["in_channels"], p["height"], p["width"], **META))
        _, c, h, w = out.shape
        assert (answers["out_channels"].exact, answers["out_height"].exact, answers["out_width"].exact) == (c, h, w), seed
        assert answers["out_values"].exact == out.numel(), seed


def test_params_match_conv2d_tensors():
    for seed, answers, p in sampled("conv.params"):
        conv = nn.Conv2d(p["in_channels"], p["filters"], (p["kernel_h"], p["kernel_w"]), bias=p["bias"], **META)
        torch_shape = tuple(conv.weight.shape)
        # Keras keeps (kh, kw, in, out): the same tensor with its axes permuted
        shape = torch_shape if p["framework"] == "pytorch" else tuple(conv.weight.permute(2, 3, 1, 0).shape)
        assert answers["weights"].exact == conv.weight.numel(), seed
        assert answers["biases"].exact == (conv.bias.numel() if p["bias"] else 0), seed
        assert answers["total"].exact == count(conv), seed
        assert answers["weight_shape"].exact == shape, seed


def torch_layers(input_shape, layers):
    """The network as torch modules (channels first); 'same' is padding k // 2 at stride 1."""
    modules, channels = [], input_shape[2]
    for layer in layers:
        if layer["type"] == "conv":
            padding = layer["kernel"] // 2 if layer["padding"] == "same" else 0
            modules.append(nn.Conv2d(channels, layer["filters"], layer["kernel"], stride=layer["stride"], padding=padding, **META))
            channels = layer["filters"]
        elif layer["type"] == "pool":
            modules.append(nn.MaxPool2d(layer["size"], stride=layer["stride"] or layer["size"]))
        elif layer["type"] == "flatten":
            modules.append(nn.Flatten())
        else:
            modules.append(nn.LazyLinear(layer["units"], **META))
    return modules


def test_network_summary_matches_a_torch_sequential():
    for seed, answers, p in sampled("conv.network_summary"):
        h, w, c = p["input"]
        x = torch.empty(1, c, h, w, **META)
        shapes, params = [], []
        for module in torch_layers(p["input"], p["layers"]):
            x = module(x)
            shapes.append((x.shape[2], x.shape[3], x.shape[1]) if x.dim() == 4 else (x.shape[1],))
            params.append(count(module))
        assert answers["shapes"].exact == tuple(shapes), seed
        assert answers["params"].exact == tuple(params), seed
        assert answers["total"].exact == sum(params), seed


def test_receptive_field_matches_the_autograd_footprint_of_one_output():
    for seed, answers, p in sampled("conv.receptive_field"):
        length = 1
        for layer in reversed(p["layers"]):  # an input long enough for one top unit
            length = (length - 1) * layer["stride"] + layer["kernel"]
        x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
        y, fields = x, []
        for layer in p["layers"]:
            y = F.conv1d(y, torch.ones(1, 1, layer["kernel"], dtype=torch.float64), stride=layer["stride"])
            (grad,) = torch.autograd.grad(y[0, 0, 0], x, retain_graph=True)
            reached = grad[0, 0].nonzero()  # the span counts, gaps included (a 1x1 stride-4 layer leaves gaps)
            fields.append(int(reached.max() - reached.min() + 1))
        assert answers["receptive_field"].exact == tuple(fields), seed


def test_multiplications_match_torch_flop_counter():
    for seed, answers, p in sampled("conv.multiplications"):
        channels, modules = p["in_channels"], []
        for layer in p["layers"]:
            modules.append(nn.Conv2d(channels, layer["filters"], layer["kernel"], stride=layer["stride"],
                                     padding=layer["padding"], bias=False, **META))
            channels = layer["filters"]
        x = torch.empty(1, p["in_channels"], p["height"], p["width"], **META)
        per_layer = []
        for module in modules:
            with FlopCounterMode(display=False) as counter:
                x = module(x)
            per_layer.append(counter.get_total_flops() // 2)  # a multiply-add counts as 2 FLOPs
        assert answers["per_layer"].exact == tuple(per_layer), seed
        assert answers["total"].exact == sum(per_layer), seed


def test_unknown_kernel_solutions_reproduce_the_known_outputs_with_conv2d():
    for seed, answers, p in sampled("conv.unknown_kernel"):
        kernel = [[answers[x].exact if isinstance(x, str) else x for x in row] for row in p["kernel"]]
        out = F.conv2d(tensor([[p["image"]]]), tensor([[kernel]]), stride=p["stride"])[0, 0]
        for row, col, value in p["known_outputs"]:
            assert abs(float(out[int(row) - 1, int(col) - 1]) - float(value)) < 1e-9, seed


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pooling_matches_torch_pooling_and_autograd(mode):
    from qbank.core import registry
    from qbank.core.generator import make_variant, params_of

    gen = registry.get("conv.pool")
    for seed in range(ORACLE_VARIANTS):
        variant = make_variant(gen, seed, {"mode": mode})
        p = params_of(gen, variant)
        x = tensor([[p["input"]]], grad=True)
        pool = F.max_pool2d if mode == "max" else F.avg_pool2d
        out = pool(x, p["size"], stride=p["stride"])
        out.backward(tensor([[p["upstream"]]]))
        assert_close(variant.answers["output"].exact, out[0, 0], f"pool seed {seed} output")
        assert_close(variant.answers["input_grad"].exact, x.grad[0, 0], f"pool seed {seed} input_grad")


def test_transposed_length_and_matrix_match_conv_transpose1d():
    with_matrix = 0
    for seed, answers, p in sampled("conv.transposed"):
        layer = nn.ConvTranspose1d(1, 1, p["kernel"], stride=p["stride"], padding=p["padding"],
                                   output_padding=p["output_padding"], dilation=p["dilation"], **META)
        (length,) = layer(torch.empty(1, 1, p["input_length"], **META)).shape[2:]
        assert answers["output_length"].exact == length, seed
        if p["kernel_values"] is None:
            continue
        with_matrix += 1
        M = tensor(answers["matrix"].exact)
        w = tensor([[p["kernel_values"]]])
        y = torch.randn(1, 1, length, dtype=torch.float64)
        x = torch.randn(1, 1, p["input_length"], dtype=torch.float64)
        conv = dict(stride=p["stride"], padding=p["padding"], dilation=p["dilation"])
        assert torch.allclose(F.conv1d(y, w, **conv)[0, 0], M @ y[0, 0], atol=1e-9), seed
        assert torch.allclose(F.conv_transpose1d(x, w, output_padding=p["output_padding"], **conv)[0, 0],
                              M.T @ x[0, 0], atol=1e-9), seed
    assert with_matrix >= ORACLE_VARIANTS // 4


def test_bn_params_match_batchnorm2d_parameters_and_buffers():
    for seed, answers, p in sampled("bn.params"):
        layers = [nn.BatchNorm2d(c, **META) for c in p["channels"]]
        trainable = [count(layer) for layer in layers]
        running = sum(b.numel() for layer in layers for name, b in layer.named_buffers() if name != "num_batches_tracked")
        assert answers["per_layer"].exact == tuple(trainable), seed
        assert answers["trainable"].exact == sum(trainable), seed
        assert answers["non_trainable"].exact == running, seed
        assert answers["total"].exact == sum(trainable) + running, seed


def test_text_cnn_matches_conv1d_max_pooling_and_linear():
    for seed, answers, p in sampled("conv.text_cnn"):
        E, L, filters, C = p["embedding_size"], p["sentence_length"], p["filters"], p["classes"]
        convs = [nn.Conv1d(E, filters, w, device="meta") for w in p["widths"]]
        x = torch.empty(1, E, L, device="meta")
        outputs = [conv(x) for conv in convs]
        pooled = torch.cat([out.amax(dim=2) for out in outputs], dim=1)
        dense = nn.Linear(pooled.shape[1], C, device="meta")
        shapes = [tuple(out.shape[1:]) for out in outputs] + [tuple(pooled.shape[1:]), tuple(dense(pooled).shape[1:])]
        assert answers["shapes"].exact == tuple(shapes), seed
        assert answers["params"].exact == tuple(count(m) for m in (*convs, dense)), seed
        assert answers["total"].exact == sum(count(m) for m in (*convs, dense)), seed


def test_conv1d_multichannel_matches_f_conv1d_and_autograd():
    for seed, answers, p in sampled("conv.conv1d_multichannel"):
        x, w = tensor(p["x"], grad=True), tensor(p["W"], grad=True)
        y = F.conv1d(x.unsqueeze(0), w.unsqueeze(0), stride=p["stride"])[0, 0]
        y.backward(tensor(p["upstream"]))
        assert answers["output_length"].exact == y.shape[0], seed
        assert_close(answers["output"].exact, y, f"seed {seed} output")
        assert_close(answers["dL_dW"].exact, w.grad, f"seed {seed} dL_dW")
        assert_close(answers["dL_dx"].exact, x.grad, f"seed {seed} dL_dx")


def test_conv_as_fc_is_f_conv1d_applied_to_every_unit_input():
    """Column c of M is the convolution of the c-th unit vector; and M x is the convolution of x."""
    generator = torch.Generator().manual_seed(0)
    for seed, answers, p in sampled("conv.as_fc"):
        w = tensor([[p["w"]]])
        basis = torch.eye(p["n"], dtype=torch.float64).unsqueeze(1)
        columns = F.conv1d(basis, w, stride=p["stride"])[:, 0, :]  # (inputs, outputs)
        assert_close(answers["matrix"].exact, columns.T, f"seed {seed} matrix")
        x = torch.randn(p["n"], dtype=torch.float64, generator=generator)
        assert torch.allclose(tensor(answers["matrix"].exact) @ x,
                              F.conv1d(x.view(1, 1, -1), w, stride=p["stride"]).flatten()), seed
