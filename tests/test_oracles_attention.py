"""Attention, transformers and separable convolutions against PyTorch modules on the meta device:
parameter counts of nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.Conv2d (groups) and
nn.Linear stacks; cache sizes from real key and value tensor shapes; multiplications from torch's
FLOP counter; patch counts from a convolution's output shape."""

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from test_oracles import count, sampled  # noqa: E402

pytestmark = pytest.mark.oracle


def test_mha_params_match_nn_multiheadattention_or_keras_dense_projections():
    for seed, answers, p in sampled("attn.mha_params"):
        E, H = p["embed_dim"], p["num_heads"]
        k, v = p["kdim"] or E, p["vdim"] or E
        if p["convention"] == "pytorch":
            layer = nn.MultiheadAttention(E, H, bias=p["bias"], kdim=k, vdim=v, device="meta")
            out = count(layer.out_proj)
            head = layer.head_dim
        else:  # Keras: query, key, value and output Dense layers of num_heads * key_dim units
            inner = H * p["key_dim"]
            projections = [nn.Linear(n, inner, bias=p["bias"], device="meta") for n in (E, k, v)]
            out = count(nn.Linear(inner, E, bias=p["bias"], device="meta"))
            layer = nn.ModuleList([*projections, nn.Linear(inner, E, bias=p["bias"], device="meta")])
            head = None  # Keras's head size is key_dim, given: the question asks the heads' width instead
            assert answers["inner_dim"].exact == projections[0].out_features, seed
        if head is not None:
            assert answers["head_dim"].exact == head, seed
        assert answers["out_proj"].exact == out, seed
        assert answers["in_proj"].exact == count(layer) - out, seed
        assert answers["total"].exact == count(layer), seed


def test_block_params_match_nn_transformerencoderlayer():
    for seed, answers, p in sampled("transformer.block_params"):
        layer = nn.TransformerEncoderLayer(p["d_model"], p["nhead"], p["dim_feedforward"], bias=p["bias"],
                                           norm_first=p["norm_first"], device="meta")
        assert answers["attention"].exact == count(layer.self_attn), seed
        assert answers["ffn"].exact == count(layer.linear1) + count(layer.linear2), seed
        assert answers["norms"].exact == count(layer.norm1) + count(layer.norm2), seed
        assert answers["total"].exact == count(layer), seed


def test_kv_cache_matches_the_shapes_of_real_key_and_value_tensors():
    for seed, answers, p in sampled("attn.kv_cache"):
        dtype = {1: torch.int8, 2: torch.float16, 4: torch.float32}[p["bytes_per_value"]]
        # what a grouped-query decoder caches per layer: keys and values of (batch, kv_heads, seq, head_dim)
        cache = [torch.empty(p["batch"], p["kv_heads"], p["seq_len"], p["head_dim"], dtype=dtype, device="meta")
                 for _ in range(2 * p["layers"])]
        values = sum(t.numel() for t in cache)
        size = sum(t.numel() * t.element_size() for t in cache)
        assert answers["values"].exact == values, seed
        assert answers["bytes"].exact == size, seed
        assert answers["gib"].exact * 2**30 == size, seed


def test_patch_embedding_matches_a_strided_conv2d():
    for seed, answers, p in sampled("vit.patch_embedding"):
        P, E = p["patch_size"], p["embed_dim"]
        projection = nn.Conv2d(p["channels"], E, P, stride=P, device="meta")
        out = projection(torch.empty(1, p["channels"], p["image_size"], p["image_size"], device="meta"))
        patches = out.shape[2] * out.shape[3]
        tokens = patches + (1 if p["cls_token"] else 0)
        cls = nn.Parameter(torch.empty(1, 1, E, device="meta")) if p["cls_token"] else None
        positions = nn.Parameter(torch.empty(1, tokens, E, device="meta"))
        assert answers["patches"].exact == patches, seed
        assert answers["tokens"].exact == tokens, seed
        assert answers["params"].exact == count(projection) + (cls.numel() if cls is not None else 0) \
            + positions.numel(), seed


def test_depthwise_separable_matches_grouped_conv2d_and_the_flop_counter():
    from torch.utils.flop_counter import FlopCounterMode

    for seed, answers, p in sampled("conv.depthwise_separable"):
        c_in, c_out, k = p["in_channels"], p["out_channels"], p["kernel"]
        padding = "same" if p["padding"] == "same" else 0
        standard = nn.Conv2d(c_in, c_out, k, stride=p["stride"], padding=padding, bias=p["bias"], device="meta")
        depthwise = nn.Conv2d(c_in, c_in, k, stride=p["stride"], padding=padding, groups=c_in, bias=p["bias"],
                              device="meta")
        pointwise = nn.Conv2d(c_in, c_out, 1, bias=p["bias"], device="meta")
        x = torch.empty(1, c_in, p["height"], p["width"], device="meta")
        with FlopCounterMode(display=False) as standard_flops:
            standard(x)
        with FlopCounterMode(display=False) as separable_flops:
            pointwise(depthwise(x))
        # the counter counts a multiply-add as 2 FLOPs
        assert answers["standard_params"].exact == count(standard), seed
        assert answers["separable_params"].exact == count(depthwise) + count(pointwise), seed
        assert answers["standard_mults"].exact == standard_flops.get_total_flops() // 2, seed
        assert answers["separable_mults"].exact == separable_flops.get_total_flops() // 2, seed
        ratio = answers["ratio"].exact
        assert ratio.p * standard_flops.get_total_flops() == ratio.q * separable_flops.get_total_flops(), seed


def test_scaled_dot_product_matches_torch_scaled_dot_product_attention():
    from test_oracles import assert_close, tensor

    for seed, answers, p in sampled("attn.scaled_dot_product"):
        q, k, v = tensor(p["Q"]), tensor(p["K"]), tensor(p["V"])
        output = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=p["mask"])
        scores = q @ k.T / q.shape[1] ** 0.5
        if p["mask"]:
            scores_seen = scores.masked_fill(~torch.ones_like(scores, dtype=torch.bool).tril(), float("-inf"))
        else:
            scores_seen = scores
        assert_close(answers["scores"].exact, scores, f"seed {seed} scores")
        assert_close(answers["weights"].exact, torch.softmax(scores_seen, dim=1), f"seed {seed} weights")
        assert_close(answers["output"].exact, output, f"seed {seed} output")
