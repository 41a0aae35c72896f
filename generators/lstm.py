"""LSTM cells: which equation is which gate, and the forward pass of a scalar cell."""

from __future__ import annotations

import sympy

from qbank.core.errors import IllPosed
from qbank.core.exact import decimal, tanh
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Choice, Int, Num, Table, Vector
from qbank.core.tex import indices, keyed, step_value

GATES = ("forget", "input", "output")
CELL_STATE = "the cell state: the network's long-term memory, carried from step to step"


# The six equations of the cell, displayed numbered in the order `layout` gives.
EQUATIONS = ("g1", "g2", "g3", "candidate", "cell", "hidden")


class Gates(Generator):
    id = "lstm.gates"
    title = "LSTM: identify the forget, input and output gates"
    refuses = ("an order or layout that is not a permutation",)
    # a gate's answer is the i of its g_i
    labels = {"forget": r"i \text{ of the forget gate } g_i", "input": r"i \text{ of the input gate } g_i",
              "output": r"i \text{ of the output gate } g_i", "cell": "c_t",
              "forget_equation": r"\text{equation of the forget gate}",
              "input_equation": r"\text{equation of the input gate}",
              "output_equation": r"\text{equation of the output gate}", "cell_equation": r"\text{equation of } c_t"}
    index_symbols = {gate: "g" for gate in GATES}  # a gate's answer 3 may be typed g3 or g_3
    # what c_t holds, offered beside what the other states and gates hold
    options = {"cell": (CELL_STATE, "the hidden state: what the cell outputs to the next layer and step",
                        "the forget gate's activations: how much of the old memory to keep",
                        "the candidate values: the new information proposed at this step")}
    topics = ("rnn", "lstm")
    version = 2
    # order: which gate each of g_1, g_2, g_3 is; layout: the displayed number of each equation in
    # EQUATIONS, so that neighbours' keys differ (3! gate orders alone give 6 keys for a whole room)
    params = {"order": Vector(Choice(*GATES), 3, 3), "layout": Vector(Int(1, 6), 6, 6)}

    def sample(self, d):
        return {"order": d.value("order", lambda: tuple(GATES[int(i)] for i in d.rng.permutation(3))),
                "layout": d.value("layout", lambda: tuple(int(i) + 1 for i in d.rng.permutation(6)))}

    def check(self, p):
        if sorted(p["order"]) != sorted(GATES):
            raise IllPosed("order", f"must name each of {', '.join(GATES)} once, not {list(p['order'])}")
        if sorted(p["layout"]) != list(range(1, 7)):
            raise IllPosed("layout", f"must number the 6 equations 1 to 6, each once, not {list(p['layout'])}")

    def solve(self, p):
        number = dict(zip(EQUATIONS, p["layout"]))
        gates = {gate: p["order"].index(gate) + 1 for gate in GATES}
        return (gates | {f"{gate}_equation": number[f"g{k}"] for gate, k in gates.items()}
                | {"cell": CELL_STATE, "cell_equation": number["cell"]})

    def render(self, p, answers):
        k = {gate: p["order"].index(gate) + 1 for gate in GATES}
        text = {f"g{n}": rf"g_{n} &= \sigma(W_{n} x_t + U_{n} h_{{t-1}} + b_{n})" for n in (1, 2, 3)} | {
            "candidate": r"\tilde c_t &= \tanh(W_c x_t + U_c h_{t-1} + b_c)",
            "cell": rf"c_t &= g_{k['forget']} \odot c_{{t-1}} + g_{k['input']} \odot \tilde c_t",
            "hidden": rf"h_t &= g_{k['output']} \odot \tanh(c_t)"}
        shown = sorted(zip(p["layout"], EQUATIONS))
        statement = (
            r"An LSTM cell computes, with $\sigma$ the logistic sigmoid and $\odot$ the element-wise product, "
            r"these six equations (numbered on the right, in no particular order):"
            r"\begin{align*}" + r" \\ ".join(rf"{text[key]} \tag{{{n}}}" for n, key in shown) + r"\end{align*}")
        parts = (Part("Which of $g_1, g_2, g_3$ is the forget gate, and which equation computes it?",
                      ("forget", "forget_equation")),
                 Part("Which is the input (update) gate, and which equation computes it?", ("input", "input_equation")),
                 Part("Which is the output gate, and which equation computes it?", ("output", "output_equation")),
                 Part("What does $c_t$ hold, and which equation updates it?", ("cell", "cell_equation")))
        solution = (
            rf"The forget gate scales the old cell state $c_{{t-1}}$: $g_{answers['forget'].latex}$, computed by "
            rf"equation ({answers['forget_equation'].latex}). The input gate scales the new candidate $\tilde c_t$: "
            rf"$g_{answers['input'].latex}$, equation ({answers['input_equation'].latex}). The output gate scales what "
            rf"the cell shows as $h_t$: $g_{answers['output'].latex}$, equation ({answers['output_equation'].latex}). "
            # the answer in words, as text (in math it would be one unbreakable box)
            rf"$c_t$ holds {answers['cell'].exact}, updated by equation ({answers['cell_equation'].latex}).")
        return Rendered(statement, parts, solution)


GATE_KEYS = ("i", "f", "o", "g")
ZERO = sympy.Integer(0)


def gate(z):
    """The sigmoid as (1 + tanh(z/2))/2, the same value as 1/(1 + exp(-z)): products of reciprocals
    of nested sums made sympy re-derive facts of every nested term (an LSTM variant took 8 ms);
    sums of tanh terms it multiplies without asking."""
    return (1 + tanh(z / 2)) / 2


class Forward(Generator):
    id = "lstm.forward"
    forms = {"steps": Int(1, 2)}
    title = "Forward pass of a scalar LSTM cell"
    labels = {"i": "i_#", "f": "f_#", "o": "o_#", "g": "g_#", "c": "c_#", "h": "h_#"}
    topics = ("rnn", "lstm")
    params = {"x": Vector(Num(-10, 10), 1, 3), "h0": Num(-10, 10), "c0": Num(-10, 10),
              "weights": Table({k: Vector(Num(-10, 10), 3, 3) for k in GATE_KEYS})}
    max_abs = 10
    max_denominator = 100
    calculator = True  # sigmoid and tanh to 4 decimals
    version = 2

    def degenerate(self, p, answers):
        if any(g == 0 for g in answers["g"].exact):
            return "a candidate g_t is 0: tanh(0), nothing to compute"
        if all(h == 0 for h in answers["h"].exact):
            return "every hidden state is 0 (g = c = h = 0)"
        return None

    def sample(self, d):
        half = (-1, sympy.Rational(-1, 2), 0, sympy.Rational(1, 2), 1)
        return {"x": d.value("x", lambda: tuple(d.pick((-1, 0, 1, 2)) for _ in range(d.form_int("steps", 1, 2)))),
                "h0": d.value("h0", lambda: d.pick((0, 0, sympy.Rational(1, 2)))),
                "c0": d.value("c0", lambda: d.pick((0, 0, 1, sympy.Rational(-1, 2)))),
                "weights": d.value("weights", lambda: {k: tuple(d.pick(half) for _ in range(3)) for k in GATE_KEYS})}

    def _step_lines(self, p):
        """Each step's pre-activations, gates and states as short named decimals."""
        h, c, lines = p["h0"], p["c0"], []
        for t, (x, s) in enumerate(zip(p["x"], self.steps(p)), 1):
            gates = ", ".join(rf"${k}_{t} = {fn}({decimal(s['z'][k])}) \approx {decimal(s[k])}$"
                              for k, fn in (("i", r"\sigma"), ("f", r"\sigma"), ("o", r"\sigma"), ("g", r"\tanh")))
            lines.append(
                rf"Step {t} ($x_{t} = {sympy.latex(x)}$, $h_{{{t - 1}}} \approx {decimal(h)}$, $c_{{{t - 1}}} \approx {decimal(c)}$): "
                + gates + rf"; $c_{t} = f_{t} c_{{{t - 1}}} + i_{t} g_{t} \approx {decimal(s['c'])}$, "
                rf"$h_{t} = o_{t} \tanh(c_{t}) \approx {decimal(s['h'])}$.")
            h, c = s["h"], s["c"]
        return lines

    @staticmethod
    def steps(p):
        h, c, steps = p["h0"], p["c0"], []
        for x in p["x"]:
            z = {k: w_x * x + w_h * h + b for k, (w_x, w_h, b) in p["weights"].items()}
            gates = {k: gate(z[k]) for k in "ifo"} | {"g": tanh(z["g"])}
            c = gates["f"] * c + gates["i"] * gates["g"]
            h = gates["o"] * tanh(c)
            steps.append(gates | {"c": c, "h": h, "z": z})
        return steps

    def solve(self, p):
        steps = self.steps(p)
        return {k: tuple(s[k] for s in steps) for k in ("i", "f", "o", "g", "c", "h")}

    def render(self, p, answers):
        T = len(p["x"])
        w = p["weights"]
        x_t, h_prev = sympy.Symbol("x_t"), sympy.Symbol("h_{t-1}")
        rows = r" \\ ".join(
            rf"{name} &= {fn}({sympy.latex(w[k][0] * x_t + w[k][1] * h_prev + w[k][2], order='lex')})"
            for k, name, fn in (("i", "i_t", r"\sigma"), ("f", "f_t", r"\sigma"), ("o", "o_t", r"\sigma"),
                                ("g", "g_t", r"\tanh")))
        xs = ",\\ ".join(rf"x_{t} = {sympy.latex(x)}" for t, x in enumerate(p["x"], 1))
        statement = (
            r"A scalar LSTM cell ($\sigma$ the logistic sigmoid) computes" r"\begin{align*}" + rows
            + r" \\ c_t &= f_t\, c_{t-1} + i_t\, g_t \\ h_t &= o_t \tanh(c_t)\end{align*}"
            + rf"with $h_0 = {sympy.latex(p['h0'])}$, $c_0 = {sympy.latex(p['c0'])}$ and inputs ${xs}$.")
        steps = "at $t = 1$" if T == 1 else f"for $t = {indices(T)}$"
        parts = (Part(rf"Compute the gates $i_t, f_t, o_t$ and the candidate $g_t$ {steps}.",
                      ("i", "f", "o", "g"), 3, work=4 * T),  # one line per gate and step
                 Part(rf"Compute the cell state $c_t$ and hidden state $h_t$ {steps}.", ("c", "h"), 3, work=max(3, 2 * T)))
        solution = ("Each step uses the previous $h$ and $c$; every value is shown to 4 decimal places. "
                    r"(The exact values write $\sigma(z)$ as $\frac{1}{2}(1 + \tanh\frac{z}{2})$, the same number as "
                    r"$1/(1 + e^{-z})$.)" + "\n\n"
                    + "\n\n".join(self._step_lines(p)) + "\n\n" + "Over the steps: "
                    + ", ".join(rf"${k} {keyed(answers[k])}$" for k in ("i", "f", "o", "g", "c", "h"))
                    + ".")
        return Rendered(statement, parts, solution)


class BpttStep(Generator):
    id = "lstm.bptt_step"
    title = "Backpropagation through a scalar LSTM without biases"
    refuses = ("upstream = 0",)
    labels = {"h": "h_#", "c": "c_#", "dL_dh": r"\partial L/\partial h_#", "dL_dc": r"\partial L/\partial c_#",
              "dL_di": r"\partial L/\partial i_#", "dL_df": r"\partial L/\partial f_#",
              "dL_do": r"\partial L/\partial o_#", "dL_dg": r"\partial L/\partial g_#"}
    topics = ("rnn", "lstm", "backprop")
    params = {"x": Vector(Num(-10, 10), 1, 2), "h0": Num(-10, 10), "c0": Num(-10, 10),
              "weights": Table({k: Vector(Num(-10, 10), 2, 2) for k in GATE_KEYS}), "upstream": Num(-10, 10)}
    calculator = True  # sigmoid and tanh, to 4 decimals
    max_abs = 100
    max_denominator = 100
    version = 2  # v2: dL/dh_T is given, so it is no answer (dL_dh holds dL/dh_t for t < T only)

    def sample(self, d):
        half = (-1, sympy.Rational(-1, 2), sympy.Rational(1, 2), 1)
        # one step when drawn (pins may give two): a second nests the exact derivatives past a page
        return {"x": d.value("x", lambda: (d.pick((-1, 1, 2)),)),
                "h0": d.value("h0", lambda: d.pick((0, sympy.Rational(1, 2)))),
                "c0": d.value("c0", lambda: d.pick((0, 1, sympy.Rational(-1, 2)))),
                "weights": d.value("weights", lambda: {k: tuple(d.pick(half) for _ in range(2)) for k in GATE_KEYS}),
                "upstream": d.value("upstream", lambda: d.pick((-1, 1, 2)))}

    def check(self, p):
        if p["upstream"] == 0:
            raise IllPosed("upstream", "a zero gradient makes every derivative 0; give a non-zero value")

    def forward(self, p):
        h, c, steps = p["h0"], p["c0"], []
        for x in p["x"]:
            w = p["weights"]
            z = {k: w[k][0] * x + w[k][1] * h for k in GATE_KEYS}
            gates = {k: gate(z[k]) for k in "ifo"} | {"g": tanh(z["g"])}
            c_prev, c = c, gates["f"] * c + gates["i"] * gates["g"]
            h = gates["o"] * tanh(c)
            steps.append(gates | {"c": c, "c_prev": c_prev, "h": h, "tanh_c": tanh(c)})
        return steps

    def solve(self, p):
        steps = self.forward(p)
        w = p["weights"]
        grads = [None] * len(steps)
        dh, dc_next, f_next = p["upstream"], ZERO, ZERO
        for t in reversed(range(len(steps))):
            s = steps[t]
            dc = dh * s["o"] * (1 - s["tanh_c"] ** 2) + dc_next * f_next
            grad = {"h": dh, "c": dc, "o": dh * s["tanh_c"], "i": dc * s["g"], "f": dc * s["c_prev"], "g": dc * s["i"]}
            grads[t] = grad
            # to the step before: through every gate's pre-activation, whose weight on h is w[k][1]
            dz = {k: grad[k] * s[k] * (1 - s[k]) for k in "ifo"} | {"g": grad["g"] * (1 - s["g"] ** 2)}
            dh, dc_next, f_next = sum((dz[k] * w[k][1] for k in GATE_KEYS), ZERO), dc, s["f"]
        # dL/dh_T is the given upstream gradient: only the earlier steps' dL/dh_t are answers
        earlier = {"dL_dh": tuple(g["h"] for g in grads[:-1])} if len(grads) > 1 else {}
        return {"h": tuple(s["h"] for s in steps), "c": tuple(s["c"] for s in steps)} | earlier | {
            f"dL_d{k}": tuple(g[k] for g in grads) for k in ("c", "i", "f", "o", "g")}

    def render(self, p, answers):
        T, w = len(p["x"]), p["weights"]
        x_t, h_prev = sympy.Symbol("x_t"), sympy.Symbol("h_{t-1}")
        rows = r" \\ ".join(rf"{k}_t &= {fn}({sympy.latex(w[k][0] * x_t + w[k][1] * h_prev, order='lex')})"
                            for k, fn in (("i", r"\sigma"), ("f", r"\sigma"), ("o", r"\sigma"), ("g", r"\tanh")))
        xs = ",\\ ".join(rf"x_{t} = {sympy.latex(x)}" for t, x in enumerate(p["x"], 1))
        steps = f"$t = {indices(T)}$"
        statement = (
            r"A scalar LSTM cell without biases ($\sigma$ the logistic sigmoid) computes" r"\begin{align*}" + rows
            + r" \\ c_t &= f_t\, c_{t-1} + i_t\, g_t \\ h_t &= o_t \tanh(c_t)\end{align*}"
            + rf"with $h_0 = {sympy.latex(p['h0'])}$, $c_0 = {sympy.latex(p['c0'])}$ and inputs ${xs}$. The loss "
            rf"depends on the last state only, with $\partial L/\partial h_{T} = {sympy.latex(p['upstream'])}$. "
            r"Derivatives are total (through every later step) and with respect to the gates' outputs "
            r"$i_t, f_t, o_t, g_t$.")
        parts = (Part(rf"Compute $c_t$ and $h_t$ for {steps}.", ("c", "h"), 2),
                 Part(r"Compute $\partial L/\partial c_1$." if T == 1 else
                      rf"Compute $\partial L/\partial h_1$, and $\partial L/\partial c_t$ for {steps}.",
                      ("dL_dc",) if T == 1 else ("dL_dh", "dL_dc"), 2, work=2 + 2 * T),
                 # four gates' derivatives a step, each from dL/dc_t: a line each
                 Part(rf"Compute $\partial L/\partial i_t$, $\partial L/\partial f_t$, $\partial L/\partial o_t$ and "
                      rf"$\partial L/\partial g_t$ for {steps}.", ("dL_di", "dL_df", "dL_do", "dL_dg"), 2,
                      work=1 + 2 * T))
        solution = (
            r"Forward: $c " + step_value(answers["c"].exact) + r"$, $h " + step_value(answers["h"].exact) + "$. "
            r"Backward from the last step: $\partial L/\partial o_t = \partial L/\partial h_t \tanh c_t$, "
            r"$\partial L/\partial c_t = \partial L/\partial h_t\, o_t (1 - \tanh^2 c_t) + \partial L/\partial c_{t+1} f_{t+1}$, "
            r"$\partial L/\partial i_t = \partial L/\partial c_t\, g_t$, $\partial L/\partial f_t = \partial L/\partial c_t\, "
            r"c_{t-1}$, $\partial L/\partial g_t = \partial L/\partial c_t\, i_t$; $\partial L/\partial h_{t-1}$ collects "
            r"each gate's $\partial L/\partial z$ times its weight on $h_{t-1}$. "
            + rf"From the given $\partial L/\partial h_{T} = {sympy.latex(p['upstream'])}$: "
            + ", ".join(rf"$\partial L/\partial {k}" + ("_1" if k == "h" else "") + " "
                        + step_value(answers[f"dL_d{k}"].exact[0] if k == "h" else answers[f"dL_d{k}"].exact) + "$"
                        for k in ("h", "c", "i", "f", "o", "g") if f"dL_d{k}" in answers) + ".")
        return Rendered(statement, parts, solution)
