"""Generator-made LaTeX as HTML for learning management systems, whose MathJax filter typesets the
math: math stays LaTeX between \\( \\) or \\[ \\]; the little text-mode LaTeX the bank uses
(\\texttt, \\_, line breaks, center, tabular, enumerate, figures) becomes HTML. Anything else is
an error (UnknownLatex), so a new construct in a generator fails the tests instead of reaching a
student as raw LaTeX.
"""

from __future__ import annotations

import html
import re

_MATH = re.compile(r"\$(?P<inline>[^$]*)\$|\\\((?P<paren>.*?)\\\)|\\\[(?P<display>.*?)\\\]"
                   r"|\\begin\{align\*\}(?P<align>.*?)\\end\{align\*\}", re.S)
_FIGURE = re.compile(r"\\qbankfigure\{(?P<body>(?:[^{}]|\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\})*)\}")
_NODE = re.compile(r"\\qbanknode\{(\w+)\}\{[-\d.]+\}\{[-\d.]+\}\{\d\}\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}")
_ARROW = re.compile(r"\\qbank(arrow|up)\{(\w+)\}\{(\w+)\}\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}")
# an environment with no other inside it: converted innermost first
_ENVIRONMENT = re.compile(r"\\begin\{(center|tabular|enumerate)\}(?:\{[^{}]*\})?((?:(?!\\begin\{).)*?)\\end\{\1\}",
                          re.S)
_TEXT_COMMANDS = ((re.compile(r"\\texttt\{([^{}]*)\}"), r"<code>\1</code>"), (re.compile(r"\\_"), "_"),
                  (re.compile(r"\\textbf\{([^{}]*)\}"), r"<b>\1</b>"), (re.compile(r"\\(&amp;|%|#)"), r"\1"),
                  (re.compile(r"\\textasciitilde\{\}"), "&#126;"), (re.compile(r"\\textasciicircum\{\}"), "^"),
                  (re.compile(r"\\allowbreak\s*"), ""),
                  (re.compile(r"``"), "\u201c"), (re.compile(r"''"), "\u201d"), (re.compile(r"~"), "\u00a0"),
                  (re.compile(r"---"), "\u2014"), (re.compile(r"--"), "\u2013"))


class UnknownLatex(ValueError):
    """Text-mode LaTeX that to_html does not know."""


def to_html(latex: str) -> str:
    """HTML for a generator's statement, prompt or solution."""
    blocks: list[str] = []  # converted HTML, held out of the text as \x00N\x00 until the end

    def block(html_text: str) -> str:
        blocks.append(html_text)
        return f"\x00{len(blocks) - 1}\x00"

    def environment(match) -> str:
        name, body = match.group(1), match.group(2)
        if name == "center":
            return block('<div style="text-align:center">') + body + block("</div>")
        if name == "enumerate":
            items = re.split(r"\\item\b", body)[1:]
            return block("<ol>" + "".join(f"<li>{_inline(item.strip())}</li>" for item in items) + "</ol>")
        rows = [row for row in re.split(r"\\\\", body.replace(r"\hline", "")) if row.strip()]
        return block('<table style="border-collapse:collapse">' + "".join(
            "<tr>" + "".join(f"<td>{_inline(cell.strip())}</td>" for cell in _cells(row)) + "</tr>" for row in rows)
            + "</table>")

    latex = _FIGURE.sub(lambda m: block("<div>Figure: " + _inline(_figure(m.group("body"))) + "</div>"), latex)
    while _ENVIRONMENT.search(latex):
        latex = _ENVIRONMENT.sub(environment, latex)
    text = "".join(f"<div>{chunk.strip()}</div>" for chunk in re.split(r"\n\s*\n", _inline(latex)) if chunk.strip())
    return re.sub(r"\x00(\d+)\x00", lambda m: blocks[int(m.group(1))], text)


def _inline(latex: str) -> str:
    """Text and math, the math kept for MathJax (escaped, as all HTML text is)."""
    out, last = [], 0
    for match in _MATH.finditer(latex):
        out.append(_text(latex[last:match.start()]))
        inline = match.group("inline") if match.group("inline") is not None else match.group("paren")
        if inline is not None:
            out.append(r"\(" + _math(inline) + r"\)")
        elif match.group("display") is not None:
            out.append(r"\[" + _math(match.group("display")) + r"\]")
        else:
            out.append(r"\[\begin{aligned}" + _math(match.group("align")) + r"\end{aligned}\]")
        last = match.end()
    out.append(_text(latex[last:]))
    return "".join(out)


# What TeX typesets but MathJax 2.7 (Moodle 4.5's) and Canvas's MathJax show as red source: the line
# break hint \allowbreak, which MathJax does not know, and \tag, which it takes only in a top-level
# environment, not in the aligned that align* becomes here (the number is written beside the row).
_MATHJAX_REWRITES = ((re.compile(r"\\allowbreak\s*"), ""), (re.compile(r"\\tag\{([^{}]*)\}"), r"\\qquad(\1)"))


def _math(latex: str) -> str:
    """Math for MathJax, escaped as all HTML text is."""
    for pattern, replacement in _MATHJAX_REWRITES:
        latex = pattern.sub(replacement, latex)
    return html.escape(latex, quote=False)


def _text(latex: str) -> str:
    """Text-mode LaTeX without math, as HTML (placeholders of converted blocks pass through)."""
    text = html.escape(latex, quote=False)
    for pattern, replacement in _TEXT_COMMANDS:
        text = pattern.sub(replacement, text)
    text = text.replace("\\\\", "<br>")
    leftover = re.search(r"\\[A-Za-z]+|\\.|[{}]", text)
    if leftover:
        raise UnknownLatex(f"no HTML for {leftover.group(0)!r} in {latex.strip()[:80]!r}")
    return text


def _cells(row: str) -> list[str]:
    """A table row's cells: split at & outside math."""
    cells, in_math, current = [], False, []
    for char in row:
        if char == "$":
            in_math = not in_math
        if char == "&" and not in_math:
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
    return cells + ["".join(current)]


def _figure(body: str) -> str:
    """A figure as LaTeX text: its chains of arrows, each arrow with its label."""
    labels = {name: re.sub(r"\\\\\s*", " ", label).strip() for name, label in _NODE.findall(body)}
    text, last = "", None
    for kind, start, end, label in _ARROW.findall(body):
        if start != last:
            text += ("; " if text else "") + labels[start]
        text += f" \u2192{f' ({label})' if label else ''} {labels[end]}" + (" (skip connection)" if kind == "up" else "")
        last = end
    return text
