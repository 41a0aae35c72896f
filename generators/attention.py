"""Attention and transformers: multi-head attention parameters, an encoder block's parameters,
the key-value cache of a decoder, a vision transformer's patch embedding."""

from __future__ import annotations

import sympy

from qbank.core.errors import IllPosed
from qbank.core.exact import decimal_latex, divide, exp
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Bool, Choice, Int, Matrix, Num
from qbank.core.tex import counted, display

I = sympy.Integer
GIB = 2**30


def code(call: str) -> str:
    """A Python call in typewriter type on lines of its own, centred, that break after its
    parenthesis and each comma (typewriter spaces do not stretch: inside a sentence a long call
    runs into the margin)."""
    name, args = call.split("(", 1)
    pieces = [arg.strip() + "," for arg in args[:-1].split(",")]
    pieces[-1] = pieces[-1][:-1] + ")"
    tt = [r"\texttt{" + piece.replace("_", r"\_") + "}" for piece in [name + "(", *pieces]]
    return r"\begin{center}" + tt[0] + r"\allowbreak " + " ".join(tt[1:]) + r"\end{center}"


class MhaParams(Generator):
    id = "attn.mha_params"
    forms = {"other_inputs": Bool()}
    title = "Parameters of a multi-head attention layer"
    refuses = ("num_heads that do not divide embed_dim (PyTorch)",
               "key_dim with PyTorch's layer, or without it for Keras's")
    labels = {"head_dim": r"\text{head size}", "inner_dim": r"\text{query projection output size}",
              "in_proj": r"\text{parameters of the query, key and value projections}",
              "out_proj": r"\text{parameters of the output projection}", "total": r"\text{parameters in total}"}
    topics = ("attention", "counting")
    params = {"embed_dim": Int(1, 8192), "num_heads": Int(1, 128), "bias": Bool(),
              "convention": Choice("pytorch", "keras"), "key_dim": Int(1, 1024, default=None),
              "kdim": Int(1, 8192, default=None), "vdim": Int(1, 8192, default=None)}
    max_abs = 10**9
    # v2: Keras's head size is key_dim, given in the call, so its part (a) asks the heads' total width
    # v3: a single head is degenerate (redrawn), so the draws of some seeds change
    version = 3

    def degenerate(self, p, answers):
        # part (a) of one head is a size the statement gives: embed_dim (PyTorch) or key_dim (Keras)
        return "a single head, whose size the statement gives" if p["num_heads"] == 1 else None

    def sample(self, d):
        convention = d.form_choice("convention", ("pytorch", "keras"))
        heads = d.int("num_heads", 1, 16)
        embed = d.value("embed_dim", lambda: heads * d.integer(4, min(128, 8192 // heads)))  # heads of 4 to 128
        other = d.form("other_inputs", lambda: d.chance(0.3))  # keys and values of another size
        side = 32 * d.integer(1, 32)
        return {"embed_dim": embed, "num_heads": heads, "bias": d.form("bias", lambda: d.chance(0.7)),
                "convention": convention,
                "key_dim": d.value("key_dim", lambda: 8 * d.integer(1, 16)) if convention == "keras" else None,
                "kdim": d.value("kdim", lambda: side) if other else None,
                "vdim": d.value("vdim", lambda: side) if other else None}

    def check(self, p):
        if p["convention"] == "pytorch":
            if p["key_dim"] is not None:
                raise IllPosed("key_dim", "is Keras's per-head size; PyTorch's head size is embed_dim / num_heads")
            if p["embed_dim"] % p["num_heads"]:
                raise IllPosed("num_heads", f"must divide embed_dim {p['embed_dim']} (PyTorch splits it into heads)")
        elif p["key_dim"] is None:
            raise IllPosed("key_dim", "Keras's MultiHeadAttention needs key_dim, the size of each head")

    def solve(self, p):
        E, H, b = p["embed_dim"], p["num_heads"], p["bias"]
        k, v = p["kdim"] or E, p["vdim"] or E
        if p["convention"] == "pytorch":
            head = E // H
            in_proj = E * E + E * k + E * v + (3 * E if b else 0)
            out_proj = E * E + (E if b else 0)
        else:
            head, inner = p["key_dim"], H * p["key_dim"]
            in_proj = (E + k + v) * inner + (3 * inner if b else 0)
            out_proj = inner * E + (E if b else 0)
        # PyTorch's head size E / H is computed; Keras's is key_dim, given, so it asks the heads' width
        first = {"head_dim": head} if p["convention"] == "pytorch" else {"inner_dim": inner}
        return first | {"in_proj": in_proj, "out_proj": out_proj, "total": in_proj + out_proj}

    def render(self, p, answers):
        E, H = p["embed_dim"], p["num_heads"]
        k, v = p["kdim"] or E, p["vdim"] or E
        inputs = (f"queries of size {E}, keys of size {k} and values of size {v}" if (k, v) != (E, E)
                  else f"queries, keys and values all of size {E}")
        bias = "with biases" if p["bias"] else "without biases"
        if p["convention"] == "pytorch":
            layer = ("A PyTorch layer" + code(f"nn.MultiheadAttention(embed_dim={E}, num_heads={H}, bias={p['bias']}"
                                         + (f", kdim={k}, vdim={v}" if (k, v) != (E, E) else "") + ")") + " takes " + inputs
                     + f" ({bias}). It splits embed\\_dim into {counted(H, 'head')}; its input projections map queries, keys "
                       f"and values to size {E}, and one output projection maps {E} to {E}.")
        else:
            layer = ("A Keras layer" + code(f"MultiHeadAttention(num_heads={H}, key_dim={p['key_dim']}, use_bias={p['bias']})")
                     + " takes " + inputs + f" ({bias}). Every head has key\\_dim = "
                     f"value\\_dim = {p['key_dim']}; the query, key and value projections map their inputs to "
                     f"{counted(H, 'head')} of that size, and the output projection maps the heads back to size {E}.")
        first = (Part("What is the size of each head?", ("head_dim",)) if p["convention"] == "pytorch" else
                 Part("What is the output size of the query projection (all heads together)?", ("inner_dim",)))
        parts = (first,
                 Part("How many parameters do the query, key and value projections have together?", ("in_proj",), 2),
                 Part("How many parameters does the output projection have?", ("out_proj",)),
                 Part("How many parameters does the layer have in total?", ("total",)))
        inner = H * (p["key_dim"] or E // H)
        bias_note = " plus a bias per output" if p["bias"] else ""
        solution = (f"Each projection is a dense map: inputs times outputs{bias_note}. The projections map {E}, "
                    f"{k} and {v} inputs to {inner} outputs each: ${answers['in_proj'].latex}$. The output "
                    f"projection maps {inner} to {E}: ${answers['out_proj'].latex}$. "
                    + (f"Head size ${E} / {H} = {answers['head_dim'].latex}$" if p["convention"] == "pytorch" else
                       f"All heads together: ${H} \\cdot {p['key_dim']} = {answers['inner_dim'].latex}$")
                    + f"; in total ${answers['total'].latex}$.")
        return Rendered(layer, parts, solution)


class BlockParams(Generator):
    id = "transformer.block_params"
    title = "Parameters of a transformer encoder block"
    refuses = ("nhead that does not divide d_model",)
    labels = {"attention": r"\text{parameters of the self-attention}", "ffn": r"\text{parameters of the feed-forward}",
              "norms": r"\text{parameters of the layer norms}", "total": r"\text{parameters in total}"}
    topics = ("attention", "transformer", "counting")
    params = {"d_model": Int(1, 8192), "nhead": Int(1, 128), "dim_feedforward": Int(1, 32768), "bias": Bool(),
              "norm_first": Bool()}
    max_abs = 10**10

    def sample(self, d):
        nhead = d.int("nhead", 1, 16)
        d_model = d.value("d_model", lambda: nhead * d.integer(4, min(128, 8192 // nhead)))
        return {"d_model": d_model, "nhead": nhead,
                "dim_feedforward": d.value("dim_feedforward", lambda: d_model * d.integer(1, min(4, 32768 // d_model))),
                "bias": d.form("bias", lambda: d.chance(0.8)), "norm_first": d.form("norm_first", lambda: d.chance(0.5))}

    def check(self, p):
        if p["d_model"] % p["nhead"]:
            raise IllPosed("nhead", f"must divide d_model {p['d_model']}")

    def solve(self, p):
        E, F, b = p["d_model"], p["dim_feedforward"], p["bias"]
        attention = 4 * E * E + (4 * E if b else 0)
        ffn = 2 * E * F + (F + E if b else 0)
        norms = 2 * (2 * E if b else E)
        return {"attention": attention, "ffn": ffn, "norms": norms, "total": attention + ffn + norms}

    def render(self, p, answers):
        E, F = p["d_model"], p["dim_feedforward"]
        order = ("normalises before each sub-layer (pre-norm)" if p["norm_first"]
                 else "normalises after each residual addition (post-norm)")
        statement = (
            "A PyTorch encoder block" + code(f"nn.TransformerEncoderLayer(d_model={E}, nhead={p['nhead']}, dim_feedforward={F}, "
                                f"bias={p['bias']}, norm_first={p['norm_first']})") + " has a self-attention "
            rf"sub-layer (query, key, value and output projections of size {E}), a feed-forward sub-layer "
            rf"({E} to {F} to {E}) and two layer norms, each with a scale per feature"
            + (" and a shift per feature" if p["bias"] else ", without shift (bias=False)")
            + f"; {'every projection has' if p['bias'] else 'no projection has'} a bias. The block {order}; "
              "where the norms sit does not change the count.")
        parts = (Part("How many parameters does the self-attention sub-layer have?", ("attention",)),
                 Part("How many parameters does the feed-forward sub-layer have?", ("ffn",)),
                 Part("How many parameters do the two layer norms have?", ("norms",)),
                 Part("How many parameters does the block have in total?", ("total",)))
        solution = (f"Attention: four {E}\\(\\times\\){E} projections" + (f" and four biases of {E}" if p["bias"] else "")
                    + f", ${answers['attention'].latex}$. Feed-forward: {E}\\(\\times\\){F} and {F}\\(\\times\\){E}"
                    + (f" with biases {F} and {E}" if p["bias"] else "") + f", ${answers['ffn'].latex}$. Norms: "
                    + f"${answers['norms'].latex}$. Total ${answers['total'].latex}$.")
        return Rendered(statement, parts, solution)


class KvCache(Generator):
    id = "attn.kv_cache"
    title = "Memory of a decoder's key-value cache"
    refuses = ("kv_heads that do not divide heads",)
    labels = {"values": r"\text{numbers in the cache}", "bytes": r"\text{bytes}", "gib": r"\text{GiB}"}
    topics = ("attention", "transformer", "counting")
    params = {"layers": Int(1, 256), "heads": Int(1, 256), "kv_heads": Int(1, 256), "head_dim": Int(1, 1024),
              "seq_len": Int(1, 1_048_576), "batch": Int(1, 1024), "bytes_per_value": Choice(1, 2, 4)}
    max_abs = 10**15
    max_denominator = 64  # GiB as a fraction

    def sample(self, d):
        heads = d.choice("heads", (8, 16, 32, 64))
        # 2 x layers (8k) x tokens (16384 m) x head_dim (64 or 128) holds 2^24: GiB over at most 64
        return {"layers": d.value("layers", lambda: 8 * d.integer(1, 24)), "heads": heads,
                "kv_heads": d.value("kv_heads", lambda: d.pick([k for k in (1, 2, 4, 8, heads) if k <= heads])),
                "head_dim": d.choice("head_dim", (64, 128, 256)), "seq_len": d.value("seq_len", lambda: 16384 * d.integer(1, 32)),
                "batch": d.int("batch", 1, 64), "bytes_per_value": d.form_choice("bytes_per_value", (1, 2, 4))}

    def check(self, p):
        if p["heads"] % p["kv_heads"]:
            raise IllPosed("kv_heads", f"must divide heads {p['heads']} (each key-value head serves a group of query heads)")

    def solve(self, p):
        values = 2 * p["layers"] * p["batch"] * p["seq_len"] * p["kv_heads"] * p["head_dim"]
        size = values * p["bytes_per_value"]
        return {"values": values, "bytes": size, "gib": sympy.Rational(size, GIB)}

    def render(self, p, answers):
        grouping = ("multi-head attention: every query head has its own key and value head"
                    if p["kv_heads"] == p["heads"] else
                    f"grouped-query attention: {counted(p['kv_heads'], 'key-value head')}, "
                    f"{'shared by all' if p['kv_heads'] == 1 else 'each shared by'} "
                    f"{p['heads'] // p['kv_heads']} query heads")
        statement = (
            f"A decoder-only transformer has {counted(p['layers'], 'layer')} with {counted(p['heads'], 'query head')} "
            f"of size {p['head_dim']} ({grouping}). It generates for a batch of {counted(p['batch'], 'sequence')} of "
            f"{counted(p['seq_len'], 'token')} and caches, in every layer, the keys and the values of every token, "
            f"{counted(p['bytes_per_value'], 'byte')} per number. 1 GiB is $2^{{30}}$ bytes.")
        parts = (Part("How many numbers does the cache hold?", ("values",), 2),
                 Part("How many bytes is that?", ("bytes",)),
                 Part("How many GiB is that?", ("gib",)))
        solution = (rf"Keys and values: $2 \times {p['layers']} \times {p['batch']} \times {p['seq_len']} \times "
                    rf"{p['kv_heads']} \times {p['head_dim']} = {answers['values'].latex}$ numbers (only the "
                    rf"{counted(p['kv_heads'], 'key-value head')} {'is' if p['kv_heads'] == 1 else 'are'} cached), "
                    rf"${answers['bytes'].latex}$ bytes, "
                    rf"${answers['gib'].latex}$ GiB.")
        return Rendered(statement, parts, solution)


class PatchEmbedding(Generator):
    id = "vit.patch_embedding"
    title = "A vision transformer's patch embedding"
    refuses = ("patch_size that does not divide image_size",)
    labels = {"patches": r"\text{patches}", "tokens": r"\text{tokens}", "params": r"\text{parameters}"}
    topics = ("attention", "transformer", "counting")
    params = {"image_size": Int(1, 4096), "patch_size": Int(1, 512), "channels": Int(1, 64),
              "embed_dim": Int(1, 8192), "cls_token": Bool()}
    max_abs = 10**9
    # v2: drawn with a class token (without one the tokens are the patches, asked twice); a pinned
    # cls_token = false asks neither the tokens nor the class token's parameters
    version = 2

    def sample(self, d):
        patch = d.choice("patch_size", (2, 4, 7, 8, 14, 16, 32))
        return {"image_size": d.value("image_size", lambda: patch * d.integer(2, max(2, min(32, 4096 // patch)))),
                "patch_size": patch,
                "channels": d.choice("channels", (1, 3)), "embed_dim": d.value("embed_dim", lambda: 32 * d.integer(2, 32)),
                "cls_token": d.form("cls_token", lambda: True)}

    def check(self, p):
        if p["image_size"] % p["patch_size"]:
            raise IllPosed("patch_size", f"must divide image_size {p['image_size']} (patches tile the image)")

    def solve(self, p):
        patches = (p["image_size"] // p["patch_size"]) ** 2
        tokens = patches + (1 if p["cls_token"] else 0)
        E = p["embed_dim"]
        params = p["channels"] * p["patch_size"] ** 2 * E + E + (E if p["cls_token"] else 0) + tokens * E
        return {"patches": patches, "tokens": tokens, "params": params}

    def render(self, p, answers):
        S, P, C, E = p["image_size"], p["patch_size"], p["channels"], p["embed_dim"]
        cls = "A learned class token is prepended to the sequence. " if p["cls_token"] else "There is no class token. "
        statement = (
            f"A vision transformer cuts a {S}\\(\\times\\){S} image with {C} channel{'s' if C > 1 else ''} into "
            f"non-overlapping {P}\\(\\times\\){P} patches and maps each to a token of size {E} with one linear "
            f"projection with bias (a convolution with kernel and stride {P}, as \\texttt{{nn.Conv2d}}). " + cls
            + "Every token position has a learned position embedding of size " + str(E) + ".")
        tokens = (Part("How many tokens enter the transformer?", ("tokens",)),) if p["cls_token"] else ()
        parts = (Part("How many patches does an image give?", ("patches",)), *tokens,
                 # the class token is named only when the statement has one (a slot's form fixes cls_token)
                 Part("How many parameters do the projection, the class token and the position embeddings have "
                      "together?" if p["cls_token"] else
                      "How many parameters do the projection and the position embeddings have together?",
                      ("params",), 2))
        solution = (f"$({S}/{P})^2 = {answers['patches'].latex}$ patches, "
                    + (f"${answers['tokens'].latex}$ tokens with the class token. " if p["cls_token"] else
                       f"one token each (${answers['tokens'].latex}$ tokens). ") +
                    f"Projection ${C}\\cdot{P}^2\\cdot{E} + {E}$, " + (f"class token ${E}$, " if p["cls_token"] else "") + "positions "
                    f"${answers['tokens'].latex}\\cdot{E}$: ${answers['params'].latex}$ in total.")
        return Rendered(statement, parts, solution)


class ScaledDotProduct(Generator):
    id = "attn.scaled_dot_product"
    forms = {"tokens": Int(2, 3), "dim": Choice(1, 4), "value_dim": Int(1, 2)}
    title = "Scaled dot-product attention by hand"
    refuses = ("K of another width than Q, V with another number of rows than K",
               "a width without a whole square root",
               "a causal mask with more keys than queries")
    labels = {"scores": "S", "weights": "A", "output": "O"}
    topics = ("attention",)
    params = {"Q": Matrix(Num(-10, 10), max_rows=4, max_cols=16), "K": Matrix(Num(-10, 10), max_rows=4, max_cols=16),
              "V": Matrix(Num(-10, 10), max_rows=4, max_cols=4), "mask": Bool(default=False)}
    calculator = True  # the softmax's exponentials, to 4 decimals
    max_abs = 100
    max_denominator = 4

    def sample(self, d):
        n, dim, dv = d.form_int("tokens", 2, 3), d.form_choice("dim", (1, 4)), d.form_int("value_dim", 1, 2)
        return {"Q": d.value("Q", lambda: d.integers((n, dim), -2, 2)), "K": d.value("K", lambda: d.integers((n, dim), -2, 2)),
                "V": d.value("V", lambda: d.integers((n, dv), -3, 3)), "mask": d.form("mask", lambda: d.chance(0.5))}

    def check(self, p):
        (n, dim), (m, k_dim), (v_rows, _) = (len(p["Q"]), len(p["Q"][0])), (len(p["K"]), len(p["K"][0])), \
            (len(p["V"]), len(p["V"][0]))
        if k_dim != dim:
            raise IllPosed("K", f"keys need the queries' size {dim}, not {k_dim}")
        if v_rows != m:
            raise IllPosed("V", f"needs {m} rows, one value per key, not {v_rows}")
        if sympy.sqrt(dim).is_Integer is False:
            raise IllPosed("Q", f"the size {dim} has no whole square root; use 1, 4, 9 or 16")
        if p["mask"] and n != m:
            raise IllPosed("mask", "a causal mask needs as many queries as keys")

    def degenerate(self, p, answers):
        for i, row in enumerate(answers["scores"].exact):
            seen = row[:i + 1] if p["mask"] else row
            if len(seen) > 1 and len(set(seen)) == 1:
                return f"query {i + 1} scores every key it sees the same: uniform weights"
        return None

    def solve(self, p):
        scale = sympy.sqrt(len(p["Q"][0]))
        scores = tuple(tuple(sum((a * b for a, b in zip(q, k)), I(0)) / scale for k in p["K"]) for q in p["Q"])
        weights = []
        for i, row in enumerate(scores):
            seen = row[:i + 1] if p["mask"] else row
            weights.append(tuple(softmax(seen)) + (I(0),) * (len(row) - len(seen)))
        output = tuple(tuple(sum((w * v[j] for w, v in zip(row, p["V"])), I(0)) for j in range(len(p["V"][0])))
                       for row in weights)
        return {"scores": scores, "weights": tuple(weights), "output": output}

    def render(self, p, answers):
        dim = len(p["Q"][0])
        mask = (r" A causal mask lets query $i$ attend only to keys $1, \dots, i$: the other scores are set to "
                r"$-\infty$ before the softmax, so their weights are 0." if p["mask"] else " There is no mask.")
        statement = (
            r"Scaled dot-product attention (as \texttt{torch.nn.functional.scaled\_dot\_product\_attention}) computes "
            rf"the scores $S = Q K^\top / \sqrt{{d}}$ with $d = {dim}$, the weights $A = \mathrm{{softmax}}(S)$ row "
            r"by row, $A_{ij} = e^{S_{ij}} / \sum_l e^{S_{il}}$, and the output $O = A V$, for"
            + display("Q", p["Q"]) + display("K", p["K"]) + display("V", p["V"]) + mask)
        # with a mask the key's S is the unmasked QK^T / sqrt(d): say so, since the statement sets masked scores to -inf
        parts = (Part(r"Compute the scores $S = Q K^\top / \sqrt{d}$ before the mask is applied." if p["mask"]
                      else "Compute the scores $S$.", ("scores",), 1),
                 Part("Compute the attention weights $A$.", ("weights",), 2),
                 Part("Compute the output $O$.", ("output",), 2))
        solution = (rf"Each score is a dot product divided by $\sqrt{{{dim}}}$:" + display("S", answers["scores"].exact)
                    + r"Each row of $A$ is the softmax of its row of $S$" + (" over the keys it may see" if p["mask"] else "")
                    + rf"; to 4 decimals \[ A \approx {decimal_latex(answers['weights'].exact)} \]"
                    + rf"and $O = AV$ mixes the rows of $V$ with those weights: \[ O \approx "
                      rf"{decimal_latex(answers['output'].exact)} \]")
        return Rendered(statement, parts, solution)


def softmax(scores):
    """softmax_i = 1 / sum_j exp(s_j - s_i): the same values, in a form sympy builds quickly."""
    return [divide(I(1), sympy.Add(*(exp(t - s) for t in scores))) for s in scores]
