"""Training set-up: parameters of dense networks, iterations per epoch, weight initialisation."""

from __future__ import annotations

import math

import sympy

from qbank.core.errors import IllPosed
from qbank.core.exact import decimal, decimal_latex, exp, latex, log, sigmoid, terminates, to_float
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Bool, Choice, Int, Matrix, Num, Vector
from qbank.core.tex import counted, counted_answer, display, keyed, listed


class MlpParams(Generator):
    id = "mlp.params"
    forms = {"equal_widths": Bool(), "layers": Int(2, 4)}
    title = "Parameters of a fully connected network"
    labels = {"per_layer": r"\text{layer #}", "total": r"\text{parameters in total}"}
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
        per_layer = tuple(n_in * n_out + (n_out if p["bias"] else 0) for n_in, n_out in zip(sizes, sizes[1:]))
        return {"per_layer": per_layer, "total": sum(per_layer)}

    def render(self, p, answers):
        widths = p["hidden"]
        hidden = (f"a hidden layer of width {widths[0]}" if len(widths) == 1 else
                  f"hidden layers of widths {listed(widths)}" if widths else "no hidden layer")
        statement = (
            rf"A fully connected network maps {counted(p['input_size'], 'input')} through {hidden} to "
            rf"{counted(p['output_size'], 'output')}; every layer is dense "
            + ("with a bias per unit." if p["bias"] else "without biases."))
        parts = (Part("How many parameters does each layer have (every hidden layer, then the output layer)?",
                      ("per_layer",), 2),
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
    refuses = ("drop_last with a batch larger than the samples",)
    labels = {"iterations_per_epoch": r"\text{iterations per epoch}",
              "last_batch": r"\text{examples in the last batch}",
              "dropped": r"\text{unused examples per epoch}", "total_iterations": r"\text{iterations in total}"}
    topics = ("training", "counting")
    params = {"samples": Int(1, 10**9), "batch_size": Int(1, 10**6), "epochs": Int(1, 10**4), "drop_last": Bool()}
    # v3: with drop_last the last batch is always full (the batch size, given), so that form asks for
    # the examples dropped instead and has no last_batch answer
    version = 3
    max_abs = 10**9

    def sample(self, d):
        batch = d.choice("batch_size", (16, 32, 50, 64, 100, 128, 256))
        return {"samples": d.value("samples", lambda: d.pick((1000, 2500, 5000, 10000, 50000, 60000)) + d.integer(0, 99)),
                "batch_size": batch, "epochs": d.choice("epochs", (2, 5, 10, 20, 100)),  # 1 epoch would ask (a) twice
                "drop_last": d.form("drop_last", lambda: d.chance(0.3))}

    def check(self, p):
        if p["drop_last"] and p["samples"] < p["batch_size"]:
            raise IllPosed("batch_size", f"with drop_last every epoch is empty: {p['samples']} samples do not fill "
                                         f"one batch of {p['batch_size']}")

    def solve(self, p):
        n, b = p["samples"], p["batch_size"]
        full, rest = divmod(n, b)
        iterations = full if p["drop_last"] or rest == 0 else full + 1
        # with drop_last every batch is full: its size is the given batch size, not an answer
        last = {} if p["drop_last"] else {"last_batch": rest or b}
        return {"iterations_per_epoch": iterations, **last,
                "dropped": rest if p["drop_last"] else 0, "total_iterations": iterations * p["epochs"]}

    def render(self, p, answers):
        n, b, e = p["samples"], p["batch_size"], p["epochs"]
        statement = (
            rf"A data set of {counted(n, 'example')} is trained for {counted(e, 'epoch')} with mini-batches of {b} "
            + ("(an incomplete last batch is dropped, as with \\texttt{drop\\_last=True})." if p["drop_last"] else
               "(an incomplete last batch is kept, as with PyTorch's default \\texttt{drop\\_last=False})."))
        middle = ((Part("How many examples does each epoch drop (never used in that epoch)?", ("dropped",), 1),)
                  if p["drop_last"] else
                  (Part("How many examples are in the last batch of an epoch?", ("last_batch",), 1),
                   Part("How many examples per epoch are never used?", ("dropped",), 1)))
        parts = (Part("How many iterations (parameter updates) does one epoch make?", ("iterations_per_epoch",), 1),
                 *middle,
                 Part("How many iterations does the whole training make?", ("total_iterations",), 1))
        full, rest = divmod(n, b)
        solution = (
            rf"${n} = {full}\cdot{b} + {rest}$: {counted(full, 'full batch')}"
            + ("" if rest == 0 else (f" and a remainder of {rest}, which is dropped" if p["drop_last"]
                                     else f" and a last batch of {rest}"))
            + f". So {counted_answer(answers['iterations_per_epoch'], 'iteration')} per epoch, "
            + (f"every batch full ({b} examples), " if p["drop_last"] else
               rf"a last batch of ${answers['last_batch'].latex}$, ")
            + f"{counted_answer(answers['dropped'], 'example')} left out, and "
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
    labels = {"variance": r"\mathrm{Var}", "std": r"\sqrt{\mathrm{Var}}", "bound": "a"}
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
    refuses = ("p of 0 or 1", "a mask of another length than x")
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
        drop = decimal(p["p"], 6) if terminates(p["p"], 6) else f"{p['p'].p}/{p['p'].q}"
        statement = (
            rf"A dropout layer as \texttt{{nn.Dropout(p={drop})}} ($p$ is the probability of dropping an entry) uses "
            r"inverted dropout: in training it multiplies each entry by a random mask value $m_i \in \{0, 1\}$ "
            rf"($m_i = 0$ with probability $p = {drop}$) and divides by $1 - p$; in evaluation it passes the input "
            rf"unchanged. The input is $x = {latex(p['x'])}$ and, in one training step, the mask is "
            rf"$m = {latex(p['mask'])}$.")
        parts = (Part("Compute the layer's output in that training step.", ("train_output",), 2),
                 Part("Compute the layer's output in evaluation mode.", ("eval_output",)),
                 Part(r"What is the expected value $\mathbb{E}[y^{train}]$ of the training output over the random "
                      "mask (each mask weighted by its probability)?", ("expected",)))
        solution = (rf"Training: $y_i = m_i x_i / (1 - {drop})$, so $y^{{train}} = {answers['train_output'].latex}$. "
                    rf"Evaluation: $y^{{eval}} = x = {answers['eval_output'].latex}$. Each entry is kept with "
                    rf"probability $1 - p$ and then scaled by $1/(1 - p)$, so its mean is $x_i$: "
                    rf"$\mathbb{{E}}[y^{{train}}] = {answers['expected'].latex}$, the evaluation output (which is why "
                    "inverted dropout needs no rescaling at test time).")
        return Rendered(statement, parts, solution)


HALVES = tuple(sympy.Rational(v, 2) for v in (-4, -2, -1, 1, 2, 4))


class Backprop(Generator):
    id = "mlp.backprop"
    forms = {"hidden": Int(2, 3)}
    title = "Backpropagation through a small MLP and one SGD step"
    refuses = ("W1 that is not 2x2 or 3x2, b1 or W2 of another length",
               "y other than 0 or 1",
               "lr <= 0",
               "a hidden pre-activation of exactly 0 (ReLU's kink)")
    labels = {"hidden": "h_#", "output": r"\hat y", "loss": "L", "dL_dW1": r"\partial L/\partial W_1",
              "dL_db1": r"\partial L/\partial b_{1,#}", "dL_dW2": r"\partial L/\partial W_2",
              "dL_db2": r"\partial L/\partial b_2", "W1_new": r"W_1'", "b1_new": r"b_1'", "W2_new": r"W_2'",
              "b2_new": r"b_2'"}
    topics = ("mlp", "backprop")
    params = {"x": Vector(Num(-10, 10), 2, 2), "y": Num(-10, 10), "W1": Matrix(Num(-10, 10), max_rows=3, max_cols=2),
              "b1": Vector(Num(-10, 10), 1, 3), "W2": Matrix(Num(-10, 10), max_rows=1, max_cols=3),
              "b2": Num(-10, 10), "hidden_activation": Choice("relu", "sigmoid"), "loss": Choice("mse", "bce"),
              "lr": Num(0, 10)}
    calculator = True  # sigmoid units and the cross-entropy's logarithms, to 4 decimals
    max_abs = 1000
    max_denominator = 400
    version = 2  # weights redrawn in sample() until the units work

    def sample(self, d):
        # Weights are redrawn here, on floats, until the units work as the degeneracy rules ask: a
        # solve costs milliseconds on nested sigmoids, so a draw rejected after it is expensive.
        hidden = d.form_int("hidden", 2, 3)
        loss = d.form_choice("loss", ("mse", "bce"))
        activation = d.form_choice("hidden_activation", ("relu", "sigmoid"))
        x = d.value("x", lambda: d.integers(2, -2, 2, exclude=(0,)))
        b1 = d.value("b1", lambda: d.integers(hidden, -1, 1))
        W1 = d.value("W1", lambda: self._hidden_weights(d, x, b1, hidden, activation))
        z1 = [float(z) for z in self._pre_activations(x, W1, b1)]  # floats: a screen of the draw, not the key
        h = [max(z, 0.0) if activation == "relu" else 1 / (1 + math.exp(-z)) for z in z1]
        W2, b2 = d.value("W2", lambda: None), d.value("b2", lambda: None)
        for _ in range(100):  # a sigmoid output away from 0 and 1: its cross-entropy is not swamped by rounding
            W2_drawn = W2 or (tuple(d.pick(HALVES) for _ in range(hidden)),)
            b2_drawn = d.integer(-1, 1) if b2 is None else b2
            z2 = sum(float(w) * v for w, v in zip(W2_drawn[0], h)) + float(b2_drawn)
            if loss == "mse" or (W2 and b2 is not None) or 0.05 <= 1 / (1 + math.exp(-z2)) <= 0.95:
                break
        return {"x": x, "y": d.value("y", lambda: d.integer(0, 1) if loss == "bce" else d.integer(-3, 3)),
                "W1": W1, "b1": b1, "W2": W2_drawn, "b2": b2_drawn, "hidden_activation": activation, "loss": loss,
                "lr": d.form_choice("lr", (sympy.Rational(1, 10), sympy.Rational(1, 4), sympy.Rational(1, 2)))}

    @staticmethod
    def _pre_activations(x, W1, b1):
        """Hidden pre-activations (b1 may be a pin of another length: check() says so)."""
        return [sum(w * v for w, v in zip(row, x)) + (b1[i] if i < len(b1) else 0) for i, row in enumerate(W1)]

    def _hidden_weights(self, d, x, b1, hidden, activation):
        """W1 with every sigmoid unit out of saturation (|z| <= 3), every ReLU unit off its kink and
        one alive at least."""
        for _ in range(100):
            W1 = tuple(tuple(d.pick(HALVES) for _ in range(2)) for _ in range(hidden))
            z = self._pre_activations(x, W1, b1)
            if (all(abs(v) <= 3 for v in z) if activation == "sigmoid" else all(z) and max(z) > 0):
                break
        return W1

    def check(self, p):
        h = len(p["W1"])
        if h not in (2, 3) or any(len(row) != 2 for row in p["W1"]):
            raise IllPosed("W1", "must be 2x2 or 3x2 (hidden units by the 2 inputs)")
        if len(p["b1"]) != h or len(p["W2"][0]) != h:
            raise IllPosed("b1" if len(p["b1"]) != h else "W2", f"needs {h} entries, one per hidden unit")
        if p["loss"] == "bce" and p["y"] not in (0, 1):
            raise IllPosed("y", "binary cross-entropy needs a target of 0 or 1")
        if not p["lr"] > 0:
            raise IllPosed("lr", "the learning rate must be positive")
        if p["hidden_activation"] == "relu" and any(z == 0 for z in self.pre_activations(p)):
            raise IllPosed("W1", "a hidden pre-activation is exactly 0, where ReLU has no derivative; change a weight")

    def degenerate(self, p, answers):
        if p["hidden_activation"] == "relu" and all(z < 0 for z in self.pre_activations(p)):
            return "every ReLU unit is dead: no gradient reaches W1"
        if answers["loss"].exact == 0:
            return "the loss is 0: nothing to learn"
        if p["hidden_activation"] == "sigmoid" and any(abs(z) > 3 for z in self.pre_activations(p)):
            return "a sigmoid unit saturates (|z| > 3): rounding swamps its gradient"
        if p["loss"] == "bce" and abs(to_float(answers["output"].exact) - p["y"]) < sympy.Rational(1, 20):
            return "the output is saturated near its target: rounding swamps the loss"
        if p["loss"] == "bce" and abs(to_float(answers["output"].exact) - p["y"]) > sympy.Rational(19, 20):
            return "the output is saturated against its target: its logarithm needs more places than are asked"
        return None

    @staticmethod
    def pre_activations(p):
        return tuple(sum((w * x for w, x in zip(row, p["x"])), sympy.Integer(0)) + b for row, b in zip(p["W1"], p["b1"]))

    def solve(self, p):
        z1 = self.pre_activations(p)
        relu = p["hidden_activation"] == "relu"
        h = tuple(max(z, sympy.Integer(0)) if relu else sigmoid(z) for z in z1)
        z2 = sum((w * v for w, v in zip(p["W2"][0], h)), sympy.Integer(0)) + p["b2"]
        y = p["y"]
        if p["loss"] == "mse":
            out, loss, dz2 = z2, (z2 - y) ** 2, 2 * (z2 - y)
        else:  # the compact forms of the same values: 1 - sigmoid(z) = sigmoid(-z), so the loss is a softplus
            out = sigmoid(z2)
            away = z2 if y == 0 else -z2  # the loss pushes z2 this way
            loss = log(1 + exp(away))
            dz2 = sigmoid(z2) if y == 0 else -sigmoid(-z2)
        dW2 = (tuple(dz2 * v for v in h),)
        dh = tuple(w * dz2 for w in p["W2"][0])
        dz1 = tuple(g * ((1 if z > 0 else 0) if relu else v * (1 - v)) for g, z, v in zip(dh, z1, h))
        dW1 = tuple(tuple(g * x for x in p["x"]) for g in dz1)
        lr = p["lr"]
        step = lambda old, grad: tuple(tuple(a - lr * g for a, g in zip(r1, r2)) for r1, r2 in zip(old, grad))  # noqa: E731
        return {"hidden": h, "output": out, "loss": loss, "dL_dW1": dW1, "dL_db1": dz1, "dL_dW2": dW2, "dL_db2": dz2,
                "W1_new": step(p["W1"], dW1), "b1_new": tuple(b - lr * g for b, g in zip(p["b1"], dz1)),
                "W2_new": step(p["W2"], dW2), "b2_new": p["b2"] - lr * dz2}

    def render(self, p, answers):
        relu = p["hidden_activation"] == "relu"
        act = r"\mathrm{ReLU}(z) = \max(0, z)" if relu else r"\sigma(z) = 1/(1 + e^{-z})"
        loss = (r"a linear output $\hat y = W_2 h + b_2$ and the squared error $L = (\hat y - y)^2$ (as "
                r"\texttt{nn.MSELoss} on one example)" if p["loss"] == "mse" else
                r"a sigmoid output $\hat y = \sigma(W_2 h + b_2)$ and the binary cross-entropy $L = -(y \ln \hat y + "
                r"{(1 - y)} \ln {(1 - \hat y)})$ (as \texttt{nn.BCELoss}, natural logarithm)")
        statement = (
            rf"A network with 2 inputs, {counted(len(p['W1']), 'hidden unit')} $h = g(W_1 x + b_1)$ with $g(z) = {act.split(' = ', 1)[1]}$"
            + rf" (${act.split(' = ')[0]}$) and one output has " + loss + ". Its parameters are"
            + display("W_1", p["W1"]) + display("b_1", p["b1"]) + display("W_2", p["W2"])
            + rf"and $b_2 = {sympy.latex(p['b2'])}$. One training example: $x = {latex(p['x'])}$, $y = {sympy.latex(p['y'])}$; "
            rf"plain gradient descent (\texttt{{torch.optim.SGD}}) with learning rate $\eta = {sympy.latex(p['lr'])}$.")
        parts = (Part(r"Forward pass: compute $h$, $\hat y$ and $L$.", ("hidden", "output", "loss"), 2),
                 Part(r"Compute $\partial L/\partial W_2$ and $\partial L/\partial b_2$.", ("dL_dW2", "dL_db2"), 2),
                 Part(r"Compute $\partial L/\partial W_1$ and $\partial L/\partial b_1$.", ("dL_dW1", "dL_db1"), 2),
                 Part(r"Give every parameter after one SGD step, $\theta' = \theta - \eta\, \partial L/\partial \theta$.",
                      ("W1_new", "b1_new", "W2_new", "b2_new"), 2))
        local = r"[z_1 > 0]" if relu else r"h {(1 - h)}"  # braced: no line break inside the factor
        output_grad = r"2(\hat y - y)" if p["loss"] == "mse" else r"\hat y - y"
        # as each part asks: decimals where one of its answers is not exact within 4 places, else exact
        decimals = {name: any(answers[n].tolerance for n in part.answers) for part in parts for name in part.answers}
        shown = {name: ((r"\approx " if a.tolerance else "= ") + decimal_latex(a.exact)) if decimals[name]
                 else f"= {a.latex}" for name, a in answers.items()}
        solution = (
            rf"Forward: $z_1 = W_1 x + b_1 = {latex(self.pre_activations(p))}$, $h {shown['hidden']}$, "
            rf"$\hat y {shown['output']}$, $L {shown['loss']}$. Backward: $\partial L/\partial z_2 = {output_grad} "
            rf"{shown['dL_db2']}$" + ("" if p["loss"] == "mse" else " (the sigmoid's derivative cancels against the "
                                                                    "cross-entropy's)")
            + rf"; $\partial L/\partial W_2 = \partial L/\partial z_2\, h^\top {shown['dL_dW2']}$ and "
            rf"$\partial L/\partial b_2 = \partial L/\partial z_2$. Then $\partial L/\partial z_1 = W_2^\top "
            rf"\partial L/\partial z_2 \odot {local}$, so $\partial L/\partial b_1 = \partial L/\partial z_1 "
            rf"{shown['dL_db1']}$ and $\partial L/\partial W_1 = \partial L/\partial z_1\, x^\top {shown['dL_dW1']}$. "
            rf"Each parameter moves against its gradient, times $\eta = {sympy.latex(p['lr'])}$: $W_1' {shown['W1_new']}$, "
            rf"$b_1' {shown['b1_new']}$, $W_2' {shown['W2_new']}$, $b_2' {shown['b2_new']}$.")
        return Rendered(statement, parts, solution)
