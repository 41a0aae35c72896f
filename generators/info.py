"""Information theory: KL and Jensen-Shannon divergences of discrete distributions."""

from __future__ import annotations

import sympy

from qbank.core.errors import IllPosed
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Choice, Num, Vector
from qbank.core.tex import keyed

R = sympy.Rational


def kl(p, q, base):
    """sum p_i log(p_i / q_i), in the given base."""
    nats = sum((pi * sympy.log(pi / qi) for pi, qi in zip(p, q)), sympy.Integer(0))
    return nats if base == "e" else nats / sympy.log(2)


class Divergence(Generator):
    id = "info.divergence"
    title = "KL and Jensen-Shannon divergence of two discrete distributions"
    refuses = ("p or q that are not positive probabilities adding up to 1, or of different lengths",)
    labels = {"kl_pq": r"\mathrm{KL}(p\|q)", "kl_qp": r"\mathrm{KL}(q\|p)", "js": r"\mathrm{JS}(p, q)"}
    topics = ("information",)
    params = {"p": Vector(Num(0, 1), 2, 8), "q": Vector(Num(0, 1), 2, 8), "base": Choice(2, "e")}
    version = 2
    max_abs = 100
    max_denominator = 200  # distributions in 100ths or 20ths: a base-2 KL of power-of-2 ratios is in those
    calculator = True  # logarithms to 4 decimals

    def sample(self, d):
        def distribution(n):
            # two outcomes in hundredths, three in twentieths: enough pairs that neighbours differ
            steps = 100 if n == 2 else 20
            cuts = sorted(d.rng.choice(range(1, steps), size=n - 1, replace=False))
            return tuple(R(int(b - a), steps) for a, b in zip([0, *cuts], [*cuts, steps]))
        n = d.form_int("outcomes", 2, 3)
        return {"p": d.value("p", lambda: distribution(n)), "q": d.value("q", lambda: distribution(n)),
                "base": d.form_choice("base", (2, "e"))}

    def degenerate(self, p, answers):
        return "p = q makes every divergence 0" if p["p"] == p["q"] else None

    def check(self, p):
        for name in ("p", "q"):
            if any(x <= 0 for x in p[name]) or sum(p[name]) != 1:
                raise IllPosed(name, "must be positive probabilities that add up to exactly 1")
        if len(p["p"]) != len(p["q"]):
            raise IllPosed("q", f"needs {len(p['p'])} entries like p")

    def solve(self, p):
        m = tuple((a + b) / 2 for a, b in zip(p["p"], p["q"]))
        return {"kl_pq": kl(p["p"], p["q"], p["base"]), "kl_qp": kl(p["q"], p["p"], p["base"]),
                "js": kl(p["p"], m, p["base"]) / 2 + kl(p["q"], m, p["base"]) / 2}

    def render(self, p, answers):
        unit = "bits (log base 2)" if p["base"] == 2 else r"nats (natural log)"
        statement = (rf"Two distributions over {len(p['p'])} outcomes: $p = {sympy.latex(tuple(p['p']))}$ and "
                     rf"$q = {sympy.latex(tuple(p['q']))}$. Work in {unit}; "
                     r"$\mathrm{KL}(p\|q) = \sum_i p_i \log(p_i/q_i)$ and "
                     r"$\mathrm{JS}(p, q) = \tfrac12 \mathrm{KL}(p\|m) + \tfrac12 \mathrm{KL}(q\|m)$ with $m = (p+q)/2$.")
        parts = (Part(r"Compute $\mathrm{KL}(p\|q)$.", ("kl_pq",), 2), Part(r"Compute $\mathrm{KL}(q\|p)$.", ("kl_qp",), 1),
                 Part(r"Compute $\mathrm{JS}(p, q)$.", ("js",), 2))
        solution = (
            rf"$\mathrm{{KL}}(p\|q) {keyed(answers['kl_pq'])}$; "
            rf"$\mathrm{{KL}}(q\|p) {keyed(answers['kl_qp'])}$ "
            r"(KL is not symmetric); with $m = " + sympy.latex(tuple((a + b) / 2 for a, b in zip(p["p"], p["q"])))
            + rf"$, $\mathrm{{JS}} {keyed(answers['js'])}$.")
        return Rendered(statement, parts, solution)
