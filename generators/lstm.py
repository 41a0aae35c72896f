"""LSTM family: parameter counts under the Keras and PyTorch bias conventions."""

from __future__ import annotations

import sympy

from qbank.generator import Generator
from qbank.model import Part, Rendered
from qbank.params import Bool, Choice, Int

SIZES = (2, 3, 4, 5, 8, 10, 16, 20, 32, 64, 100, 128)
GATES = 4  # input, forget and output gates and the candidate cell


def bias_vectors(p) -> int:
    """Bias vectors per gate: Keras keeps one, PyTorch two (b_ih and b_hh)."""
    return 0 if not p["bias"] else 2 if p["convention"] == "pytorch" else 1


class ParamCount(Generator):
    id = "lstm.param_count"
    title = "Parameters of an LSTM layer (and its embedding and dense head)"
    topics = ("rnn", "lstm")
    params = {
        "input_size": Int(1, 100_000), "hidden_size": Int(1, 100_000),
        "bias": Bool(), "convention": Choice("keras", "pytorch"),
        "output_size": Int(0, 100_000),
        "vocab_size": Int(0, 10_000_000, default=0),
    }
    max_abs = 5_000_000

    def sample(self, d):
        return {
            "input_size": d.choice("input_size", SIZES), "hidden_size": d.choice("hidden_size", SIZES),
            "bias": d.value("bias", lambda: d.chance(0.8)),
            "convention": d.choice("convention", ("keras", "pytorch")),
            "output_size": d.value("output_size", lambda: 0 if d.chance(0.4) else d.pick((1, 2, 5, 10, 50, 100))),
            "vocab_size": d.value("vocab_size", lambda: 0 if d.chance(0.75) else d.pick((1000, 5000, 10000, 20000))),
        }

    def solve(self, p):
        D, H, O, V = (sympy.Integer(p[k]) for k in ("input_size", "hidden_size", "output_size", "vocab_size"))
        lstm = GATES * (D * H + H * H + bias_vectors(p) * H)
        head = O * H + (O if p["bias"] else 0)
        answers = {"lstm": lstm, "head": head, "total": V * D + lstm + head}
        return ({"embedding": V * D} if V else {}) | answers

    def render(self, p, answers):
        D, H, O, V = (p[k] for k in ("input_size", "hidden_size", "output_size", "vocab_size"))
        keras = p["convention"] == "keras"
        no_bias = "" if p["bias"] else r", use\_bias=False"
        layers = []
        if V:
            layers.append(rf"\texttt{{Embedding({V}, {D})}} (a vocabulary of {V} words, vectors of size {D})"
                          if keras else rf"\texttt{{nn.Embedding({V}, {D})}}")
        layers.append(
            rf"\texttt{{LSTM({H}{no_bias})}} on inputs of {D} features"
            if keras else rf"\texttt{{nn.LSTM(input\_size={D}, hidden\_size={H}, bias={p['bias']})}}")
        if O:
            layers.append(rf"\texttt{{Dense({O}{no_bias})}} on the last hidden state"
                          if keras else rf"\texttt{{nn.Linear({H}, {O}, bias={p['bias']})}} on the last hidden state")
        convention = (
            "In Keras an LSTM with biases keeps one bias vector per gate." if keras else
            r"PyTorch's \texttt{nn.LSTM} keeps two bias vectors per gate, $b_{ih}$ and $b_{hh}$.")
        statement = (
            f"A {'Keras' if keras else 'PyTorch'} model consists of "
            + ", then ".join(layers) + ". " + convention
            + " Count trainable parameters only (weights and biases)."
        )
        parts = [Part("How many parameters does the embedding layer have?", ("embedding",), 1)] if V else []
        parts.append(Part("How many parameters does the LSTM layer have?", ("lstm",), 2))
        if O:
            parts.append(Part("How many parameters does the dense output layer have?", ("head",), 1))
        if V or O:
            parts.append(Part("How many parameters does the whole model have?", ("total",), 1))
        return Rendered(statement, tuple(parts), self._solution(p, answers))

    @staticmethod
    def _solution(p, answers):
        D, H, O, V = (p[k] for k in ("input_size", "hidden_size", "output_size", "vocab_size"))
        nb = bias_vectors(p)
        bias_term = "" if nb == 0 else rf" + {H}" if nb == 1 else rf" + 2\cdot {H}"
        steps = []
        if V:
            steps.append(rf"Embedding: one vector of size {D} per word, ${V}\cdot{D} = {answers['embedding'].latex}$.")
        steps.append(
            rf"LSTM: each of the 4 gates (input, forget, output, candidate) has an input weight matrix "
            rf"(${H}\times{D}$), a recurrent weight matrix (${H}\times{H}$)"
            + ("" if nb == 0 else " and one bias vector" if nb == 1 else r" and two bias vectors ($b_{ih}$, $b_{hh}$)")
            + rf", so $4\,({D}\cdot{H} + {H}\cdot{H}{bias_term}) = {answers['lstm'].latex}$.")
        if O:
            steps.append(rf"Dense head: ${H}\cdot{O}" + (rf" + {O}" if p["bias"] else "")
                         + rf" = {answers['head'].latex}$ (weights" + (" and one bias per output)." if p["bias"] else ", no bias)."))
        else:
            steps.append(rf"There is no dense head, so it adds ${answers['head'].latex}$ parameters.")
        steps.append(rf"In total ${answers['total'].latex}$ parameters.")
        return "\n\n".join(steps)
