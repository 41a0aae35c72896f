"""Small figures drawn from a variant's own values, where instructors draw one: a computational
graph, an unrolled recurrence, a stack of layers.

Each figure's shape depends only on the question's form (steps, layers, a skip connection), so
every version of a slot shows the same picture with its own numbers. Figures are at most the text
width: nodes are spaced in centimetres and long chains wrap onto further rows.

The figures are LaTeX picture mode (with pict2e for arrow heads and rounded corners), not TikZ:
TikZ spent about 27 ms of TeX time on each figure, more than the rest of a version's pages. The
macros of FIGURE_PREAMBLE measure each node's label, so arrows run from border to border, and size
the figure to what it draws. A document loads them only when one of its questions has a figure
(`uses_figures`).
"""

from __future__ import annotations

FIGURE_PREAMBLE = r"""\usepackage{pict2e}
\makeatletter
\newbox\qbank@label \newbox\qbank@figure
\newdimen\qbank@w \newdimen\qbank@h \newdimen\qbank@xa \newdimen\qbank@ya \newdimen\qbank@xb \newdimen\qbank@yb
\newdimen\qbank@fig@left \newdimen\qbank@fig@right \newdimen\qbank@fig@top \newdimen\qbank@fig@bottom
\def\qbank@pt#1{\strip@pt\dimexpr#1\relax}
\def\qbank@grow#1#2#3#4{% the figure's extent takes in the rectangle x from #1 to #2, y from #3 to #4
  \ifdim\dimexpr#1<\qbank@fig@left \global\qbank@fig@left=\dimexpr#1\relax\fi
  \ifdim\dimexpr#2>\qbank@fig@right \global\qbank@fig@right=\dimexpr#2\relax\fi
  \ifdim\dimexpr#3<\qbank@fig@bottom \global\qbank@fig@bottom=\dimexpr#3\relax\fi
  \ifdim\dimexpr#4>\qbank@fig@top \global\qbank@fig@top=\dimexpr#4\relax\fi}
% \qbankfigure{nodes and arrows}: the picture, as wide and high as what it draws
\newcommand{\qbankfigure}[1]{%
  \global\qbank@fig@left=\maxdimen \global\qbank@fig@right=-\maxdimen
  \global\qbank@fig@bottom=\maxdimen \global\qbank@fig@top=-\maxdimen
  \setbox\qbank@figure=\hbox{\unitlength=1pt\linethickness{0.4pt}\small\begin{picture}(0,0)#1\end{picture}}%
  \begin{center}\leavevmode\vrule width\z@ height\qbank@fig@top depth-\qbank@fig@bottom
    \kern-\qbank@fig@left\box\qbank@figure\kern\qbank@fig@right\end{center}}
% \qbanknode{name}{x cm}{y cm}{1: framed, 0: bare}{label}, centred at (x, y)
\newcommand{\qbanknode}[5]{%
  \setbox\qbank@label=\hbox{\begin{tabular}{@{}c@{}}#5\end{tabular}}%
  \qbank@w=\dimexpr\wd\qbank@label+6pt\relax
  \qbank@h=\dimexpr\ht\qbank@label+\dp\qbank@label+6pt\relax
  \ifdim\qbank@h<6mm \qbank@h=6mm\fi
  \expandafter\xdef\csname qbank@node@#1\endcsname{{#2cm}{#3cm}{\the\qbank@w}{\the\qbank@h}}%
  \qbank@grow{#2cm-\qbank@w/2}{#2cm+\qbank@w/2}{#3cm-\qbank@h/2}{#3cm+\qbank@h/2}%
  \ifnum#4=1 \put(\qbank@pt{#2cm},\qbank@pt{#3cm}){\oval[2](\qbank@pt\qbank@w,\qbank@pt\qbank@h)}\fi
  \put(\qbank@pt{#2cm},\qbank@pt{#3cm}){\makebox(0,0){\box\qbank@label}}}
\def\qbank@at#1#2{% \qbank@x#2, \qbank@y#2 := the centre of node #1; \qbank@w#2, \qbank@h#2 := half its size
  \expandafter\expandafter\expandafter\qbank@set\csname qbank@node@#1\endcsname#2}
\def\qbank@set#1#2#3#4#5{\global\csname qbank@x#5\endcsname=#1\global\csname qbank@y#5\endcsname=#2%
  \expandafter\xdef\csname qbank@w#5\endcsname{\the\dimexpr#3/2}\expandafter\xdef\csname qbank@h#5\endcsname{\the\dimexpr#4/2}}
% \qbank@text{x}{y}{b: above, l: right of}{text}: an arrow's label, inside the figure's extent
\def\qbank@text#1#2#3#4{\setbox\qbank@label=\hbox{#4}%
  \if#3b\qbank@grow{#1-\wd\qbank@label/2}{#1+\wd\qbank@label/2}{#2}{#2+\ht\qbank@label}%
  \else\qbank@grow{#1}{#1+\wd\qbank@label}{#2-\ht\qbank@label}{#2+\ht\qbank@label}\fi
  \put(\qbank@pt{#1},\qbank@pt{#2}){\makebox(0,0)[#3]{\box\qbank@label}}}
% \qbankarrow{from}{to}{label}: from border to border, leftwards or rightwards when the nodes are side
% by side (label above), else from the bottom or top border to the top or bottom one (label right)
\newcommand{\qbankarrow}[3]{\qbank@at{#1}{a}\qbank@at{#2}{b}%
  \ifdim\qbank@ya=\qbank@yb
    \ifdim\qbank@xa<\qbank@xb
      \put(\qbank@pt{\qbank@xa+\qbank@wa},\qbank@pt\qbank@ya){\vector(1,0){\qbank@pt{\qbank@xb-\qbank@wb-\qbank@xa-\qbank@wa}}}%
      \qbank@text{(\qbank@xa+\qbank@wa+\qbank@xb-\qbank@wb)/2}{\qbank@ya+2pt}{b}{#3}%
    \else
      \put(\qbank@pt{\qbank@xa-\qbank@wa},\qbank@pt\qbank@ya){\vector(-1,0){\qbank@pt{\qbank@xa-\qbank@wa-\qbank@xb-\qbank@wb}}}%
      \qbank@text{(\qbank@xa-\qbank@wa+\qbank@xb+\qbank@wb)/2}{\qbank@ya+2pt}{b}{#3}%
    \fi
  \else\ifdim\qbank@ya>\qbank@yb
    \put(\qbank@pt\qbank@xa,\qbank@pt{\qbank@ya-\qbank@ha}){\vector(0,-1){\qbank@pt{\qbank@ya-\qbank@ha-\qbank@yb-\qbank@hb}}}%
  \else
    \put(\qbank@pt\qbank@xa,\qbank@pt{\qbank@ya+\qbank@ha}){\vector(0,1){\qbank@pt{\qbank@yb-\qbank@hb-\qbank@ya-\qbank@ha}}}%
  \fi
    \qbank@text{\qbank@xa+3pt}{(\qbank@ya+\qbank@yb)/2}{l}{#3}%
  \fi}
% \qbankup{from}{to}{label}: an arrow from the top of one node up 5 mm, across, and down onto another
\newcommand{\qbankup}[3]{\qbank@at{#1}{a}\qbank@at{#2}{b}%
  \put(\qbank@pt\qbank@xa,\qbank@pt{\qbank@ya+\qbank@ha}){\line(0,1){\qbank@pt{5mm}}}%
  \put(\qbank@pt\qbank@xa,\qbank@pt{\qbank@ya+\qbank@ha+5mm}){\line(1,0){\qbank@pt{\qbank@xb-\qbank@xa}}}%
  \put(\qbank@pt\qbank@xb,\qbank@pt{\qbank@ya+\qbank@ha+5mm}){\vector(0,-1){\qbank@pt{5mm+\qbank@ha-\qbank@hb}}}%
  \qbank@text{(\qbank@xa+\qbank@xb)/2}{\qbank@ya+\qbank@ha+5mm+2pt}{b}{#3}}
\makeatother
"""
# Nodes per row of a wrapped chain, and the spacing that keeps a full row inside A4's text width.
PER_ROW = 5
STEP_CM = 3.2
ROW_CM = 1.6


def uses_figures(tex: str) -> bool:
    return r"\qbankfigure{" in tex


def _figure(body: list[str]) -> str:
    return r"\qbankfigure{" + "%\n".join(body) + "}"


def _node(name: str, x: float, y: float, label: str, framed: bool = True) -> str:
    return rf"\qbanknode{{{name}}}{{{x:.2f}}}{{{y:.2f}}}{{{int(framed)}}}{{{label}}}"


def chain(nodes: list[str], edges: list[str] | None = None, skip: tuple[int, int, str] | None = None,
          step: float = STEP_CM) -> str:
    """Boxes left to right, wrapping after PER_ROW (rows snake back and forth, so every arrow is
    short); arrows between neighbours, labelled by edges; an optional skip arrow (from, to, label)
    drawn above the first row."""
    body = []
    for i, label in enumerate(nodes):
        row, col = divmod(i, PER_ROW)
        x = col * step if row % 2 == 0 else (PER_ROW - 1 - col) * step
        body.append(_node(f"n{i}", x, -row * ROW_CM, label))
    for i in range(1, len(nodes)):
        body.append(rf"\qbankarrow{{n{i - 1}}}{{n{i}}}{{{edges[i - 1] if edges else ''}}}")
    if skip:
        start, end, text = skip
        body.append(rf"\qbankup{{n{start}}}{{n{end}}}{{{text}}}")
    return _figure(body)


def unrolled(states: list[str], inputs: list[str], recurrent: str, input_weight: str) -> str:
    """h_0 -> h_1 -> ... -> h_T, each h_t with its input x_t below: the recurrence unrolled in time."""
    body = []
    for t, label in enumerate(states):
        body.append(_node(f"h{t}", t * 2.4, 0, label))
        if t:
            body.append(rf"\qbankarrow{{h{t - 1}}}{{h{t}}}{{{recurrent}}}")
            body.append(_node(f"x{t}", t * 2.4, -1.5, inputs[t - 1], framed=False))
            body.append(rf"\qbankarrow{{x{t}}}{{h{t}}}{{{input_weight}}}")
    return _figure(body)
