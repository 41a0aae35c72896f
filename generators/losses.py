"""Losses: softmax cross-entropy and binary cross-entropy through a sigmoid (natural logs)."""

from __future__ import annotations

import sympy

from qbank.core.errors import IllPosed
from qbank.core.exact import decimal_latex, log, sigmoid
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Choice, Int, Num, Vector
from qbank.core.tex import given, keyed

R = sympy.Rational


class SoftmaxCrossEntropy(Generator):
    id = "loss.softmax_ce"
    forms = {"classes": Int(3, 4)}
    title = "Softmax, cross-entropy and its gradient"
    refuses = ("a target class beyond the logits",)
    labels = {"probs": "p_#", "loss": "L", "uniform_loss": r"L_{\text{uniform}}", "grad": r"\partial L/\partial z_#"}
    topics = ("losses",)
    params = {"logits": Vector(Num(-20, 20), 2, 10), "target": Int(1, 10)}
    max_abs = 100
    max_denominator = 10
    calculator = True  # exp and log to 4 decimals

    def sample(self, d):
        logits = d.value("logits", lambda: tuple(R(d.integer(-10, 20), 10) for _ in range(d.form_int("classes", 3, 4))))
        return {"logits": logits, "target": d.value("target", lambda: d.integer(1, len(logits)))}

    def check(self, p):
        if p["target"] > len(p["logits"]):
            raise IllPosed("target", f"class {p['target']} does not exist: there are {len(p['logits'])} logits (1-based)")

    def solve(self, p):
        exps = [sympy.exp(z) for z in p["logits"]]
        probs = tuple(e / sum(exps) for e in exps)
        k = p["target"] - 1
        return {"probs": probs, "loss": -log(probs[k]), "uniform_loss": sympy.log(len(probs)),
                "grad": tuple(q - (1 if i == k else 0) for i, q in enumerate(probs))}

    def render(self, p, answers):
        C, k = len(p["logits"]), p["target"]
        statement = (
            rf"A classifier outputs the logits $z = {given(p['logits'])}$ for {C} classes; the true class is "
            rf"class {k} (classes numbered from 1). The loss is the cross-entropy of the softmax, with natural logs: "
            rf"$L = -\ln p_{k}$, $p_i = e^{{z_i}} / \sum_j e^{{z_j}}$.")
        parts = (Part("Compute the softmax probabilities $p$.", ("probs",), 2),
                 Part("Compute the loss $L$.", ("loss",), 1),
                 Part("What would the loss be for a uniform prediction over the classes?", ("uniform_loss",), 1),
                 Part(r"Compute the gradient $\partial L/\partial z$.", ("grad",), 2))
        exps = tuple(sympy.exp(z) for z in p["logits"])
        solution = (
            rf"The exponentials $e^{{z_i}} \approx {decimal_latex(exps)}$ add up to "
            rf"$\sum_j e^{{z_j}} \approx {decimal_latex(sum(exps))}$, and each $p_i$ is its share: "
            rf"$p {keyed(answers['probs'])}$. "
            rf"$L = -\ln p_{k} {keyed(answers['loss'])}$. "
            rf"A uniform prediction gives every class $1/{C}$: $-\ln(1/{C}) "
            rf"{keyed(answers['uniform_loss'])}$. The gradient of softmax cross-entropy is $p$ minus the "
            rf"one-hot target: $\partial L/\partial z {keyed(answers['grad'])}$.")
        return Rendered(statement, parts, solution)


class BinaryCrossEntropy(Generator):
    id = "loss.bce_grad"
    title = "Binary cross-entropy through a sigmoid and its gradient"
    labels = {"a": "a", "loss": "L", "dL_dz": r"\partial L/\partial z"}
    topics = ("losses",)
    params = {"z": Num(-20, 20), "y": Choice(0, 1)}
    max_abs = 100
    version = 2
    max_denominator = 100
    calculator = True  # exp and log to 4 decimals

    def sample(self, d):
        return {"z": d.value("z", lambda: R(d.integer(-300, 300), 100)), "y": d.choice("y", (0, 1))}  # two decimals; |z| <= 3 keeps 1 - a away from 0

    def solve(self, p):
        a = sigmoid(p["z"])
        return {"a": a, "loss": -log(a if p["y"] == 1 else 1 - a), "dL_dz": a - p["y"]}

    def render(self, p, answers):
        statement = (
            rf"A logistic unit outputs $a = \sigma(z) = 1/(1 + e^{{-z}})$ for the logit $z = {given(p['z'])}$; the "
            rf"label is $y = {p['y']}$. The loss is the binary cross-entropy with natural logs, "
            r"$L = -(y \ln a + {(1 - y)}\ln {(1 - a)})$.")
        parts = (Part("Compute $a$.", ("a",), 1), Part("Compute $L$.", ("loss",), 1),
                 Part(r"Compute $\partial L/\partial z$.", ("dL_dz",), 2))
        solution = (
            rf"$a {keyed(answers['a'])}$; "
            rf"$L {keyed(answers['loss'])}$. "
            r"With $\partial L/\partial a = -y/a + (1-y)/(1-a)$ and $\partial a/\partial z = a(1-a)$ the product "
            rf"simplifies to $a - y {keyed(answers['dL_dz'])}$.")
        return Rendered(statement, parts, solution)
