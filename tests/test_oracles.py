"""Every core generator's exact answers against PyTorch, on hundreds of sampled variants.

The oracles share no code with the generators: PyTorch computes the convolution,
autograd computes the derivatives, nn modules count their own parameters.
"""

import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
F = torch.nn.functional

from conftest import ORACLE_PINNED, ORACLE_VARIANTS, pinned_variants  # noqa: E402

from qbank.core import registry# noqa: E402
from qbank.core.exact import to_float  # noqa: E402
from qbank.core.generator import make_variant, params_of  # noqa: E402

pytestmark = pytest.mark.oracle
TOL = 1e-9


def tensor(value, grad=False):
    return torch.tensor(sympy_floats(value), dtype=torch.float64, requires_grad=grad)


def sympy_floats(value):
    """Doubles of an exact answer, through qbank's own tree walk: sympy's evalf takes 10 ms on a
    nested LSTM form, and a display value that disagreed with the exact one should fail here too."""
    if isinstance(value, (tuple, list)):
        return [sympy_floats(v) for v in value]
    return to_float(sympy.sympify(value))


def assert_close(exact, oracle, what):
    expected = torch.tensor(sympy_floats(exact), dtype=torch.float64)
    assert expected.shape == oracle.shape, f"{what}: shape {tuple(expected.shape)} != {tuple(oracle.shape)}"
    # absolute for the small numbers of sampled variants; relative too for a pinned run that grows large
    assert torch.allclose(expected, oracle.detach(), rtol=1e-12, atol=TOL), f"{what}: {expected} != {oracle}"


def sampled(gen_id):
    """Sampled variants, then variants with pins drawn within the declared ranges: the oracle
    checks what a user's pins make as well as what the sampler makes."""
    gen = registry.get(gen_id)
    for seed in range(ORACLE_VARIANTS):
        variant = make_variant(gen, seed)
        yield seed, variant.answers, params_of(gen, variant)
    for pins, variant in pinned_variants(gen, ORACLE_PINNED):
        yield f"pins {pins}", variant.answers, params_of(gen, variant)


def test_conv_image_kernel_matches_torch_conv2d_and_autograd():
    for seed, answers, p in sampled("conv.image_kernel"):
        image = tensor([[p["image"]]], grad=True)
        kernel = tensor([[p["kernel"]]], grad=True)
        out = F.conv2d(image, kernel, stride=p["stride"], padding=p["padding"])
        out.backward(tensor([[p["upstream"]]]))
        what = f"conv.image_kernel seed {seed}"
        assert answers["count"].exact == out.numel(), what
        assert_close(answers["output"].exact, out[0, 0], what + " output")
        assert_close(answers["input_grad"].exact, image.grad[0, 0], what + " input_grad")
        assert_close(answers["kernel_grad"].exact, kernel.grad[0, 0], what + " kernel_grad")


def test_rnn_relu_derivatives_match_autograd():
    for seed, answers, p in sampled("rnn.relu_derivatives"):
        V, W = tensor(p["V"], grad=True), tensor(p["W"], grad=True)
        x = tensor(p["x"], grad=True)
        h, states = tensor(p["h0"]), []
        for t in range(len(p["x"])):
            z = V * h + W * x[t]
            # torch.relu's derivative at 0 is 0; a pinned ReLU'(0) = 1 lets the gradient through there
            h = torch.where(z >= 0, z, torch.zeros_like(z)) if p["relu_grad_at_zero"] == 1 else torch.relu(z)
            states.append(h)
        h.backward()
        what = f"rnn.relu_derivatives seed {seed}"
        assert_close(answers["h"].exact, torch.stack(states), what + " h")
        assert_close(answers["dhT_dV"].exact, V.grad, what + " dhT_dV")
        assert_close(answers["dhT_dW"].exact, W.grad, what + " dhT_dW")
        assert_close(answers["dhT_dx"].exact, x.grad, what + " dhT_dx")


def count(module) -> int:
    return sum(t.numel() for t in module.parameters())


def recurrent_count(module_class, p, vectors: int) -> int:
    """PyTorch keeps b_ih and b_hh; one bias vector (Keras) is the same module without b_hh."""
    layer = module_class(p["input_size"], p["hidden_size"], bias=vectors > 0, device="meta")
    return count(layer) - (layer.bias_hh_l0.numel() if vectors == 1 else 0)


def lstm_count(p) -> int:
    return recurrent_count(torch.nn.LSTM, p, 0 if not p["bias"] else 1 if p["convention"] == "keras" else 2)


def test_lstm_param_count_matches_torch_modules():
    for seed, answers, p in sampled("lstm.param_count"):
        head = (count(torch.nn.Linear(p["hidden_size"], p["output_size"], bias=p["bias"], device="meta"))
                if p["output_size"] else 0)
        embedding = count(torch.nn.Embedding(p["vocab_size"], p["input_size"], device="meta")) if p["vocab_size"] else 0
        what = f"lstm.param_count seed {seed}"
        assert answers["lstm"].exact == lstm_count(p), what
        assert answers["head"].exact == head, what
        assert answers["total"].exact == embedding + lstm_count(p) + head, what
        if p["vocab_size"]:
            assert answers["embedding"].exact == embedding, what


def test_bn_statistics_match_torch_batch_norm_in_training_mode():
    for seed, answers, p in sampled("bn.statistics"):
        check_bn(answers, p, f"bn.statistics seed {seed}")


def check_bn(answers, p, what):
    z = tensor(p["z"])
    # torch refuses eps = 0 in training; 1e-300 vanishes next to any variance a question can have
    eps = float(p["eps"]) or 1e-300
    assert_close(answers["mean"].exact, z.mean(dim=0), what + " mean")
    assert_close(answers["std"].exact, z.var(dim=0, unbiased=False).sqrt(), what + " std")
    assert_close(answers["z_norm"].exact, F.batch_norm(z, None, None, training=True, eps=eps), what + " z_norm")
    y = F.batch_norm(z, None, None, weight=tensor(p["gamma"]), bias=tensor(p["beta"]), training=True, eps=eps)
    assert_close(answers["y"].exact, y, what + " y")


# Pinned parameters reach corners the sampler avoids: rationals, rectangles, eps > 0.
rationals = st.fractions(min_value=-5, max_value=5, max_denominator=4).map(str)


@st.composite
def conv_pins(draw):
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    oh, ow = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = ((o - 1) * stride + k - 2 * padding for o, k in ((oh, kh), (ow, kw)))
    assume(h >= 1 and w >= 1)
    matrix = lambda r, c: draw(st.lists(st.lists(rationals, min_size=c, max_size=c), min_size=r, max_size=r))
    return {"image": matrix(h, w), "kernel": matrix(kh, kw), "stride": stride, "padding": padding,
            "upstream": matrix(oh, ow)}


@given(pins=conv_pins())
def test_pinned_conv_variants_match_torch(pins):
    gen = registry.get("conv.image_kernel")
    variant = make_variant(gen, 0, pins)
    p = params_of(gen, variant)
    image, kernel = tensor([[p["image"]]], grad=True), tensor([[p["kernel"]]], grad=True)
    out = F.conv2d(image, kernel, stride=p["stride"], padding=p["padding"])
    out.backward(tensor([[p["upstream"]]]))
    assert_close(variant.answers["output"].exact, out[0, 0], "output")
    assert_close(variant.answers["input_grad"].exact, image.grad[0, 0], "input_grad")
    assert_close(variant.answers["kernel_grad"].exact, kernel.grad[0, 0], "kernel_grad")


@st.composite
def bn_pins(draw):
    rows, cols = draw(st.integers(2, 6)), draw(st.integers(1, 4))
    vector = lambda n: draw(st.lists(rationals, min_size=n, max_size=n))
    z = [vector(cols) for _ in range(rows)]
    eps = draw(st.sampled_from(["1/100", "1/10", "1/1000", "1"]))
    return {"z": z, "gamma": vector(cols), "beta": vector(cols), "eps": eps}


@given(pins=bn_pins())
def test_pinned_bn_variants_with_eps_match_torch(pins):
    gen = registry.get("bn.statistics")
    variant = make_variant(gen, 0, pins)
    check_bn(variant.answers, params_of(gen, variant), "pinned bn")
