"""The perceptron learning rule, one epoch by hand."""

from __future__ import annotations

import sympy

from qbank.core.errors import IllPosed
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Choice, Int, Matrix, Num, Vector


class Epoch(Generator):
    id = "perceptron.epoch"
    forms = {"examples": Int(3, 5)}
    title = "One epoch of the perceptron learning rule"
    refuses = ("y or w0 of another length than X's rows or columns",)
    # w^(k), b^(k): after example k
    labels = {"w": "w^{(#)}", "b": "b^{(#)}", "mistakes": r"\text{mistakes}"}
    topics = ("classic",)
    params = {"X": Matrix(Num(-100, 100), 12, 6), "y": Vector(Choice(1, -1), 1, 12), "w0": Vector(Num(-100, 100), 1, 6),
              "b0": Num(-100, 100), "lr": Num(0, 10)}
    version = 2
    max_abs = 100
    max_denominator = 10

    def degenerate(self, p, answers):
        return "no mistake: the weights never change" if answers["mistakes"].exact == 0 else None

    def sample(self, d):
        n, dims = d.form_int("examples", 3, 5), 2
        return {"X": d.value("X", lambda: d.integers((n, dims), -3, 3)),
                "y": d.value("y", lambda: tuple(d.pick((1, -1)) for _ in range(n))),
                "w0": d.value("w0", lambda: d.integers(dims, -1, 1)), "b0": d.int("b0", -1, 1),
                "lr": d.form("lr", lambda: d.pick((1, 1, sympy.Rational(1, 2))))}

    def check(self, p):
        if len(p["y"]) != len(p["X"]):
            raise IllPosed("y", f"needs one label per row of X ({len(p['X'])}), not {len(p['y'])}")
        if len(p["w0"]) != len(p["X"][0]):
            raise IllPosed("w0", f"needs one weight per column of X ({len(p['X'][0])}), not {len(p['w0'])}")

    @staticmethod
    def run(p):
        w, b, steps = p["w0"], p["b0"], []
        for x, y in zip(p["X"], p["y"]):
            score = sum((wi * xi for wi, xi in zip(w, x)), sympy.Integer(0)) + b
            mistake = y * score <= 0
            if mistake:
                w = tuple(wi + p["lr"] * y * xi for wi, xi in zip(w, x))
                b = b + p["lr"] * y
            steps.append((score, mistake, w, b))
        return steps

    def solve(self, p):
        steps = self.run(p)
        return {"w": tuple(s[2] for s in steps), "b": tuple(s[3] for s in steps),
                "mistakes": sum(1 for s in steps if s[1])}

    def render(self, p, answers):
        rows = " \\\\\n".join(
            f"${i}$ & ${sympy.latex(tuple(x))}$ & ${y:+d}$".replace(r"\left(", "(").replace(r"\right)", ")")
            for i, (x, y) in enumerate(zip(p["X"], p["y"]), 1))
        statement = (
            r"A perceptron predicts $\operatorname{sign}(w \cdot x + b)$. Starting from "
            rf"$w = {sympy.latex(tuple(p['w0']))}$, $b = {sympy.latex(p['b0'])}$, it makes one pass over the examples "
            rf"in order with learning rate $\eta = {sympy.latex(p['lr'])}$, updating $w \leftarrow w + \eta\, y\, x$, "
            r"$b \leftarrow b + \eta\, y$ whenever $y\,(w \cdot x + b) \le 0$ (a score of exactly 0 counts as a mistake)."
            "\n\\begin{center}\\begin{tabular}{ccc}\nexample & $x$ & $y$ \\\\ \\hline\n" + rows
            + "\n\\end{tabular}\\end{center}")
        parts = (Part("Give $w$ after each example.", ("w",), 2), Part("Give $b$ after each example.", ("b",), 1),
                 Part("How many mistakes (updates) does the epoch make?", ("mistakes",), 1))
        lines = "; ".join(
            rf"example {i}: score ${sympy.latex(score)}$, " + ("mistake, update" if mistake else "correct")
            + rf" $\to w = {sympy.latex(w)}, b = {sympy.latex(b)}$"
            for i, (score, mistake, w, b) in enumerate(self.run(p), 1))
        solution = (lines + rf". So $w$ after each example: ${answers['w'].latex}$; $b$: ${answers['b'].latex}$; "
                    rf"${answers['mistakes'].latex}$ mistake{'' if answers['mistakes'].exact == 1 else 's'}.")
        return Rendered(statement, parts, solution)
