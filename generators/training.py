"""Training set-up: parameters of dense networks, iterations per epoch, weight initialisation."""

from __future__ import annotations

import sympy

from qbank.errors import IllPosed
from qbank.generator import Generator
from qbank.model import Part, Rendered
from qbank.exact import latex, terminates
from qbank.params import Bool, Choice, Int, Num, Vector
from qbank.tex import keyed

I = sympy.Integer


class MlpParams(Generator):
    id = "mlp.params"
    title = "Parameters of a fully connected network"
    topics = ("mlp", "counting")
    params = {"input_size": Int(1, 100_000), "hidden": Vector(Int(1, 100_000), 0, 20),
              "output_size": Int(1, 100_000), "bias": Bool()}
    version = 2
    max_abs = 10_000_000

    def sample(self, d):
        width = d.integer(4, 128)
        return {"input_size": d.int("input_size", 2, 784),
                "hidden": d.value("hidden", lambda: (width,) * d.form_int("layers", 2, 4) if d.form("equal_widths", lambda: d.chance(0.6))
                                  else tuple(d.integer(4, 128) for _ in range(d.form_int("layers", 2, 4)))),
                "output_size": d.int("output_size", 1, 10), "bias": d.form("bias", lambda: d.chance(0.8))}

    @staticmethod
    def widths(p):
        return (p["input_size"], *p["hidden"], p["output_size"])

    def solve(self, p):
        sizes = self.widths(p)
        per_layer = tuple(I(n_in * n_out + (n_out if p["bias"] else 0)) for n_in, n_out in zip(sizes, sizes[1:]))
        return {"per_layer": per_layer, "total": sum(per_layer, I(0))}

    def render(self, p, answers):
        hidden = ", ".join(str(h) for h in p["hidden"]) or "none"
        statement = (
            rf"A fully connected network maps {p['input_size']} inputs through hidden layers of widths {hidden} to "
            rf"{p['output_size']} output{'s' if p['output_size'] > 1 else ''}; every layer is dense "
            + ("with a bias per unit." if p["bias"] else "without biases."))
        parts = (Part("How many parameters does each layer have?", ("per_layer",), 2),
                 Part("How many parameters does the network have in total?", ("total",), 1))
        sizes = self.widths(p)
        steps = ", ".join(rf"${a}\cdot{b}" + (f" + {b}" if p["bias"] else "") + rf" = {sympy.latex(n)}$"
                          for a, b, n in zip(sizes, sizes[1:], answers["per_layer"].exact))
        solution = (r"A dense layer from $n_{\mathrm{in}}$ to $n_{\mathrm{out}}$ units has $n_{\mathrm{in}} n_{\mathrm{out}}$ "
                    "weights" + (r" and $n_{\mathrm{out}}$ biases" if p["bias"] else "") + f": {steps}. So "
                    rf"${answers['per_layer'].latex}$, in total ${answers['total'].latex}$.")
        return Rendered(statement, parts, solution)


class Batches(Generator):
    id = "train.batches"
    title = "Iterations per epoch and the last mini-batch"
    topics = ("training", "counting")
    params = {"samples": Int(1, 10**9), "batch_size": Int(1, 10**6), "epochs": Int(1, 10**4), "drop_last": Bool()}
    version = 2
    max_abs = 10**9

    def sample(self, d):
        batch = d.choice("batch_size", (16, 32, 50, 64, 100, 128, 256))
        return {"samples": d.value("samples", lambda: d.pick((1000, 2500, 5000, 10000, 50000, 60000)) + d.integer(0, 99)),
                "batch_size": batch, "epochs": d.choice("epochs", (1, 5, 10, 20, 100)),
                "drop_last": d.form("drop_last", lambda: d.chance(0.3))}

    def check(self, p):
        if p["drop_last"] and p["samples"] < p["batch_size"]:
            raise IllPosed("batch_size", f"with drop_last every epoch is empty: {p['samples']} samples do not fill "
                                         f"one batch of {p['batch_size']}")

    def solve(self, p):
        n, b = p["samples"], p["batch_size"]
        full, rest = divmod(n, b)
        iterations = full if p["drop_last"] or rest == 0 else full + 1
        last = rest if rest and not p["drop_last"] else b
        return {"iterations_per_epoch": I(iterations), "last_batch": I(last),
                "dropped": I(rest if p["drop_last"] else 0), "total_iterations": I(iterations * p["epochs"])}

    def render(self, p, answers):
        n, b, e = p["samples"], p["batch_size"], p["epochs"]
        statement = (
            rf"A data set of {n} examples is trained for {e} epoch{'s' if e > 1 else ''} with mini-batches of {b} "
            + ("(an incomplete last batch is dropped, as with \\texttt{drop\\_last=True})." if p["drop_last"] else
               "(an incomplete last batch is kept, as with PyTorch's default \\texttt{drop\\_last=False})."))
        parts = (Part("How many iterations (parameter updates) does one epoch make?", ("iterations_per_epoch",), 1),
                 Part("How many examples are in the last batch used in an epoch"
                      + (" (the last full one, since the remainder is dropped)?" if p["drop_last"] else "?"),
                      ("last_batch",), 1),
                 Part("How many examples per epoch are never used?", ("dropped",), 1),
                 Part("How many iterations does the whole training make?", ("total_iterations",), 1))
        full, rest = divmod(n, b)
        solution = (
            rf"${n} = {full}\cdot{b} + {rest}$: {full} full batches"
            + ("" if rest == 0 else (f" and a remainder of {rest}, which is dropped" if p["drop_last"]
                                     else f" and a last batch of {rest}"))
            + rf". So ${answers['iterations_per_epoch'].latex}$ iterations per epoch, a last batch of "
            rf"${answers['last_batch'].latex}$, ${answers['dropped'].latex}$ examples left out, and "
            rf"${answers['iterations_per_epoch'].latex}\cdot{e} = {answers['total_iterations'].latex}$ iterations in all.")
        return Rendered(statement, parts, solution)


SCHEMES = {  # variance of each torch.nn.init scheme (He: gain sqrt(2), mode fan_in)
    "xavier_uniform": lambda fi, fo: sympy.Rational(2, fi + fo), "xavier_normal": lambda fi, fo: sympy.Rational(2, fi + fo),
    "he_uniform": lambda fi, fo: sympy.Rational(2, fi), "he_normal": lambda fi, fo: sympy.Rational(2, fi),
    "lecun_normal": lambda fi, fo: sympy.Rational(1, fi),
}
SCHEME_TEXT = {
    "xavier_uniform": r"Xavier (Glorot) uniform, gain 1: $\mathrm{Var} = 2/(n_{\mathrm{in}} + n_{\mathrm{out}})$",
    "xavier_normal": r"Xavier (Glorot) normal, gain 1: $\mathrm{Var} = 2/(n_{\mathrm{in}} + n_{\mathrm{out}})$",
    "he_uniform": r"He (Kaiming) uniform for ReLU, mode fan\_in: $\mathrm{Var} = 2/n_{\mathrm{in}}$",
    "he_normal": r"He (Kaiming) normal for ReLU, mode fan\_in: $\mathrm{Var} = 2/n_{\mathrm{in}}$",
    "lecun_normal": r"LeCun normal: $\mathrm{Var} = 1/n_{\mathrm{in}}$",
}


class InitVariance(Generator):
    id = "init.variance"
    title = "Weight initialisation: variance, standard deviation and uniform bound"
    topics = ("training",)
    params = {"fan_in": Int(1, 10**6), "fan_out": Int(1, 10**6), "scheme": Choice(*SCHEMES)}
    version = 2
    max_abs = 10
    max_denominator = 10**4  # fans are layer widths up to 4000: 2/(fan_in + fan_out) = 1/2650 is still by hand

    def sample(self, d):
        # any layer width from 100 to 4000, so that neighbours rarely share a variance (He uses fan_in only)
        return {"fan_in": d.int("fan_in", 100, 4000), "fan_out": d.int("fan_out", 100, 4000),
                "scheme": d.form_choice("scheme", tuple(SCHEMES))}

    def solve(self, p):
        variance = SCHEMES[p["scheme"]](p["fan_in"], p["fan_out"])
        answers = {"variance": variance, "std": sympy.sqrt(variance)}
        if p["scheme"].endswith("uniform"):
            answers["bound"] = sympy.sqrt(3 * variance)  # U(-a, a) has variance a^2 / 3
        return answers

    def render(self, p, answers):
        uniform = p["scheme"].endswith("uniform")
        statement = (rf"A dense layer with $n_{{\mathrm{{in}}}} = {p['fan_in']}$ inputs and $n_{{\mathrm{{out}}}} = "
                     rf"{p['fan_out']}$ outputs is initialised with the {SCHEME_TEXT[p['scheme']].split(':')[0]} scheme "
                     + (r"(as Keras's \texttt{lecun\_normal} defines it: $\mathrm{Var} = 1/n_{\mathrm{in}}$)."
                        if p["scheme"] == "lecun_normal" else r"(as \texttt{torch.nn.init} defines it)."))
        parts = [Part("What is the variance of each weight?", ("variance",), 1),
                 Part("What is its standard deviation?", ("std",), 1)]
        if uniform:
            parts.append(Part("The weights are drawn from $U(-a, a)$: what is $a$?", ("bound",), 1))
        solution = (SCHEME_TEXT[p["scheme"]] + rf" $= {answers['variance'].latex}$, so the standard deviation is "
                    rf"$\sqrt{{\mathrm{{Var}}}} {keyed(answers['std'])}$"
                    + (rf"; $U(-a, a)$ has variance $a^2/3$, so $a = \sqrt{{3\,\mathrm{{Var}}}} "
                       rf"{keyed(answers['bound'])}$." if uniform else "."))
        return Rendered(statement, tuple(parts), solution)


class Dropout(Generator):
    id = "reg.dropout"
    title = "Inverted dropout in training and evaluation"
    labels = {"train_output": "y^{train}_#", "eval_output": "y^{eval}_#", "expected": r"\mathbb{E}[y^{train}_#]"}
    topics = ("training", "regularisation")
    # three entries: longer vectors would trip the rule against answers that repeat the statement,
    # and here the evaluation output equals the input on purpose
    params = {"p": Num(0, 1), "x": Vector(Num(-100, 100), 1, 3), "mask": Vector(Int(0, 1), 1, 3)}
    max_abs = 1000
    max_denominator = 4

    def sample(self, d):
        p = d.form_choice("p", (sympy.Rational(1, 2), sympy.Rational(1, 4), sympy.Rational(3, 4), sympy.Rational(1, 5)))
        x = d.value("x", lambda: d.integers(3, -12, 12, exclude=(0,)))
        mask = d.value("mask", lambda: tuple(d.integer(0, 1) for _ in x))
        return {"p": p, "x": x, "mask": mask}

    def check(self, p):
        if not 0 < p["p"] < 1:
            raise IllPosed("p", "the drop probability must be strictly between 0 and 1")
        if len(p["mask"]) != len(p["x"]):
            raise IllPosed("mask", f"needs {len(p['x'])} entries of 0 or 1, one per entry of x")

    def degenerate(self, p, answers):
        if len(set(p["mask"])) < 2:
            return "the mask keeps every entry or drops every entry"
        return None

    def solve(self, p):
        keep = 1 - p["p"]
        return {"train_output": tuple(x * m / keep for x, m in zip(p["x"], p["mask"])),
                "eval_output": tuple(p["x"]), "expected": tuple(p["x"])}

    def render(self, p, answers):
        # as Python writes it: 0.25, or 1/3 where the decimal does not end
        drop = f"{float(p['p']):g}" if terminates(p["p"], 6) else f"{p['p'].p}/{p['p'].q}"
        statement = (
            rf"A dropout layer as \texttt{{nn.Dropout(p={drop})}} ($p$ is the probability of dropping an entry) uses "
            r"inverted dropout: in training it multiplies each entry by a random mask value $m_i \in \{0, 1\}$ "
            rf"($m_i = 0$ with probability $p = {drop}$) and divides by $1 - p$; in evaluation it passes the input "
            rf"unchanged. The input is $x = {latex(p['x'])}$ and, in one training step, the mask is "
            rf"$m = {latex(p['mask'])}$.")
        parts = (Part("Compute the layer's output in that training step.", ("train_output",), 2),
                 Part("Compute the layer's output in evaluation mode.", ("eval_output",)),
                 Part("What is the expected training output, the mean over all masks?", ("expected",)))
        solution = (rf"Training: $y_i = m_i x_i / (1 - {drop})$, so $y^{{train}} = {answers['train_output'].latex}$. "
                    rf"Evaluation: $y^{{eval}} = x = {answers['eval_output'].latex}$. Each entry is kept with "
                    rf"probability $1 - p$ and then scaled by $1/(1 - p)$, so its mean is $x_i$: "
                    rf"$\mathbb{{E}}[y^{{train}}] = {answers['expected'].latex}$, the evaluation output (which is why "
                    "inverted dropout needs no rescaling at test time).")
        return Rendered(statement, parts, solution)
