"""Computational graphs: the sigmoid as a chain of nodes, and a skip connection."""

from __future__ import annotations

import sympy

from qbank.core.errors import IllPosed
from qbank.core.exact import decimal, sigmoid
from qbank.core.figures import chain
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Bool, Num
from qbank.core.tex import keyed

R = sympy.Rational


class Sigmoid(Generator):
    id = "graph.sigmoid"
    title = "The sigmoid as a computational graph: forward and backward"
    labels = {"nodes": "(a, b, c)", "f": "f", "df_dz": "df/dz"}
    topics = ("backprop",)
    params = {"z": Num(-20, 20)}
    version = 3  # v3: part (a) asks for the intermediate nodes only (v2 asked for f there and again in (b))
    max_abs = 10**9
    max_denominator = 100
    calculator = True  # e^{-z} to 4 decimals

    def sample(self, d):
        return {"z": d.value("z", lambda: R(d.integer(-800, 800, exclude=(0,)), 100))}  # two decimals

    def solve(self, p):
        z = p["z"]
        # the intermediate nodes a, b, c; the output f is its own answer (asked once)
        nodes = (-z, sympy.exp(-z), 1 + sympy.exp(-z))
        # backward through 1/u, u = 1 + e, e = exp(m), m = -z
        df_dz = (-1 / nodes[2] ** 2) * 1 * nodes[1] * (-1)
        return {"f": sigmoid(z), "df_dz": df_dz, "nodes": nodes}

    def render(self, p, answers):
        z = sympy.latex(p["z"])
        statement = (
            rf"The sigmoid $f(z) = \frac{{1}}{{1 + e^{{-z}}}}$ is computed by the graph $a = -z$, $b = e^{{a}}$, "
            rf"$c = 1 + b$, $f = 1/c$. Take $z = {z}$."
            + chain([f"$z = {z}$", "$a = -z$", "$b = e^{a}$", "$c = 1 + b$", "$f = 1/c$"]))
        parts = (Part("Compute the values of the intermediate nodes $a, b, c$.", ("nodes",), 2),
                 Part("Compute the output $f$.", ("f",), 1),
                 Part(r"Backpropagate through the graph to get $df/dz$.", ("df_dz",), 2))
        a, b, c = answers["nodes"].exact
        solution = (
            rf"Forward: $a = {sympy.latex(a)}$, $b = {sympy.latex(b)} \approx {decimal(b)}$, "
            rf"$c = {sympy.latex(c)} \approx {decimal(c)}$: $(a, b, c) {keyed(answers['nodes'])}$; "
            rf"then $f = 1/c {keyed(answers['f'])}$. "
            r"Backward, multiplying local derivatives from $f$ down: $\partial f/\partial c = -1/c^2$, "
            r"$\partial c/\partial b = 1$, $\partial b/\partial a = e^{a} = b$, $\partial a/\partial z = -1$, so "
            rf"$df/dz = \frac{{b}}{{c^2}} {keyed(answers['df_dz'])}$ "
            r"(the same as $f(1 - f)$).")
        return Rendered(statement, parts, solution)


class SkipConnection(Generator):
    id = "graph.skip_connection"
    title = "Gradients with and without a skip connection"
    refuses = ("w1 * x = 0 (ReLU's kink)",)
    labels = {"out": r"\mathrm{out}",
              "dout_dw1": r"\partial\,\mathrm{out}/\partial w_1",
              "dout_dx": r"\partial\,\mathrm{out}/\partial x"}
    topics = ("backprop", "resnet")
    params = {"x": Num(-100, 100), "w1": Num(-100, 100), "w2": Num(-100, 100), "skip": Bool()}
    version = 2
    max_abs = 1000

    def sample(self, d):
        skip = d.form("skip", lambda: d.chance(0.5))
        # the ReLU is alive when sampled: a dead unit makes out = x (given) or 0 and both gradients constants
        x = d.int("x", -12, 12, exclude=(0,))
        # a pinned x = 0 leaves no weight with the wanted sign: any weight, and check() names x
        w1 = d.value("w1", lambda: d.pick([w for w in range(-6, 7) if w * x > 0] or [1]))
        return {"x": x, "w1": w1, "w2": d.int("w2", -8, 8, exclude=(0, 1)), "skip": skip}

    def check(self, p):
        if p["w1"] * p["x"] == 0:
            raise IllPosed("x", "w1 * x = 0 puts the ReLU at its kink, where its derivative is undefined")

    def solve(self, p):
        z = p["w1"] * p["x"]
        gate = 1 if z > 0 else 0  # ReLU'(z)
        h = z * gate
        skip = 1 if p["skip"] else 0
        return {"out": p["w2"] * h + skip * p["x"], "dout_dw1": p["w2"] * gate * p["x"],
                "dout_dx": p["w2"] * gate * p["w1"] + skip}

    def render(self, p, answers):
        values = ", ".join(rf"${n} = {sympy.latex(p[k])}$" for n, k in (("x", "x"), ("w_1", "w1"), ("w_2", "w2")))
        statement = (
            r"A block computes $h = \mathrm{ReLU}(w_1 x)$ and "
            + (r"$\mathrm{out} = w_2 h + x$ (a skip connection adds the input back)" if p["skip"]
               else r"$\mathrm{out} = w_2 h$ (no skip connection)")
            + f", with {values}."
            + chain([f"$x = {sympy.latex(p['x'])}$", r"$h = \mathrm{ReLU}(w_1 x)$", r"$\mathrm{out}$"],
                    [f"$w_1 = {sympy.latex(p['w1'])}$", f"$w_2 = {sympy.latex(p['w2'])}$"],
                    skip=(0, 2, "$+x$") if p["skip"] else None, step=4.2))
        parts = (Part(r"Compute $\mathrm{out}$.", ("out",), 1),
                 Part(r"Compute $\partial\,\mathrm{out}/\partial w_1$.", ("dout_dw1",), 2),
                 Part(r"Compute $\partial\,\mathrm{out}/\partial x$.", ("dout_dx",), 2))
        z = p["w1"] * p["x"]
        alive = z > 0
        solution = (
            rf"$w_1 x = {sympy.latex(z)}$, so $h = {sympy.latex(max(z, 0))}$ and $\mathrm{{ReLU}}' = {1 if alive else 0}$"
            + ("" if alive else " (the unit is dead: no gradient passes through it)")
            + rf". $\mathrm{{out}} = {answers['out'].latex}$. "
            r"$\partial\,\mathrm{out}/\partial w_1 = w_2\,\mathrm{ReLU}'(w_1 x)\,x = " + answers["dout_dw1"].latex + "$; "
            r"$\partial\,\mathrm{out}/\partial x = w_2\,\mathrm{ReLU}'(w_1 x)\,w_1"
            + (" + 1" if p["skip"] else "") + " = " + answers["dout_dx"].latex + "$"
            + (r": the skip path adds 1, so the gradient reaches $x$ even when the ReLU is dead." if p["skip"] else "."))
        return Rendered(statement, parts, solution)
