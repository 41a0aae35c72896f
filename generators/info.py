"""Information theory: KL and Jensen-Shannon divergences of discrete distributions."""

from __future__ import annotations

import sympy

from qbank.core.errors import IllPosed
from qbank.core.exact import decimal_latex
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Choice, Int, Num, Vector
from qbank.core.tex import as_asked, given

R = sympy.Rational


def kl(p, q, base):
    """sum p_i log(p_i / q_i), in the given base."""
    nats = sum((pi * sympy.log(pi / qi) for pi, qi in zip(p, q)), sympy.Integer(0))
    return nats if base == "e" else nats / sympy.log(2)


def kl_working(p, q, base) -> str:
    """KL(p||q) term by term, for partial credit: the sum written out, then each term p_i log(p_i/q_i)
    to 4 decimals (the key's value follows it)."""
    log = r"\log_2" if base == 2 else r"\ln"
    written = " + ".join(rf"{given(pi)} {log}({given(pi)}/{given(qi)})" for pi, qi in zip(p, q))
    values = [decimal_latex(kl((pi,), (qi,), base)) for pi, qi in zip(p, q)]
    signed = values[0] + "".join(f" - {v[1:]}" if v.startswith("-") else f" + {v}" for v in values[1:])
    return rf"{written} \approx {signed}"


class Divergence(Generator):
    id = "info.divergence"
    forms = {"outcomes": Int(2, 3)}
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
        # the key's notation: ln for nats, log_2 for bits (the key writes ln x / ln 2)
        log = r"\log_2" if p["base"] == 2 else r"\ln"
        unit = "bits (log base 2)" if p["base"] == 2 else r"nats (natural log)"
        statement = (rf"Two distributions over {len(p['p'])} outcomes: $p = {sympy.latex(tuple(p['p']))}$ and "
                     rf"$q = {sympy.latex(tuple(p['q']))}$. Work in {unit}; "
                     rf"$\mathrm{{KL}}(p\|q) = \sum_i p_i {log}(p_i/q_i)$ and "
                     r"$\mathrm{JS}(p, q) = \frac{1}{2} \mathrm{KL}(p\|m) + \frac{1}{2} \mathrm{KL}(q\|m)$ with $m = (p+q)/2$.")
        n = len(p["p"])  # a line per term of each sum, and one for the total; JS sums twice, over m
        parts = (Part(r"Compute $\mathrm{KL}(p\|q)$.", ("kl_pq",), 2, work=n + 1),
                 Part(r"Compute $\mathrm{KL}(q\|p)$.", ("kl_qp",), 1, work=n + 1),
                 Part(r"Compute $\mathrm{JS}(p, q)$.", ("js",), 2, work=2 * n + 2))
        m = tuple((a + b) / 2 for a, b in zip(p["p"], p["q"]))
        kl_pm, kl_qm = kl(p["p"], m, p["base"]), kl(p["q"], m, p["base"])
        solution = (
            rf"$\mathrm{{KL}}(p\|q) = {kl_working(p['p'], p['q'], p['base'])} {as_asked(answers['kl_pq'])}$." + "\n\n"
            + rf"$\mathrm{{KL}}(q\|p) = {kl_working(p['q'], p['p'], p['base'])} {as_asked(answers['kl_qp'])}$ "
            r"(KL is not symmetric)." + "\n\n"
            + rf"With $m = (p + q)/2 = {given(m)}$:" + "\n\n"
            + rf"$\mathrm{{KL}}(p\|m) = {kl_working(p['p'], m, p['base'])} \approx {decimal_latex(kl_pm)}$ and" + "\n\n"
            + rf"$\mathrm{{KL}}(q\|m) = {kl_working(p['q'], m, p['base'])} \approx {decimal_latex(kl_qm)}$, so" + "\n\n"
            + rf"$\mathrm{{JS}}(p, q) = \frac{1}{2} ({decimal_latex(kl_pm)} + {decimal_latex(kl_qm)}) "
            rf"{as_asked(answers['js'])}$.")
        return Rendered(statement, parts, solution)
