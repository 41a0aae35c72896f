"""Small TikZ figures drawn from a variant's own values, where instructors draw one: a computational
graph, an unrolled recurrence, a stack of layers.

Each figure's shape depends only on the question's form (steps, layers, a skip connection), so
every version of a slot shows the same picture with its own numbers. Figures are at most the text
width: nodes are spaced in centimetres and long chains wrap onto further rows. A document loads
TikZ only when one of its questions has a figure (`uses_figures`).
"""

from __future__ import annotations

TIKZ_PREAMBLE = r"\usepackage{tikz}\usetikzlibrary{arrows.meta}"
_STYLE = (r"[>={Stealth[length=2mm]}, every node/.style={font=\small}, "
          r"box/.style={draw, rounded corners=2pt, inner sep=3pt, minimum height=6mm, align=center}]")
# Nodes per row of a wrapped chain, and the spacing that keeps a full row inside A4's text width.
PER_ROW = 5
STEP_CM = 3.2
ROW_CM = 1.6


def uses_figures(tex: str) -> bool:
    return r"\begin{tikzpicture}" in tex


def _picture(body: str) -> str:
    return r"\begin{center}\begin{tikzpicture}" + _STYLE + body + r"\end{tikzpicture}\end{center}"


def chain(nodes: list[str], edges: list[str] | None = None, skip: tuple[int, int, str] | None = None,
          step: float = STEP_CM) -> str:
    """Boxes left to right, wrapping after PER_ROW (rows snake back and forth, so every arrow is
    short); arrows between neighbours, labelled by edges; an optional skip arrow (from, to, label)
    drawn above the first row."""
    body = []
    for i, label in enumerate(nodes):
        row, col = divmod(i, PER_ROW)
        x = col * step if row % 2 == 0 else (PER_ROW - 1 - col) * step
        body.append(rf"\node[box] (n{i}) at ({x:.2f}, {-row * ROW_CM:.2f}) {{{label}}};")
    for i in range(1, len(nodes)):
        text = edges[i - 1] if edges else ""
        label = rf" node[midway, above] {{{text}}}" if text and (i % PER_ROW) else (
            rf" node[midway, right] {{{text}}}" if text else "")
        body.append(rf"\draw[->] (n{i - 1}) --{label} (n{i});")
    if skip:
        start, end, text = skip
        body.append(rf"\draw[->] (n{start}.north) -- ++(0, 0.5) -| node[pos=0.25, above] {{{text}}} (n{end}.north);")
    return _picture("\n".join(body))


def unrolled(states: list[str], inputs: list[str], recurrent: str, input_weight: str) -> str:
    """h_0 -> h_1 -> ... -> h_T, each h_t with its input x_t below: the recurrence unrolled in time."""
    body = []
    for t, label in enumerate(states):
        body.append(rf"\node[box] (h{t}) at ({t * 2.4:.2f}, 0) {{{label}}};")
        if t:
            body.append(rf"\draw[->] (h{t - 1}) -- node[midway, above] {{{recurrent}}} (h{t});")
            body.append(rf"\node (x{t}) at ({t * 2.4:.2f}, -1.5) {{{inputs[t - 1]}}};")
            body.append(rf"\draw[->] (x{t}) -- node[midway, right] {{{input_weight}}} (h{t});")
    return _picture("\n".join(body))
