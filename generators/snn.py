"""Spiking neurons: a leaky integrate-and-fire neuron trained with a surrogate gradient."""

from __future__ import annotations

import sympy

from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Bool, Int, Num, Vector
from qbank.core.tex import counted, given, keyed, sequence

ZERO, ONE = sympy.Integer(0), sympy.Integer(1)
R = sympy.Rational


def run(p):
    """Forward and forward-mode derivatives of every step.

    V_t = beta V'_{t-1} + I_t with V'_{t-1} = 0 after a spike (a hard reset that no
    gradient flows through), y_t = H(V_t - threshold) with H(0) = 1, and the
    surrogate dH/dxi = 1/(1 + k|xi|)^2."""
    T = len(p["x"])
    names = ("w", "b", "beta", "threshold") + tuple(f"x{t}" for t in range(T))
    kept, d_kept = p["v0"], dict.fromkeys(names, ZERO)  # V'_{t-1} and its derivatives
    steps = []
    for t, x in enumerate(p["x"]):
        v = p["beta"] * kept + p["w"] * x + p["b"]
        d_v = {n: p["beta"] * d_kept[n] for n in names}
        d_v["w"] += x
        d_v["b"] += 1
        d_v["beta"] += kept
        d_v[f"x{t}"] += p["w"]
        spike = ONE if v >= p["threshold"] else ZERO
        surrogate = 1 / (1 + p["k"] * abs(v - p["threshold"])) ** 2
        steps.append({"v": v, "y": spike, "s": surrogate, "dv": d_v})
        kept, d_kept = (ZERO, dict.fromkeys(names, ZERO)) if spike else (v, d_v)
    return steps


class Lif(Generator):
    id = "snn.lif"
    forms = {"steps": Int(3, 4)}
    title = "Leaky integrate-and-fire neuron: spikes and surrogate gradients"
    labels = {"v": "V_#",
              "y": "y_#",
              "dz_dw": r"\partial z/\partial w",
              "dz_db": r"\partial z/\partial b",
              "dz_dx": r"\partial z/\partial x_#",
              "dz_dbeta": r"\partial z/\partial \beta",
              "dz_dthreshold": r"\partial z/\partial \theta"}
    topics = ("snn", "backprop")
    params = {"x": Vector(Num(-10, 10), 1, 6), "w": Num(-10, 10), "b": Num(-10, 10), "beta": Num(0, 1),
              "threshold": Num(R(1, 100), 100), "k": Num(0, 1000), "v0": Num(-100, 100, default=0),
              "trainable": Bool(default=False)}
    max_abs = 100
    max_denominator = None  # squared surrogates of decimals: exact, but worked with a calculator
    calculator = True
    version = 2

    def sample(self, d):
        for _ in range(100):
            p = {"x": d.value("x", lambda: d.integers(d.form_int("steps", 3, 4), 0, 1)),
                 "w": d.value("w", lambda: R(d.pick((4, 5, 6, 8, 10)), 10)),
                 "b": d.value("b", lambda: R(d.pick((0, 5, 10)), 100)),
                 "beta": d.value("beta", lambda: R(d.pick((50, 80, 90, 95)), 100)),
                 "threshold": d.value("threshold", lambda: R(d.pick((50, 75, 100)), 100)),
                 "k": d.choice("k", (1, 2, 5, 10, 25)), "trainable": d.form("trainable", lambda: d.chance(0.3))}
            spikes = [s["y"] for s in run(p | {"v0": ZERO})]
            if 1 <= sum(spikes) < len(spikes):  # some spikes, some silence: the reset matters
                break
        return p

    def solve(self, p):
        steps = run(p)
        grad = {n: sum((s["s"] * s["dv"][n] for s in steps), ZERO) for n in steps[0]["dv"]}
        answers = {"v": tuple(s["v"] for s in steps), "y": tuple(s["y"] for s in steps),
                   "dz_dw": grad["w"], "dz_db": grad["b"], "dz_dx": tuple(grad[f"x{t}"] for t in range(len(steps)))}
        if p["trainable"]:
            # y_t depends on the threshold through xi = V_t - threshold; V_t does not
            answers |= {"dz_dbeta": grad["beta"], "dz_dthreshold": -sum((s["s"] for s in steps), ZERO)}
        return answers

    def render(self, p, answers):
        T = len(p["x"])
        xs = ",\\ ".join(sympy.latex(x) for x in p["x"])
        statement = (
            rf"A leaky integrate-and-fire neuron receives inputs $x = ({xs})$ over {counted(T, 'step')} with weight "
            rf"$w = {given(p['w'])}$, bias $b = {given(p['b'])}$, decay $\beta = {given(p['beta'])}$ and threshold "
            rf"$\theta = {given(p['threshold'])}$, starting from $V_0 = {given(p['v0'])}$:"
            r"\[ I_t = w x_t + b,\quad V_t = \beta V'_{t-1} + I_t,\quad y_t = H(V_t - \theta), \]"
            r"with $H(\xi) = 1$ for $\xi \ge 0$ (so $H(0) = 1$) and $0$ otherwise. After a spike the membrane is reset: "
            r"$V'_t = 0$ if $y_t = 1$, else $V'_t = V_t$ (a hard reset: no gradient flows through it; no reset before "
            rf"step 1). Training uses $z = \sum_t y_t$ and the surrogate derivative "
            rf"$H'(\xi) = 1/(1 + k|\xi|)^2$ with $k = {given(p['k'])}$.")
        parts = [Part(rf"Compute the membrane values ${sequence('V', T)}$ (before any reset).", ("v",), 2),
                 Part(rf"Which steps spike? Give ${sequence('y', T)}$.", ("y",), 1),
                 Part(r"Compute $\partial z/\partial w$ and $\partial z/\partial b$.", ("dz_dw", "dz_db"), 3),
                 Part(r"Compute $\partial z/\partial x_t$ for every step.", ("dz_dx",), 2)]
        if p["trainable"]:
            parts.append(Part(r"$\beta$ and $\theta$ are trainable too: compute $\partial z/\partial \beta$ and "
                              r"$\partial z/\partial \theta$.", ("dz_dbeta", "dz_dthreshold"), 3))
        return Rendered(statement, tuple(parts), self._solution(p, answers, run(p)))

    @staticmethod
    def _solution(p, answers, steps):
        rows = " \\\\\n".join(
            f"${t}$ & ${sympy.latex(s['v'])}$ & ${s['y']}$ & ${sympy.latex(s['s'])}$ & "
            f"${sympy.latex(s['dv']['w'])}$ & ${sympy.latex(s['dv']['b'])}$" for t, s in enumerate(steps, 1))
        text = (
            r"Forward, with $s_t = H'(V_t - \theta)$ and the derivatives of $V_t$ carried forward "
            r"($\partial V_t/\partial w = \beta\,\partial V'_{t-1}/\partial w + x_t$, "
            r"$\partial V_t/\partial b = \beta\,\partial V'_{t-1}/\partial b + 1$, both reset to 0 after a spike):"
            "\n\\begin{center}\\begin{tabular}{cccccc}\n"
            r"$t$ & $V_t$ & $y_t$ & $s_t$ & $\partial V_t/\partial w$ & $\partial V_t/\partial b$ \\ \hline" "\n"
            + rows + "\n\\end{tabular}\\end{center}\n"
            r"Then $\partial z/\partial \cdot = \sum_t s_t\, \partial V_t/\partial \cdot$: "
            rf"$V {keyed(answers['v'])}$, $y = {answers['y'].latex}$, "
            rf"$\partial z/\partial w {keyed(answers['dz_dw'])}$, $\partial z/\partial b {keyed(answers['dz_db'])}$, "
            rf"$\partial z/\partial x {keyed(answers['dz_dx'])}$ "
            r"($\partial V_t/\partial x_k = \beta\,\partial V'_{t-1}/\partial x_k + w[t = k]$).")
        if p["trainable"]:
            text += (r" For $\beta$: $\partial V_t/\partial \beta = \beta\,\partial V'_{t-1}/\partial\beta + V'_{t-1}$, "
                     rf"giving $\partial z/\partial \beta {keyed(answers['dz_dbeta'])}$; the threshold enters only "
                     rf"through $\xi_t = V_t - \theta$: $\partial z/\partial \theta = -\sum_t s_t "
                     rf"{keyed(answers['dz_dthreshold'])}$.")
        return text
