"""A generator's LaTeX (statement, prompts, solution) as terminal text: `show` prints this.

A pure function over plaintex's symbol, script, accent and font tables (`unicode_text` gives
an answer label as one line, for answer-key.csv): paragraphs and display
math on their own lines, `align` as one line per equation (with its \\tag), matrices as rows
([[1, 0], [2, 1]], as the key prints them), tables as aligned columns, lists numbered, and
qbank's figures (`figures.chain`, `figures.unrolled`) as one line per arrow. Fractions read 3/4,
\\partial reads ∂, subscripts W₂ where Unicode has the letters (else h_T), \\texttt is its text.

A command it does not know is left as it is, backslash and all, so that a test over every
generator finds it (tests/test_cli.py) and a third-party bank's macro stays visible.
"""

from __future__ import annotations

import re
import unicodedata

from qbank.core import plaintex

# symbols a document uses beyond a label's (plaintex.SYMBOLS)
SYMBOLS = plaintex.SYMBOLS | {
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "langle": "⟨", "rangle": "⟩",
    "leftarrow": "←", "gets": "←", "Leftarrow": "⇐", "Rightarrow": "⇒", "implies": "⇒", "iff": "⇔",
    "leftrightarrow": "↔", "mapsto": "↦", "vdots": "⋮", "ddots": "⋱", "circ": "∘", "sim": "∼",
    "propto": "∝", "equiv": "≡", "ll": "≪", "gg": "≫", "subset": "⊂", "subseteq": "⊆", "cup": "∪",
    "cap": "∩", "forall": "∀", "exists": "∃", "neg": "¬", "land": "∧", "lor": "∨", "setminus": "∖",
    "emptyset": "∅", "ast": "∗", "star": "⋆", "bullet": "•", "hbar": "ℏ", "int": "∫", "mp": "∓",
    "div": "÷", "lvert": "|", "rvert": "|", "lVert": "‖", "rVert": "‖", "lbrace": "{", "rbrace": "}",
    "colon": ":", "textendash": "–", "textemdash": "—", "S": "§", "$": "$", "ne": "≠", "cdotp": "·",
    "textasciitilde": "~", "textasciicircum": "^", "upsilon": "υ", "varrho": "ϱ", "varsigma": "ς", "varpi": "ϖ", "Upsilon": "Υ", "epsilon": "ϵ",
}
# symbols set with a space either side, as TeX spaces a relation or binary operator
SPACED = {"times", "cdot", "approx", "le", "leq", "ge", "geq", "neq", "ne", "to", "rightarrow", "leftarrow",
          "gets", "Rightarrow", "Leftarrow", "implies", "iff", "in", "odot", "otimes", "pm", "mp", "equiv",
          "sim", "propto", "mapsto", "leftrightarrow", "div", "ll", "gg", "subset", "subseteq", "cup", "cap"}
FUNCTIONS = set(plaintex.FUNCTIONS) | {"sinh", "cosh", "tan", "arctan", "sup", "inf", "lim", "Pr", "gcd",
                                       "dim", "ker", "tr", "sgn", "argmax", "argmin", "mod", "bmod"}
FONTS = set(plaintex.FONTS) | {"texttt", "textsf", "textup", "textsc", "textmd", "mathcal", "mathscr",
                               "mathfrak", "underline", "mbox", "hbox", "fbox", "makebox", "ensuremath"}
IGNORED = {"noindent", "centering", "displaystyle", "textstyle", "scriptstyle", "small", "footnotesize",
           "normalsize", "large", "Large", "medskip", "smallskip", "bigskip", "hfill", "vfill", "relax",
           "nolinebreak", "linebreak", "limits", "nolimits", "hline", "protect", "strut", "leavevmode"}
DROPPED_WITH_ARGUMENT = {"label", "phantom", "hphantom", "vphantom", "vspace", "hspace", "needspace"}
SCRIPT_EXTRA = {"⊤": "ᵀ", "′": "′", "*": "*", "∗": "*"}
MATRICES = {"matrix": "", "bmatrix": "", "pmatrix": "", "Bmatrix": "", "smallmatrix": "", "vmatrix": "det",
            "Vmatrix": "‖"}
DISPLAYS = {"align", "align*", "aligned", "alignat", "alignat*", "gather", "gather*", "gathered", "equation",
            "equation*", "multline", "multline*", "split", "eqnarray", "eqnarray*", "displaymath"}
BLOCKS = {"center", "flushleft", "flushright", "quote", "quotation", "minipage"}
_HARD = "\x01"  # a space of the layout (indent, column padding, \quad): never collapsed or stripped
INDENT = _HARD * 2
_WIDE = _HARD * 3
# characters that a word or number may hold and stay one term: 3.5, hₜ₋₁, x′, ∂L
_ATOMIC = set(".′∂∇√") | set(plaintex.SUBSCRIPTS.values()) | set(plaintex.SUPERSCRIPTS.values()) - {","}
_WORD = re.compile(r"\\([A-Za-z]+)\*? *|\\(.)", re.S)


def unicode_text(label: str) -> str:
    """An answer label (math, as generators' `labels` write it) as one line of Unicode:
    `\\partial L/\\partial W_2` reads "∂L/∂W₂", `W_1'` reads "W₁′" in a spreadsheet."""
    return re.sub(r"\s+", " ", plain_text("$" + label + "$").replace("'", "′")).strip()


def plain_text(tex: str) -> str:
    """tex as plain Unicode text: no LaTeX command that this module knows is left."""
    text, _ = _convert(tex, 0, None)
    return _tidy(text)


def _tidy(text: str) -> str:
    """Spaces of the source collapsed and trimmed, layout spaces kept, at most one blank line."""
    text = unicodedata.normalize("NFC", text).replace("``", "“").replace("''", "”")
    lines = []
    for line in text.split("\n"):
        body = re.sub(r" *(\x01+) *", r"\1", re.sub(r"[ \t]{2,}", " ", line.strip(" \t")))
        body = re.sub(r"([(\[⌊⌈]) +", r"\1", body)
        body = re.sub(r" +([)\],;.:⌋⌉])", r"\1", body)
        body = re.sub(r"([\[(]|, )- (?=\S)", r"\1-", body)  # a sign, not a minus: [-1/2, 0], (-h)
        lines.append(body.replace(_HARD, " ").rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _convert(tex: str, i: int, closing: str | None) -> tuple[str, int]:
    """The text of tex[i:] up to `closing` ("}" ends a group; None: the end) and where it stopped."""
    out = []
    while i < len(tex):
        char = tex[i]
        if char == closing:
            return "".join(out), i + 1
        if char == "%":  # a comment, to the end of its line and the line break
            end = tex.find("\n", i)
            i = len(tex) if end < 0 else end + 1
        elif char == "$":
            if tex.startswith("$$", i):
                end = tex.find("$$", i + 2)
                end = len(tex) if end < 0 else end
                out.append(_display(_convert(tex[i + 2:end], 0, None)[0]))
                i = end + 2
            else:
                i += 1
        elif char in "_^":
            argument, i = _argument(tex, i + 1)
            out.append(_script(argument, char))
        elif char == "{":
            group, i = _convert(tex, i + 1, "}")
            out.append(group)
        elif char == "}":  # unmatched: dropped
            i += 1
        elif char == "~":
            out.append(" ")
            i += 1
        elif char == "&":
            out.append(" ")
            i += 1
        elif char == "\\":
            text, i = _command(tex, i)
            out.append(text)
        else:
            out.append(char)
            i += 1
    return "".join(out), i


def _command(tex: str, i: int) -> tuple[str, int]:
    """The control sequence at tex[i] (a backslash): its text and the index after what it takes."""
    match = _WORD.match(tex, i)
    if match is None:  # a backslash at the very end
        return "", i + 1
    name, i = match.group(1) or match.group(2), match.end()
    # the space ended the name only before a letter (θ - η keeps it, ∂L does not); ∂ binds to
    # what it differentiates, a command included (∂β, never ∂ β)
    if match.group(1) and name != "partial" and i < len(tex) and not tex[i].isalnum():
        i = match.end(1) + (match.group(0)[len(name) + 1:].startswith("*"))  # θ - η keeps it, ∂L does not
    if name == "[":  # display math up to \]
        end = tex.find(r"\]", i)
        end = len(tex) if end < 0 else end
        return _display(_convert(tex[i:end], 0, None)[0]), end + 2
    if name in ("(", ")", "]"):
        return "", i
    if name == "\\":  # a line break (its optional [4pt] dropped)
        return "\n", _skip_optional(tex, i)
    if name == "begin":
        return _environment(tex, i)
    if name in SPACED:
        return f" {SYMBOLS[name]} ", i
    if name in SYMBOLS:
        return SYMBOLS[name], i
    if name in ("quad", "qquad"):
        return _WIDE, i
    if name in plaintex.SPACES:
        return plaintex.SPACES[name], i
    if name in FUNCTIONS:  # tanh(x), ln x: a space where TeX's operator spacing would be
        rest = tex[i:].lstrip(" ")
        return name + ("" if rest[:1] in ("(", "^", "_", "") or rest.startswith(("{(", r"{\left(")) else " "), i
    if name in IGNORED:
        return "", i
    if name in ("par", "newline"):
        return "\n\n" if name == "par" else "\n", i
    if name in DROPPED_WITH_ARGUMENT:
        return "", _argument(tex, i)[1]
    if name in FONTS:
        return _argument(tex, _skip_optional(tex, i))
    if name == "mathbb":
        argument, i = _argument(tex, i)
        return "".join(plaintex.BLACKBOARD.get(c, c) for c in argument), i
    if name in plaintex.ACCENTS:
        argument, i = _argument(tex, i)
        return (argument[:1] + plaintex.ACCENTS[name] + argument[1:]) if argument else "", i
    if name == "sqrt":
        index = ""
        if tex.startswith("[", i):
            end = tex.find("]", i)
            index, i = _script(_convert(tex[i + 1:end], 0, None)[0], "^"), end + 1
        argument, i = _argument(tex, i)
        return index + "√" + _grouped(argument), i
    if name in ("frac", "tfrac", "dfrac", "cfrac"):
        numerator, i = _argument(tex, i)
        denominator, i = _argument(tex, i)
        after = " " if tex[i:i + 1] == "\\" or tex[i:i + 1].isalpha() else ""  # 1/6 ∑ᵢ zᵢ, not 1/6∑ᵢ zᵢ
        return _grouped(numerator) + "/" + _grouped(denominator) + after, i
    if name in ("binom", "tbinom", "dbinom"):
        n, i = _argument(tex, i)
        k, i = _argument(tex, i)
        return f"C({n.strip()}, {k.strip()})", i
    if name in plaintex.DELIMITER_SIZES:  # the delimiter that follows prints as itself; "\left." as nothing
        while i < len(tex) and tex[i] == " ":
            i += 1
        return "", i + 1 if tex.startswith(".", i) else i
    if name == "tag":
        argument, i = _argument(tex, i)
        return f"{_WIDE}({argument.strip()})", i
    if name == "item":
        return "\n• ", _skip_optional(tex, i)
    if name == "qbankfigure":
        body, end = _raw_argument(tex, i)
        return _figure(body), end
    return match.group(0).rstrip(" "), i  # unknown: left as written, for the reader and the tests


def _argument(tex: str, i: int) -> tuple[str, int]:
    """The text of one argument at tex[i]: a group, a command, or one character."""
    while i < len(tex) and tex[i] in " \n":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] == "{":
        return _convert(tex, i + 1, "}")
    if tex[i] == "\\":
        return _command(tex, i)
    return tex[i], i + 1


def _raw_argument(tex: str, i: int) -> tuple[str, int]:
    """The LaTeX of the brace group at tex[i] (spaces before it skipped) and the index after it."""
    while i < len(tex) and tex[i] in " \n":
        i += 1
    if not tex.startswith("{", i):
        return "", i
    depth, j = 0, i
    while j < len(tex):
        if tex[j] == "\\":
            j += 2
            continue
        depth += {"{": 1, "}": -1}.get(tex[j], 0)
        j += 1
        if depth == 0:
            break
    return tex[i + 1:j - 1], j


def _skip_optional(tex: str, i: int) -> int:
    """Past an optional [argument] at tex[i]."""
    if tex.startswith("[", i):
        end = tex.find("]", i)
        return len(tex) if end < 0 else end + 1
    return i


def _script(text: str, mark: str) -> str:
    """Sub- or superscript forms where Unicode has every character (W₂, σ², Kᵀ), else h_T, e^(Sᵢⱼ)."""
    text = text.strip()
    forms = {**(plaintex.SUBSCRIPTS if mark == "_" else plaintex.SUPERSCRIPTS), **SCRIPT_EXTRA}
    if mark == "_":
        forms.pop("⊤")
    if text and all(c in forms for c in text):
        return "".join(forms[c] for c in text)
    return mark + _grouped(text)


def _grouped(text: str) -> str:
    """A word, a number or a bracketed whole as it is; anything else in parentheses: (a + b)/c."""
    text = text.strip()
    if len(text) <= 1 or all(c.isalnum() or c in _ATOMIC for c in text):
        return text
    if text[0] in "([" and text[-1] in ")]" and _balanced_inside(text):
        return text
    if re.fullmatch(r"[\w∂√]+\([^()]*\)", text):  # a function applied: tanh(1/8)
        return text
    return f"({text})"


def _balanced_inside(text: str) -> bool:
    """The opening bracket of text closes only at its end: (a)(b) is not one bracketed whole."""
    depth = 0
    for k, char in enumerate(text):
        depth += 1 if char in "([" else -1 if char in ")]" else 0
        if depth == 0 and k < len(text) - 1:
            return False
    return True


def _display(text: str) -> str:
    """Display math: on lines of their own, indented."""
    lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
    return "\n" + "".join(f"{INDENT}{line}\n" for line in lines)


def _environment(tex: str, i: int) -> tuple[str, int]:
    """\\begin{name} at tex[i] (just past \\begin) to its \\end{name}: its text, and the index after it."""
    match = re.compile(r"\{([A-Za-z*]+)\}").match(tex, i)
    if match is None:
        return r"\begin", i
    name, start = match.group(1), match.end()
    body, end = _body(tex, start, name)
    if name in MATRICES:
        rows = [[_cell(cell) for cell in _split(row, "&")] for row in _rows(body)]
        inner = "[" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]"
        return {"det": f"det {inner}", "‖": f"‖{inner}‖"}.get(MATRICES[name], inner), end
    if name in DISPLAYS:
        lines = [_cell(" ".join(_split(row, "&"))) for row in _rows(body)]
        return _display("\n".join(lines)), end
    if name == "cases":
        return "{ " + "; ".join(_cell(" ".join(_split(row, "&"))) for row in _rows(body)) + " }", end
    if name in ("tabular", "tabular*", "array"):
        _, after_spec = _raw_argument(body, 0)
        return _table(body[after_spec:]), end
    if name in ("enumerate", "itemize"):
        items = _split(body, r"\item")[1:]
        marks = [f"{n}." for n in range(1, len(items) + 1)] if name == "enumerate" else ["•"] * len(items)
        return "\n" + "".join(f"{INDENT}{mark} {_cell(_skip_text_optional(item))}\n"
                              for mark, item in zip(marks, items)), end
    if name in BLOCKS:
        return "\n" + _convert(body, 0, None)[0].strip("\n") + "\n", end
    return match.group(0).join([r"\begin", _convert(body, 0, None)[0]]) + rf"\end{{{name}}}", end


def _skip_text_optional(item: str) -> str:
    return item[_skip_optional(item, 0):]


def _body(tex: str, start: int, name: str) -> tuple[str, int]:
    """The LaTeX between \\begin{name} (ending at start) and its own \\end{name}; the index after it."""
    opening, ending = rf"\begin{{{name}}}", rf"\end{{{name}}}"
    depth, j = 1, start
    while True:
        next_open, next_end = tex.find(opening, j), tex.find(ending, j)
        if next_end < 0:
            return tex[start:], len(tex)
        if 0 <= next_open < next_end:
            depth, j = depth + 1, next_open + len(opening)
            continue
        depth, j = depth - 1, next_end + len(ending)
        if depth == 0:
            return tex[start:next_end], j


def _split(body: str, separator: str) -> list[str]:
    """body cut at each separator (&, \\\\ or \\item) outside braces and inner environments."""
    parts, depth, start, k = [], 0, 0, 0
    while k < len(body):
        if depth == 0 and body.startswith(separator, k) and not (
                separator == r"\item" and body[k + len(separator):k + len(separator) + 1].isalpha()):
            parts.append(body[start:k])
            k = start = k + len(separator)
            continue
        environment = re.compile(r"\\(begin|end)\{[A-Za-z*]*\}").match(body, k)
        if environment:
            depth += 1 if environment.group(1) == "begin" else -1
            k = environment.end()
        elif body[k] == "\\":  # a control symbol (\\, \&, \{) or a word's first letter: no separator
            k += 2
        else:
            depth += {"{": 1, "}": -1}.get(body[k], 0)
            k += 1
    parts.append(body[start:])
    return parts


def _rows(body: str) -> list[str]:
    """The rows of an environment's body: cut at \\\\ (with an optional [4pt]), \\hline dropped, an empty
    last row left out."""
    rows = []
    for row in _split(body, "\\\\"):
        row = re.sub(r"^\[[^\]]*\]", "", row.lstrip())
        row = re.sub(r"\\hline\b", "", row)
        rows.append(row)
    while rows and not rows[-1].strip():
        rows.pop()
    return rows


def _cell(tex: str) -> str:
    """One line's text (a table's cell, an equation of an align): its line breaks as spaces."""
    return re.sub(r"[ \t\n]+", " ", _convert(tex, 0, None)[0]).strip(" ")


def _table(body: str) -> str:
    """A tabular as columns padded to their widest cell, one row a line."""
    rows = [[_cell(cell) for cell in _split(row, "&")] for row in _rows(body)]
    rows = [row for row in rows if any(row)]
    if not rows:
        return ""
    widths = [max(len(row[c]) if c < len(row) else 0 for row in rows) for c in range(max(map(len, rows)))]
    lines = [(_HARD * 3).join(cell.ljust(widths[c], _HARD) for c, cell in enumerate(row)).rstrip(_HARD)
             for row in rows]
    return "\n" + "".join(f"{INDENT}{line}\n" for line in lines)


def _figure(body: str) -> str:
    """A qbank figure (nodes and arrows, qbank.core.figures) as one line per arrow: [a] —(w)→ [b]."""
    nodes, lines = {}, []
    k = 0
    while k < len(body):
        match = re.compile(r"\\(qbanknode|qbankarrow|qbankup)").search(body, k)
        if match is None:
            break
        arguments, k = [], match.end()
        for _ in range(5 if match.group(1) == "qbanknode" else 3):
            argument, k = _raw_argument(body, k)
            arguments.append(argument)
        if match.group(1) == "qbanknode":
            nodes[arguments[0]] = _cell(arguments[4].replace("\\\\", " "))
            continue
        start, end, label = nodes.get(arguments[0], arguments[0]), nodes.get(arguments[1], arguments[1]), \
            _cell(arguments[2])
        arrow = f"—({label})→" if label else "→"
        lines.append(f"[{start}] {arrow} [{end}]" + ("  (drawn above)" if match.group(1) == "qbankup" else ""))
    if not lines:
        lines = [f"[{label}]" for label in nodes.values()]
    return "\n\nfigure:\n" + "".join(f"{INDENT}{line}\n" for line in lines) + "\n"
