"""Recurrent family: a scalar ReLU RNN, forward values and derivatives through time."""

from __future__ import annotations

import math

import sympy

from generators.lstm import gate
from qbank.core.errors import IllPosed
from qbank.core.exact import decimal_latex, divide, exp, latex, relu, scalars, sigmoid, tanh, to_float
from qbank.core.figures import unrolled
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered, scalar_if_single
from qbank.core.params import Bool, Choice, Int, Matrix, Num, Vector
from qbank.core.tex import as_asked, display, factor, indices, sequence, step_value

ZERO, ONE = sympy.Integer(0), sympy.Integer(1)


def relu_grad(z, at_zero):
    return ONE if z > 0 else at_zero if z == 0 else ZERO


def unroll(p) -> list[dict]:
    """Every step's z, h, ReLU' and the running derivatives of h_t (forward-mode)."""
    V, W, x = p["V"], p["W"], p["x"]
    h, dV, dW, dx = p["h0"], ZERO, ZERO, [ZERO] * len(x)
    steps = []
    for t, x_t in enumerate(x):
        z = V * h + W * x_t
        r = relu_grad(z, p["relu_grad_at_zero"])
        dV, dW = r * (h + V * dV), r * (x_t + V * dW)
        dx = [r * (V * d + (W if k == t else ZERO)) for k, d in enumerate(dx)]
        h = z if z > 0 else ZERO
        steps.append({"z": z, "h": h, "r": r, "dV": dV, "dW": dW, "dx": tuple(dx)})
    return steps


HAND_SOLVABLE_TRIES = 60


class ReluDerivatives(Generator):
    id = "rnn.relu_derivatives"
    forms = {"steps": Int(2, 3)}
    title = "Scalar ReLU RNN: hidden states and derivatives through time"
    labels = {"h": "h_#",
              "dhT_dV": r"\partial h_T/\partial V",
              "dhT_dW": r"\partial h_T/\partial W",
              "dhT_dx": r"\partial h_T/\partial x_#"}
    topics = ("rnn", "backprop")
    params = {
        "V": Num(-20, 20), "W": Num(-20, 20), "h0": Num(-50, 50),
        "x": Vector(Num(-50, 50), 2, 4),
        "relu_grad_at_zero": Choice(0, 1),
    }
    version = 2
    max_abs = 200

    def sample(self, d):
        # 2,000 seeds need at most 29 tries; pins that rule every draw out cost make_variant's
        # redraws times this, so it stays small
        for _ in range(HAND_SOLVABLE_TRIES):
            p = {
                "V": d.int("V", -4, 4, exclude=(0,)), "W": d.int("W", -4, 4, exclude=(0,)),
                "h0": d.int("h0", -4, 4),
                "x": d.value("x", lambda: d.integers(d.form_int("steps", 2, 3), -5, 5)),
                "relu_grad_at_zero": d.form_choice("relu_grad_at_zero", (0, 1)),
            }
            if self._hand_solvable(p):
                break
        return p

    def _hand_solvable(self, p) -> bool:
        """No pre-activation exactly 0, a live last step (else every derivative is 0), small numbers."""
        steps = unroll(p)
        return (all(s["z"] != 0 for s in steps) and steps[-1]["z"] > 0
                and all(abs(v) <= self.max_abs for v in scalars(list(self.solve_steps(steps).values()))))

    def degenerate(self, p, answers):
        if answers["dhT_dV"].exact == 0:
            return "dh_T/dV = 0: no path through the recurrence is alive, so V never matters"
        return None

    def solve(self, p):
        return self.solve_steps(unroll(p))

    @staticmethod
    def solve_steps(steps):
        last = steps[-1]
        return {"h": tuple(s["h"] for s in steps), "dhT_dV": last["dV"], "dhT_dW": last["dW"], "dhT_dx": last["dx"]}

    def render(self, p, answers):
        T = len(p["x"])
        xs = ",\\ ".join(rf"x_{t + 1} = {sympy.latex(x)}" for t, x in enumerate(p["x"]))
        statement = (
            r"A recurrent network with one scalar hidden unit computes "
            r"\[ h_t = \mathrm{ReLU}(z_t),\qquad z_t = V h_{t-1} + W x_t,\qquad \mathrm{ReLU}(z) = \max(0, z), \]"
            rf"with $V = {sympy.latex(p['V'])}$, $W = {sympy.latex(p['W'])}$, $h_0 = {sympy.latex(p['h0'])}$ "
            rf"and inputs ${xs}$. Take $\mathrm{{ReLU}}'(0) = {p['relu_grad_at_zero']}$ "
            r"(and $\mathrm{ReLU}'(z) = 1$ for $z > 0$, $0$ for $z < 0$). "
            r"Derivatives are total derivatives through time (backpropagation through time): $V$ and $W$ act at "
            r"every step, so $\partial h_T/\partial V$ includes the paths through $h_{T-1}, h_{T-2}, \dots$"
            + unrolled([f"$h_0 = {sympy.latex(p['h0'])}$"] + [f"$h_{t}$" for t in range(1, T + 1)],
                       [f"$x_{t} = {sympy.latex(x)}$" for t, x in enumerate(p["x"], 1)], "$V$", "$W$")
        )
        parts = (
            Part(rf"Compute the hidden states ${sequence('h', T)}$.", ("h",), 2),
            # a derivative through time: a line per step back, and the sum
            Part(rf"Compute $\partial h_{T}/\partial V$.", ("dhT_dV",), 2, work=T + 1),
            Part(rf"Compute $\partial h_{T}/\partial W$.", ("dhT_dW",), 2, work=T + 1),
            Part(rf"Compute $\partial h_{T}/\partial x_k$ for every $k$ from 1 to {T}.", ("dhT_dx",), 2, work=T + 1),
        )
        return Rendered(statement, parts, self._solution(p, answers, unroll(p)))

    @staticmethod
    def _solution(p, answers, steps):
        T = len(steps)
        rows = " \\\\\n".join(
            " & ".join(f"${sympy.latex(v)}$" for v in (t + 1, s["z"], s["h"], s["r"], s["dV"], s["dW"]))
            for t, s in enumerate(steps))
        dead = [str(t + 1) for t, s in enumerate(steps) if s["r"] == 0]
        return (
            r"Forward, then the derivatives step by step with $r_t = \mathrm{ReLU}'(z_t)$: "
            r"\[ \frac{\partial h_t}{\partial V} = r_t\Big(h_{t-1} + V \frac{\partial h_{t-1}}{\partial V}\Big),\quad "
            r"\frac{\partial h_t}{\partial W} = r_t\Big(x_t + V \frac{\partial h_{t-1}}{\partial W}\Big),\quad "
            r"\frac{\partial h_t}{\partial x_k} = r_t\Big(V \frac{\partial h_{t-1}}{\partial x_k} + W[t = k]\Big), \]"
            r"starting from $\partial h_0/\partial V = \partial h_0/\partial W = 0$ ($h_0$ is a constant)."
            "\n\n\\begin{center}\\begin{tabular}{cccccc}\n"
            r"$t$ & $z_t$ & $h_t$ & $r_t$ & $\partial h_t/\partial V$ & $\partial h_t/\partial W$ \\ \hline" "\n"
            + rows + "\n\\end{tabular}\\end{center}\n\n"
            + (f"Step{'s' if len(dead) > 1 else ''} {', '.join(dead)} {'are' if len(dead) > 1 else 'is'} dead "
               r"($z_t \le 0$ with $r_t = 0$): no gradient flows back through "
               + ("them" if len(dead) > 1 else "it") + ". " if dead else "")
            + rf"So $h = {answers['h'].latex}$, $\partial h_{T}/\partial V = {answers['dhT_dV'].latex}$, "
            rf"$\partial h_{T}/\partial W = {answers['dhT_dW'].latex}$ and "
            rf"$(\partial h_{T}/\partial x_k)_{{k=1..{T}}} = {answers['dhT_dx'].latex}$."
        )


class LinearBptt(Generator):
    id = "rnn.linear_bptt"
    forms = {"steps": Int(2, 3)}
    title = "Linear RNN with one shared weight: forward values and backpropagation through time"
    labels = {"h": "h_#", "dhT_dw": "dh_T/dw"}
    topics = ("rnn", "backprop")
    params = {"w": Num(-10, 10), "u": Vector(Num(-50, 50), 1, 6), "h0": Num(-50, 50)}
    version = 2
    max_abs = 500

    def sample(self, d):
        return {"w": d.int("w", -3, 3, exclude=(0,)), "u": d.value("u", lambda: d.integers(d.form_int("steps", 2, 3), -9, 9)),
                "h0": d.int("h0", -4, 4)}

    @staticmethod
    def edges(p):
        """Per step: h_{t-1}, h_t and the derivative of h_T through that step's copy of w."""
        T, h, steps = len(p["u"]), p["h0"], []
        for t, u in enumerate(p["u"], 1):
            steps.append((h, p["w"] * (u + h), (u + h) * p["w"] ** (T - t)))
            h = steps[-1][1]
        return steps

    def solve(self, p):
        steps = self.edges(p)
        return {"h": tuple(h for _, h, _ in steps), "dhT_dw": sum((e for _, _, e in steps), ZERO)}

    def render(self, p, answers):
        T = len(p["u"])
        us = ",\\ ".join(rf"u_{t} = {sympy.latex(u)}" for t, u in enumerate(p["u"], 1))
        statement = (
            r"A linear recurrent network with one weight $w$ shared by every step computes "
            rf"$h_t = w\,(u_t + h_{{t-1}})$ with $w = {sympy.latex(p['w'])}$, $h_0 = {sympy.latex(p['h0'])}$ and inputs ${us}$."
            + unrolled([f"$h_0 = {sympy.latex(p['h0'])}$"] + [f"$h_{t}$" for t in range(1, T + 1)],
                       [f"$u_{t} = {sympy.latex(u)}$" for t, u in enumerate(p["u"], 1)], "$w$", "$w$"))
        parts = (Part(rf"Compute ${sequence('h', T)}$.", ("h",), 2),
                 Part(rf"Compute the total derivative $dh_{T}/dw$ (backpropagation through time).", ("dhT_dw",), 3,
                      work=2 * T))  # each step's local derivative and what it carries back
        terms = " + ".join(
            rf"({sympy.latex(p['u'][t - 1])} + {factor(h_prev)})\cdot {factor(p['w'])}^{{{T - t}}}"
            for t, (h_prev, _, _) in enumerate(self.edges(p), 1))
        edges = ",\\ ".join(rf"{sympy.latex(e)}" for _, _, e in self.edges(p))
        solution = (
            rf"Forward: $h = {answers['h'].latex}$. The weight is used once per step; the copy at step $t$ "
            r"contributes its local derivative $u_t + h_{t-1}$ times the path to $h_T$, "
            r"$\partial h_T/\partial h_t = w^{T-t}$. "
            rf"Along the {T} edges: ${terms}$, i.e. ${edges}$; adding them, $dh_{T}/dw = {answers['dhT_dw'].latex}$.")
        return Rendered(statement, parts, solution)


def softmax(zs):
    """softmax_i = 1 / sum_j exp(z_j - z_i): the same values as exp(z_i) / sum_j exp(z_j), in a form
    sympy builds without re-deriving exp(z_i) in the numerator (2 ms a product on nested z)."""
    return tuple(divide(sympy.Integer(1), sympy.Add(*(exp(v - z) for v in zs))) for z in zs)


HIDDEN = {"tanh": tanh, "relu": relu}
OUTPUT = {"identity": lambda zs: zs, "sigmoid": lambda zs: tuple(sigmoid(z) for z in zs),
          "relu": lambda zs: tuple(relu(z) for z in zs),
          "softmax": softmax}


def affine(matrix, vector, bias):
    return tuple(sum((w * v for w, v in zip(row, vector)), ZERO) + b for row, b in zip(matrix, bias))


class Forward(Generator):
    id = "rnn.forward"
    forms = {"hidden": Choice(2), "inputs": Int(1, 2), "outputs": Int(1, 2), "steps": Int(2, 3), "zero_h0": Bool()}
    title = "Forward pass of a small vector RNN"
    refuses = ("matrices whose sizes do not agree",
               "a tanh network with O * H^(T-1) > 128 (H hidden units, O outputs, T steps)")
    labels = {"h": "h_#", "y": "y_#"}
    topics = ("rnn",)
    params = {"W_xh": Matrix(Num(-10, 10), 8, 8), "W_hh": Matrix(Num(-10, 10), 8, 8), "b_h": Vector(Num(-10, 10), 1, 8),
              "W_hy": Matrix(Num(-10, 10), 8, 8), "b_y": Vector(Num(-10, 10), 1, 8),
              "x": Matrix(Num(-10, 10), 4, 8), "h0": Vector(Num(-10, 10), 1, 8),
              "hidden_activation": Choice(*HIDDEN), "output_activation": Choice(*OUTPUT)}
    max_abs = 100
    max_denominator = 10**5  # one-decimal weights through up to 3 steps and the output layer
    calculator = True  # tanh, sigmoid and softmax to 4 decimals
    # v3: a hidden state of 2 units when drawn (a 1-unit "vector" RNN had 1x1 matrices); sizes of 1
    # (inputs, outputs, or a pinned hidden size) print as scalars
    version = 3

    def degenerate(self, p, answers):
        if all(x == 0 for x in scalars(answers["h"].exact)):
            return "every hidden state is 0 (a dead ReLU layer)"
        return None

    def sample(self, d):
        H, D = d.form("hidden", lambda: 2), d.form_int("inputs", 1, 2)
        output = d.form_choice("output_activation", tuple(OUTPUT))
        O = 2 if output == "softmax" else d.form_int("outputs", 1, 2)
        return {"W_xh": d.value("W_xh", lambda: tenths(d, (H, D))), "W_hh": d.value("W_hh", lambda: tenths(d, (H, H))),
                "b_h": d.value("b_h", lambda: tenths(d, (1, H))[0]), "W_hy": d.value("W_hy", lambda: tenths(d, (O, H))),
                "b_y": d.value("b_y", lambda: tenths(d, (1, O))[0]),
                "x": d.value("x", lambda: tenths(d, (d.form_int("steps", 2, 3), D))),
                "h0": d.value("h0", lambda: (ZERO,) * H if d.form("zero_h0", lambda: d.chance(0.5)) else tenths(d, (1, H))[0]),
                "hidden_activation": d.form_choice("hidden_activation", tuple(HIDDEN)), "output_activation": output}

    def check(self, p):
        H, D, O = len(p["W_xh"]), len(p["x"][0]), len(p["W_hy"])
        expected = {"W_xh": (H, D), "W_hh": (H, H), "W_hy": (O, H)}
        for name, (rows, cols) in expected.items():
            if (len(p[name]), len(p[name][0])) != (rows, cols):
                raise IllPosed(name, f"must be {rows}x{cols} (hidden {H}, input {D}, output {O}), "
                                     f"not {len(p[name])}x{len(p[name][0])}")
        for name, size in (("b_h", H), ("h0", H), ("b_y", O)):
            if len(p[name]) != size:
                raise IllPosed(name, f"needs {size} entries, not {len(p[name])}")
        # a tanh state nests every state before it: y_T's exact form grows as O * H^(T-1)
        T = len(p["x"])
        if p["hidden_activation"] == "tanh" and O * H ** (T - 1) > MAX_TANH_TERMS:
            steps = max(t for t in range(1, T) if O * H ** (t - 1) <= MAX_TANH_TERMS)
            raise IllPosed("x", f"a tanh RNN with hidden size {H} and {O} outputs runs at most {steps} "
                                "steps with an exact key; give fewer rows of x or a smaller hidden size")

    @staticmethod
    def steps(p):
        """(pre-activation, h_t, output pre-activation, y_t) for every step."""
        h, steps = p["h0"], []
        for x in p["x"]:
            z = affine(p["W_xh"], x, affine(p["W_hh"], h, p["b_h"]))
            h = tuple(HIDDEN[p["hidden_activation"]](v) for v in z)
            a = affine(p["W_hy"], h, p["b_y"])
            steps.append((z, h, a, OUTPUT[p["output_activation"]](a)))
        return steps

    def solve(self, p):
        steps = self.steps(p)
        return {"h": tuple(h for _, h, _, _ in steps), "y": tuple(y for _, _, _, y in steps)}

    def render(self, p, answers):
        T = len(p["x"])
        act = {"tanh": r"\tanh", "relu": r"\mathrm{ReLU}"}[p["hidden_activation"]]
        out = {"identity": "", "sigmoid": r"\sigma", "relu": r"\mathrm{ReLU}", "softmax": r"\mathrm{softmax}"}[
            p["output_activation"]]
        H, D, O = len(p["W_xh"]), len(p["x"][0]), len(p["W_hy"])
        inputs = ",\\ ".join(rf"x_{t} = {column(x)}" for t, x in enumerate(p["x"], 1))
        sizes = ", ".join(f"{size_words(n, what)}" for n, what in ((H, "hidden state"), (D, "inputs"), (O, "outputs")))
        h0 = (r"$h_0 = 0$" + (r" (the zero vector)" if H > 1 else "") if all(v == 0 for v in p["h0"])
              else rf"$h_0 = {column(p['h0'])}$")
        output = r"W_{hy} h_t + b_y" if not out else rf"{out}(W_{{hy}} h_t + b_y)"
        statement = (
            rf"A recurrent network ({sizes}) computes $h_t = {act}(W_{{xh}} x_t + W_{{hh}} h_{{t-1}} + b_h)$ and "
            rf"$y_t = {output}$"
            + (r" ($\sigma$ the logistic sigmoid)" if p["output_activation"] == "sigmoid" else "")
            + " with" + weights("W_{xh}", p["W_xh"]) + weights("W_{hh}", p["W_hh"])
            + weights("W_{hy}", p["W_hy"])
            + rf"$b_h = {column(p['b_h'])}$, $b_y = {column(p['b_y'])}$, " + h0 + " and "
            rf"inputs ${inputs}$.")
        parts = (Part(rf"Compute the hidden states ${sequence('h', T)}$.", ("h",), 3),
                 Part(rf"Compute the outputs ${sequence('y', T)}$.", ("y",), 2))
        lines = []
        for t, (z, h, a, y) in enumerate(self.steps(p), 1):
            z, h, a, y = (scalar_if_single(v) for v in (z, h, a, y))
            lines.append(rf"Step {t}: $W_{{xh}} x_{t} + W_{{hh}} h_{{{t - 1}}} + b_h {step_value(z)}$, "
                         rf"so $h_{t} {step_value(h)}$; "
                         rf"$W_{{hy}} h_{t} + b_y \approx {decimal_latex(a)}$, so $y_{t} \approx {decimal_latex(y)}$.")
        solution = ("\n\n".join(lines) + "\n\n" + r"In full, $h$ (one row per step) is "
                    + rf"\[ h {as_asked(answers['h'])} \]" + "and $y$ is" + rf"\[ y {as_asked(answers['y'])} \]")
        return Rendered(statement, parts, solution)


def column(v) -> str:
    """A vector as the statement writes it: a transposed row, or a plain scalar when it has one entry."""
    return latex(v[0]) if len(v) == 1 else latex(v) + r"^\top"


def weights(name: str, matrix) -> str:
    """A weight matrix displayed; a 1x1 one is a scalar."""
    return display(name, matrix[0][0] if len(matrix) == 1 and len(matrix[0]) == 1 else matrix)


def size_words(n: int, what: str) -> str:
    """"a hidden state of size 2", "scalar inputs", "a scalar hidden state"."""
    if n == 1:
        return ("a scalar " + what) if what == "hidden state" else "scalar " + what
    return (f"a {what} of size {n}") if what == "hidden state" else f"{what} of size {n}"


MAX_GATE_INPUT = 30  # sigma(30) = 1 - 9e-14
MAX_TANH_TERMS = 128  # O * H^(T-1) = 128 (H = 4, T = 3, O = 8) keeps y under 10,000 characters


def _factor(x) -> str:
    """A worked step's number as a factor: exact while rational, else to 4 decimals (a nested exact form
    helps no one follow the step); negatives in parentheses."""
    text = latex(x) if x.is_Rational else decimal_latex(x)
    return f"({text})" if to_float(x) < 0 else text


def _near(*values) -> str:
    """The relation before numbers written with _factor: = when all are exact, else approx."""
    return "=" if all(x.is_Rational for x in values) else r"\approx"


def tenths(d, shape):
    """A matrix of non-zero one-decimal weights in [-0.5, 0.5] as exact rationals."""
    return tuple(tuple(sympy.Rational(v, 10) for v in row) for row in d.integers(shape, -5, 5, exclude=(0,)))


# The adder's weights: three threshold units count the ones among a_t, b_t and the carry (h_2 of the
# step before): h_1 = [count >= 1], h_2 = [count >= 2], h_3 = [count >= 3]; y_t = [h_1 - h_2 + h_3 >= 1].
ADDER_INPUT = ((1, 1), (1, 1), (1, 1))
ADDER_RECURRENT = ((0, 1, 0), (0, 1, 0), (0, 1, 0))
ADDER_THRESHOLDS = (sympy.Rational(1, 2), sympy.Rational(3, 2), sympy.Rational(5, 2))
ADDER_OUTPUT = (1, -1, 1)


def step(z) -> sympy.Integer:
    """The threshold unit: 1 when z >= 0, else 0."""
    return ONE if z >= 0 else ZERO


class BinaryAddition(Generator):
    id = "rnn.binary_addition"
    title = "A threshold RNN that adds two binary numbers"
    refuses = ("a or b that need more than the given bits",)
    labels = {"h": "h_#", "y": "y_#", "sum_bits": "s_#"}
    topics = ("rnn",)
    params = {"a": Int(0, 2**16 - 1), "b": Int(0, 2**16 - 1), "bits": Int(1, 16)}

    def sample(self, d):
        bits = d.form_int("bits", 7, 8)  # the numbers' bits; the network runs one step more (a zero pad)
        low, high = 2 ** max(bits - 2, 0), 2 ** bits - 1
        return {"a": d.int("a", low, high), "b": d.int("b", low, high), "bits": bits}

    def check(self, p):
        for name in ("a", "b"):
            if p[name] >= 2 ** p["bits"]:
                raise IllPosed(name, f"{p[name]} needs more than {p['bits']} bits; raise bits")

    @staticmethod
    def inputs(p):
        """(a_t, b_t) least significant bit first, with one zero step for the last carry."""
        return [((p["a"] >> t) & 1, (p["b"] >> t) & 1) for t in range(p["bits"] + 1)]

    def solve(self, p):
        h, hs, ys = (ZERO, ZERO, ZERO), [], []
        for x in self.inputs(p):
            h = tuple(step(sum(w * v for w, v in zip(w_in, x)) + sum(r * v for r, v in zip(w_rec, h)) - theta)
                      for w_in, w_rec, theta in zip(ADDER_INPUT, ADDER_RECURRENT, ADDER_THRESHOLDS))
            hs.append(h)
            ys.append(step(sum(w * v for w, v in zip(ADDER_OUTPUT, h)) - sympy.Rational(1, 2)))
        total = p["a"] + p["b"]
        return {"h": tuple(hs), "y": tuple(ys), "sum_bits": tuple((total >> t) & 1 for t in range(p["bits"] + 1))}

    def render(self, p, answers):
        T = p["bits"] + 1
        rows = r" \\ ".join(rf"h_{{t,{i}}} &= H\big(a_t + b_t + h_{{t-1,2}} - {sympy.latex(theta)}\big)"
                            for i, theta in enumerate(ADDER_THRESHOLDS, 1))
        bits = lambda n: ", ".join(str((n >> t) & 1) for t in range(T))  # noqa: E731
        statement = (
            r"A recurrent network of threshold units, $H(z) = 1$ for $z \ge 0$ and $0$ otherwise, reads two binary "
            r"numbers one bit per step, least significant bit first, and has three hidden units and one output:"
            r"\begin{align*}" + rows + r" \\ y_t &= H\big(h_{t,1} - h_{t,2} + h_{t,3} - \frac{1}{2}\big)\end{align*}"
            + rf"with $h_0 = (0, 0, 0)$. It reads $a = {p['a']}$ and $b = {p['b']}$ as the bits $a_t = ({bits(p['a'])})$ "
            rf"and $b_t = ({bits(p['b'])})$ for $t = {indices(T)}$ (each padded with a zero step for the last carry).")
        parts = (Part(r"Compute the hidden states $h_t = (h_{t,1}, h_{t,2}, h_{t,3})$ for every step.", ("h",), 2),
                 Part(r"Compute the outputs $y_t$.", ("y",), 1),
                 Part(r"Give the bits of $a + b$, least significant first, and check them against $y$.",
                      ("sum_bits",), 1))
        solution = (r"The hidden units count the ones among $a_t$, $b_t$ and the carry $h_{t-1,2}$: $h_{t,1}$ is "
                    r"1 for at least one, $h_{t,2}$ (the next carry) for at least two, $h_{t,3}$ for three; $y_t$ is "
                    r"their count's parity. Step by step:" + display("h", answers["h"].exact)
                    + display("y", answers["y"].exact)
                    + rf"and $a + b = {p['a'] + p['b']}$ has the bits ${answers['sum_bits'].latex}$, the same.")
        return Rendered(statement, parts, solution)


class Gated(Generator):
    id = "rnn.gated"
    title = "A gated recurrent unit with one scalar gate: forward and dL/dW_x"
    refuses = ("W_x = 0", "upstream = 0", "a gate input |W_c x_t + W_h h_(t-1)| above 30 (a saturated sigmoid)")
    labels = {"c": "c_#", "h": "h_#", "dL_dWx": r"\partial L/\partial W_x"}
    topics = ("rnn", "backprop")
    params = {"W_c": Num(-10, 10), "W_h": Num(-10, 10), "W_x": Num(-10, 10), "x": Vector(Num(-10, 10), 1, 4),
              "upstream": Num(-10, 10)}
    calculator = True  # sigmoids, to 4 decimals
    max_abs = 100
    max_denominator = 100

    def sample(self, d):
        halves = tuple(sympy.Rational(v, 2) for v in (-3, -2, -1, 1, 2, 3))
        return {"W_c": d.value("W_c", lambda: d.pick(halves)), "W_h": d.value("W_h", lambda: d.pick(halves)),
                "W_x": d.value("W_x", lambda: d.pick(halves)),
                # two steps (pins may give up to 4): a third nests the exact forms five times deeper
                "x": d.value("x", lambda: d.integers(2, -2, 2, exclude=(0,))),
                "upstream": d.value("upstream", lambda: d.pick((-2, -1, 1, 2)))}

    def check(self, p):
        if p["W_x"] == 0:
            raise IllPosed("W_x", "with W_x = 0 every state is 0; give it a non-zero value")
        if p["upstream"] == 0:
            raise IllPosed("upstream", "a zero gradient makes every derivative 0; give a non-zero value")
        # a saturated gate's 1 - c is below 1e-13: no 4-decimal key, and sympy's sign checks on the
        # nested form then run for minutes; screened with doubles, before anything exact is built
        h = 0.0
        for t, x in enumerate(p["x"], 1):
            z = to_float(p["W_c"] * x) + to_float(p["W_h"]) * h
            if abs(z) > MAX_GATE_INPUT:
                raise IllPosed("x", f"the gate input at step {t} is {z:.0f}, which saturates the sigmoid "
                                    f"(|W_c x_t + W_h h_(t-1)| <= {MAX_GATE_INPUT}); give smaller inputs or weights")
            c = 1 / (1 + math.exp(-z))
            h = c * h + (1 - c) * to_float(p["W_x"] * x)

    @staticmethod
    def steps(p):
        """Forward with the derivative of each state with respect to W_x carried along (exact): per step
        the gate's input z, c, h, dc = dc_t/dW_x and dh = dh_t/dW_x."""
        h, dh, steps = ZERO, ZERO, []
        for x in p["x"]:
            z = p["W_c"] * x + p["W_h"] * h
            c = gate(z)
            dc = c * (1 - c) * p["W_h"] * dh
            h, dh = c * h + (1 - c) * p["W_x"] * x, dc * h + c * dh - dc * p["W_x"] * x + (1 - c) * x
            steps.append({"z": z, "c": c, "h": h, "dc": dc, "dh": dh})
        return steps

    def solve(self, p):
        steps = self.steps(p)
        return {"c": tuple(s["c"] for s in steps), "h": tuple(s["h"] for s in steps),
                "dL_dWx": p["upstream"] * steps[-1]["dh"]}

    def _step_lines(self, p):
        """Each step's numbers, forward then backward, as a grader gives partial credit for them."""
        forward, backward = [], []
        h, dh = ZERO, ZERO
        for t, (x, s) in enumerate(zip(p["x"], self.steps(p)), 1):
            c, wx = s["c"], p["W_x"] * x
            forward.append(
                rf"Step {t}: $z_{t} = W_c x_{t} + W_h h_{{{t - 1}}} {_near(h)} {_factor(p['W_c'])} \cdot {_factor(x)} + "
                rf"{_factor(p['W_h'])} \cdot {_factor(h)} {step_value(s['z'])}$, $c_{t} = \sigma(z_{t}) {step_value(c)}$, "
                rf"$h_{t} = c_{t} h_{{{t - 1}}} + (1 - c_{t}) W_x x_{t} {_near(c, h)} {_factor(c)} \cdot {_factor(h)} + "
                rf"{_factor(1 - c)} \cdot {_factor(wx)} {step_value(s['h'])}$.")
            backward.append(
                rf"Step {t}: $\partial c_{t}/\partial W_x {_near(c, dh)} {_factor(c)} \cdot {_factor(1 - c)} \cdot "
                rf"{_factor(p['W_h'])} \cdot {_factor(dh)} {step_value(s['dc'])}$, "
                rf"$\partial h_{t}/\partial W_x {_near(s['dc'], h, c, dh)} {_factor(s['dc'])} \cdot {_factor(h - wx)} + "
                rf"{_factor(c)} \cdot {_factor(dh)} + {_factor(1 - c)} \cdot {_factor(x)} {step_value(s['dh'])}$.")
            h, dh = s["h"], s["dh"]
        return forward, backward

    def render(self, p, answers):
        T = len(p["x"])
        xs = ",\\ ".join(rf"x_{t} = {sympy.latex(x)}" for t, x in enumerate(p["x"], 1))
        statement = (
            r"A recurrent unit with one scalar gate computes, from $h_0 = 0$,"
            r"\begin{align*} c_t &= \sigma(W_c x_t + W_h h_{t-1}) \\ h_t &= c_t\, h_{t-1} + (1 - c_t)\, W_x x_t "
            r"\end{align*}" + rf"with $\sigma$ the logistic sigmoid, $W_c = {sympy.latex(p['W_c'])}$, "
            rf"$W_h = {sympy.latex(p['W_h'])}$, $W_x = {sympy.latex(p['W_x'])}$ and inputs ${xs}$. The loss's gradient "
            rf"with respect to the last state is $\partial L/\partial h_{T} = {sympy.latex(p['upstream'])}$.")
        # a gate and a state a step forward; a step's two derivatives backward, then the product
        parts = (Part(rf"Compute the gates $c_t$ and states $h_t$ for $t = {indices(T)}$.", ("c", "h"), 2, work=2 * T),
                 Part(r"Compute $\partial L/\partial W_x$, the total derivative through time (the gates depend on "
                      r"$W_x$ through $h_{t-1}$).", ("dL_dWx",), 2, work=2 * T + 1))
        forward, backward = self._step_lines(p)
        last = self.steps(p)[-1]["dh"]
        solution = (r"Forward from $h_0 = 0$, with the gate's input $z_t = W_c x_t + W_h h_{t-1}$ (values to 4 "
                    "decimal places):\n\n" + "\n\n".join(forward) + "\n\n"
                    + r"So $c " + step_value(answers["c"].exact) + r"$ and $h " + step_value(answers["h"].exact)
                    + r"$." + "\n\n" + r"Backward: $\frac{\partial h_t}{\partial W_x} = "
                    r"\frac{\partial c_t}{\partial W_x}(h_{t-1} - W_x x_t) + c_t \frac{\partial h_{t-1}}{\partial W_x} "
                    r"+ (1 - c_t) x_t$ with $\frac{\partial c_t}{\partial W_x} = c_t (1 - c_t) W_h "
                    r"\frac{\partial h_{t-1}}{\partial W_x}$, from $\partial h_0/\partial W_x = 0$:" + "\n\n"
                    + "\n\n".join(backward) + "\n\n"
                    + rf"Times $\partial L/\partial h_{T}$: $\partial L/\partial W_x {_near(last)} {_factor(p['upstream'])} "
                    rf"\cdot {_factor(last)} " + as_asked(answers["dL_dWx"]) + "$.")
        return Rendered(statement, parts, solution)
