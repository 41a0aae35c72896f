"""LSTM cells: which equation is which gate, and the forward pass of a scalar cell."""

from __future__ import annotations

import sympy

from qbank.errors import IllPosed
from qbank.generator import Generator
from qbank.model import Part, Rendered
from qbank.params import Choice, Num, Vector

GATES = ("forget", "input", "output")
CELL_STATE = "the cell state: the network's long-term memory, carried from step to step"


class Gates(Generator):
    id = "lstm.gates"
    title = "LSTM: identify the forget, input and output gates"
    topics = ("rnn", "lstm")
    params = {"order": Vector(Choice(*GATES), 3, 3)}

    def sample(self, d):
        return {"order": d.value("order", lambda: tuple(GATES[int(i)] for i in d.rng.permutation(3)))}

    def check(self, p):
        if sorted(p["order"]) != sorted(GATES):
            raise IllPosed("order", f"must name each of {', '.join(GATES)} once, not {list(p['order'])}")

    def solve(self, p):
        return {gate: sympy.Integer(p["order"].index(gate) + 1) for gate in GATES} | {"cell": CELL_STATE}

    def render(self, p, answers):
        k = {gate: p["order"].index(gate) + 1 for gate in GATES}
        gates = r" \\ ".join(rf"g_{n} &= \sigma(W_{n} x_t + U_{n} h_{{t-1}} + b_{n})" for n in (1, 2, 3))
        statement = (
            r"An LSTM cell computes, with $\sigma$ the logistic sigmoid and $\odot$ the element-wise product,"
            r"\begin{align*}" + gates
            + r" \\ \tilde c_t &= \tanh(W_c x_t + U_c h_{t-1} + b_c) \\ "
            + rf"c_t &= g_{k['forget']} \odot c_{{t-1}} + g_{k['input']} \odot \tilde c_t \\ "
            + rf"h_t &= g_{k['output']} \odot \tanh(c_t)" + r"\end{align*}")
        parts = (Part("Which of $g_1, g_2, g_3$ is the forget gate?", ("forget",)),
                 Part("Which is the input (update) gate?", ("input",)),
                 Part("Which is the output gate?", ("output",)),
                 Part("What does $c_t$ hold?", ("cell",)))
        solution = (
            rf"The forget gate scales the old cell state $c_{{t-1}}$: $g_{answers['forget'].latex}$. The input gate scales "
            rf"the new candidate $\tilde c_t$: $g_{answers['input'].latex}$. The output gate scales what the cell shows "
            rf"as $h_t$: $g_{answers['output'].latex}$. $c_t$ is {CELL_STATE}: ${answers['cell'].latex}$.")
        return Rendered(statement, parts, solution)
