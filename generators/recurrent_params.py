"""Recurrent family, parameter counts: vanilla RNN, LSTM and GRU layers with their
embedding and dense head, under the Keras and PyTorch bias conventions, and the
inverse question (the hidden size from a count)."""

from __future__ import annotations

from typing import ClassVar

import sympy

from qbank.core.errors import IllPosed
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Bool, Choice, Int
from qbank.core.tex import counted

# Sampled sizes: any width in these ranges, so that two students rarely get the same count.
INPUT_SIZES = (2, 300)
HIDDEN_SIZES = (2, 256)
QUARTER = sympy.Rational(1, 4)


def bias_vectors(p) -> int:
    """Bias vectors per gate: Keras keeps one, PyTorch two (b_ih and b_hh)."""
    return 0 if not p["bias"] else 2 if p["convention"] == "pytorch" else 1


def layer_count(gates: int, D, H, vectors: int):
    """Each gate: input weights (H x D), recurrent weights (H x H) and its bias vectors."""
    return gates * (D * H + H * H + vectors * H)


class RecurrentCount(Generator):
    """One recurrent layer, optionally after an embedding and before a dense head."""

    abstract = True

    gates: ClassVar[int]
    layer: ClassVar[str]             # the layer's answer name and what the text calls it
    keras_layer: ClassVar[str]
    torch_layer: ClassVar[str]
    gate_text: ClassVar[str]
    labels = {"embedding": r"\text{parameters of the embedding}", "head": r"\text{parameters of the dense layer}",
              "total": r"\text{parameters in total}"}
    topics = ("rnn",)
    version = 2
    max_abs = 5_000_000
    forms = {"dense_head": Bool(), "embedding": Bool()}  # whether those parts appear
    params = {
        "input_size": Int(1, 100_000), "hidden_size": Int(1, 100_000),
        "bias": Bool(), "convention": Choice("keras", "pytorch"),
        "output_size": Int(0, 100_000),
        "vocab_size": Int(0, 10_000_000, default=0),
    }

    def sample(self, d):
        return {
            "input_size": d.int("input_size", *INPUT_SIZES), "hidden_size": d.int("hidden_size", *HIDDEN_SIZES),
            "bias": d.form("bias", lambda: d.chance(0.8)),
            "convention": d.form_choice("convention", ("keras", "pytorch")),
            # whether the dense head and the embedding parts appear is form; their sizes are values
            "output_size": d.value("output_size", lambda: d.pick((2, 5, 10, 50, 100))
                                   if d.form("dense_head", lambda: d.chance(0.6)) else 0),
            "vocab_size": d.value("vocab_size", lambda: d.pick((1000, 5000, 10000, 20000))
                                  if d.form("embedding", lambda: d.chance(0.25)) else 0),
        }

    def vectors(self, p) -> int:
        return bias_vectors(p)

    def keras(self, p) -> bool:
        return p["convention"] == "keras"

    def convention_text(self, p) -> str:
        return self.bias_text(p) if self.vectors(p) else "The layers have no biases."

    def bias_text(self, p) -> str:
        if self.keras(p):
            return f"In Keras an {self.keras_layer} with biases keeps one bias vector per gate."
        return rf"PyTorch's \texttt{{{self.torch_layer}}} keeps two bias vectors per gate, $b_{{ih}}$ and $b_{{hh}}$."

    def solve(self, p):
        D, H, O, V = (p[k] for k in ("input_size", "hidden_size", "output_size", "vocab_size"))
        layer = layer_count(self.gates, D, H, self.vectors(p))
        head = O * H + (O if self.vectors(p) else 0)
        answers = {self.layer: layer, "head": head, "total": V * D + layer + head}
        return ({"embedding": V * D} if V else {}) | answers

    def render(self, p, answers):
        D, H, O, V = (p[k] for k in ("input_size", "hidden_size", "output_size", "vocab_size"))
        keras, biased = self.keras(p), self.vectors(p) > 0
        no_bias = "" if biased else r", use\_bias=False"
        layers = []
        if V:
            layers.append(rf"\texttt{{Embedding({V}, {D})}} (a vocabulary of {counted(V, 'word')}, vectors of size {D})"
                          if keras else rf"\texttt{{nn.Embedding({V}, {D})}}")
        layers.append(rf"\texttt{{{self.keras_call(p, no_bias)}}} on inputs of {counted(D, 'feature')}" if keras
                      else rf"\texttt{{{self.torch_layer}(input\_size={D}, hidden\_size={H}, bias={biased})}}")
        if O:
            layers.append(rf"\texttt{{Dense({O}{no_bias})}} on the last hidden state"
                          if keras else rf"\texttt{{nn.Linear({H}, {O}, bias={biased})}} on the last hidden state")
        statement = (f"A {'Keras' if keras else 'PyTorch'} model consists of " + ", then ".join(layers) + ". "
                     + self.convention_text(p) + " Count trainable parameters only ("
                     + ("weights and biases)." if biased else "here only weights)."))
        parts = [Part("How many parameters does the embedding layer have?", ("embedding",), 1)] if V else []
        layer_name = self.keras_layer if keras else rf"\texttt{{{self.torch_layer}}}"
        parts.append(Part(f"How many parameters does the {layer_name} layer have?", (self.layer,), 2))
        if O:
            parts.append(Part("How many parameters does the dense output layer have?", ("head",), 1))
        if V or O:
            parts.append(Part("How many parameters does the whole model have?", ("total",), 1))
        return Rendered(statement, tuple(parts), self._solution(p, answers))

    def keras_call(self, p, no_bias: str) -> str:
        return f"{self.keras_layer}({p['hidden_size']}{no_bias})"

    def _solution(self, p, answers):
        D, H, O, V = (p[k] for k in ("input_size", "hidden_size", "output_size", "vocab_size"))
        nb = self.vectors(p)
        bias_term = "" if nb == 0 else rf" + {H}" if nb == 1 else rf" + 2\cdot {H}"
        factor = rf"{self.gates}\," if self.gates > 1 else ""
        steps = []
        if V:
            steps.append(rf"Embedding: one vector of size {D} per word, ${V}\cdot{D} = {answers['embedding'].latex}$.")
        # the layer as the statement's framework names it (PyTorch's nn.RNN, not Keras's SimpleRNN)
        layer_name = self.keras_layer if self.keras(p) else rf"\texttt{{{self.torch_layer}}}"
        steps.append(
            rf"{layer_name}: {self.gate_text} has an input weight matrix (${H}\times{D}$), a recurrent weight "
            rf"matrix (${H}\times{H}$)"
            + ("" if nb == 0 else " and one bias vector" if nb == 1 else r" and two bias vectors ($b_{ih}$, $b_{hh}$)")
            + rf", so ${factor}({D}\cdot{H} + {H}\cdot{H}{bias_term}) = {answers[self.layer].latex}$.")
        if O:
            steps.append(rf"Dense head: ${H}\cdot{O}" + (rf" + {O}" if nb else "")
                         + rf" = {answers['head'].latex}$ (weights" + (" and one bias per output)." if nb else ", no bias)."))
        else:
            steps.append(rf"There is no dense head, so it adds ${answers['head'].latex}$ parameters.")
        steps.append(rf"In total ${answers['total'].latex}$ parameters.")
        return "\n\n".join(steps)


class LstmCount(RecurrentCount):
    id = "lstm.param_count"
    title = "Parameters of an LSTM layer (and its embedding and dense head)"
    labels = RecurrentCount.labels | {"lstm": r"\text{parameters of the LSTM}"}
    topics = ("rnn", "lstm", "counting")
    gates, layer, keras_layer, torch_layer = 4, "lstm", "LSTM", "nn.LSTM"
    gate_text = "each of the 4 gates (input, forget, output, candidate)"


class RnnCount(RecurrentCount):
    id = "rnn.params"
    title = "Parameters of a vanilla RNN layer (and its embedding and dense head)"
    labels = RecurrentCount.labels | {"rnn": r"\text{parameters of the RNN}"}
    topics = ("rnn", "counting")
    gates, layer, keras_layer, torch_layer = 1, "rnn", "SimpleRNN", "nn.RNN"
    gate_text = "the layer"

    def bias_text(self, p):
        if self.keras(p):
            return "In Keras a SimpleRNN with biases keeps one bias vector."
        return r"PyTorch's \texttt{nn.RNN} keeps two bias vectors, $b_{ih}$ and $b_{hh}$."


class GruCount(RecurrentCount):
    id = "gru.param_count"
    # bias and convention only decide bias_vectors, the parameter a spec pins (a pinned bias is refused)
    hidden_forms = ("bias", "convention")
    title = "Parameters of a GRU layer (and its embedding and dense head)"
    labels = RecurrentCount.labels | {"gru": r"\text{parameters of the GRU}"}
    topics = ("rnn", "gru", "counting")
    gates, layer, keras_layer, torch_layer = 3, "gru", "GRU", "nn.GRU"
    gate_text = "each of the 3 gates (reset, update, candidate)"
    params = {
        "input_size": Int(1, 100_000), "hidden_size": Int(1, 100_000), "bias_vectors": Choice(0, 1, 2),
        "output_size": Int(0, 100_000), "vocab_size": Int(0, 10_000_000, default=0),
    }

    def sample(self, d):
        p = super().sample(d)
        vectors = d.form("bias_vectors", lambda: 0 if not p["bias"] else 1 if p["convention"] == "keras" else 2)
        return {k: v for k, v in p.items() if k not in ("bias", "convention")} | {"bias_vectors": vectors}

    def vectors(self, p) -> int:
        return p["bias_vectors"]

    def keras(self, p) -> bool:
        return p["bias_vectors"] == 1  # Keras's reset_after=False; two vectors are written as PyTorch

    def keras_call(self, p, no_bias):
        return f"GRU({p['hidden_size']}, reset\\_after=False)"

    def convention_text(self, p):
        return {0: "The layers have no biases.",
                1: "With reset_after=False a Keras GRU keeps one bias vector per gate.".replace("_", r"\_"),
                2: r"PyTorch's \texttt{nn.GRU} keeps two bias vectors per gate, $b_{ih}$ and $b_{hh}$ (as does Keras's "
                   r"default GRU with reset\_after=True)."}[p["bias_vectors"]]


class HiddenFromParams(Generator):
    id = "lstm.hidden_from_params"
    title = "Hidden size of an LSTM from its parameter count"
    refuses = ("a total that no whole hidden size gives",)
    labels = {"hidden_size": "H", "input_weights": r"\text{input weights}"}
    topics = ("rnn", "lstm", "counting")
    params = {"input_size": Int(1, 100_000), "total": Int(1, 10**9), "convention": Choice("keras", "pytorch")}
    version = 2
    max_abs = 10_000_000

    def sample(self, d):
        # the quadratic's discriminant stays a square of at most ~300: its root is found by hand
        D, convention = d.int("input_size", 2, 128), d.form_choice("convention", ("keras", "pytorch"))
        H = d.integer(8, 128)
        vectors = 1 if convention == "keras" else 2
        return {"input_size": D, "convention": convention,
                "total": d.value("total", lambda: layer_count(4, D, H, vectors))}

    def _quadratic(self, p):
        """4 H^2 + 4 (D + b) H - total = 0, divided by 4."""
        H = sympy.Symbol("H")
        vectors = 1 if p["convention"] == "keras" else 2
        return H, sympy.expand(layer_count(4, p["input_size"], H, vectors) / 4) - p["total"] * QUARTER

    def _roots(self, p):
        """Both roots of H^2 + (D + b) H - total/4 = 0 by the quadratic formula: exact and fast for
        any total (sympy.solve takes seconds on large pinned counts)."""
        linear = p["input_size"] + (1 if p["convention"] == "keras" else 2)
        root = sympy.sqrt(linear * linear + p["total"])
        return ((-linear + root) / 2, (-linear - root) / 2)

    def check(self, p):
        root = max(self._roots(p))  # the roots multiply to -total/4 < 0: exactly one is positive
        if not root.is_Integer:
            raise IllPosed("total", f"no whole hidden size gives {p['total']} parameters "
                                    f"(the positive root is {root}); check the count and the convention")

    def solve(self, p):
        hidden = max(self._roots(p))
        return {"hidden_size": hidden, "input_weights": 4 * p["input_size"] * hidden}

    def render(self, p, answers):
        D, N = p["input_size"], p["total"]
        keras = p["convention"] == "keras"
        statement = (
            (rf"A Keras \texttt{{LSTM}} layer (with biases: one bias vector per gate) on inputs of {counted(D, 'feature')} has "
             if keras else
             rf"A PyTorch \texttt{{nn.LSTM(input\_size={D}, hidden\_size=H)}} (with biases: $b_{{ih}}$ and $b_{{hh}}$ per "
             r"gate) has ")
            + f"{N} trainable parameters.")
        H, equation = self._quadratic(p)
        b = 1 if keras else 2
        solution = (
            rf"The count is $4\,(D H + H^2 + {b if b > 1 else ''}H) = {N}$ with $D = {D}$; dividing by 4: "
            rf"${sympy.latex(equation)} = 0$. The roots multiply to a negative number, so exactly one is positive: "
            rf"$H = {answers['hidden_size'].latex}$ (the other root is "
            rf"${sympy.latex(min(self._roots(p)))}$). The input weights are the 4 gates' "
            rf"$H \times D$ matrices: $4 \cdot {D} \cdot {answers['hidden_size'].latex} = {answers['input_weights'].latex}$.")
        parts = (Part("What is its hidden size $H$?", ("hidden_size",), 2),
                 Part("How many of its parameters are input weights (the matrices applied to $x_t$)?", ("input_weights",), 1))
        return Rendered(statement, parts, solution)
