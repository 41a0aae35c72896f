"""Keys for graders, built from the same key values as the solutions (qbank.paper.latex):

- the key by question (key-by-question.pdf): for each question slot, every version's answers in a
  table sorted by version code, with the student where there is a roster; a TA grading question 3
  reads its pages only. Each slot starts a page and numbers its own pages ("Page x of y").
- the summary of a version (summary-CODE.pdf): its code, student and every final answer on one
  page, in the largest of a few sizes and column counts that fits (SUMMARY_SIZES).

A slot's table has a column per answer when TeX measures that every column fits the text width,
else it stacks each version's answers under its code, side by side as they fit (matrices, long vectors); which
one TeX chose is in the log ("qbank: question N ... by column" or "... stacked").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pylatex import NoEscape, Package

from qbank.core import registry
from qbank.exam.plan import Version
from qbank.exam.spec import ExamSpec
from qbank.paper.latex import answer_heading, answer_pieces, new_document, points_label, user, user_texts

LETTERS = "abcdefghijklmnopqrstuvwxyz"
SECTION_ROWS = 250  # versions in one section of the key by question (see KeyByQuestion._slot)
# (size, columns) from the roomiest down: a summary takes the first in which its version fits a page
SUMMARY_SIZES = ((r"\small", 1), (r"\footnotesize", 2), (r"\scriptsize", 2), (r"\scriptsize", 3), (r"\tiny", 3),
                 (r"\tiny", 4))
# a column heading wraps to this width before it widens its column past its answers; a student's
# name and a vector's entries wrap to theirs
HEADING_WIDTH, STUDENT_WIDTH, ENTRIES_WIDTH = "2.8cm", "4cm", "4.5cm"

KEYS_LAYOUT = r"""
\newif\ifqbankwide
\newdimen\qbankpiecewidth
\qbankpiecewidth=\dimexpr\textwidth-2em\relax
\newdimen\qbankwidth
\newdimen\qbankheight
% \qbankmeasure{\qbankcolX}{cap}{content}: column X grows to the content's natural width, up to cap
\newcommand{\qbankmeasure}[3]{\setbox\qbankbox=\hbox{#3}\qbankwidth=\wd\qbankbox
  \ifdim\qbankwidth>\dimexpr#2\relax\qbankwidth=\dimexpr#2\relax\fi
  \ifdim\qbankwidth>#1\global#1=\qbankwidth\fi}
% \qbankfits{sum of the columns' widths}{number of columns}: whether the table fits the text width
\newcommand{\qbankfits}[2]{\qbankwidth=\dimexpr#1+#2\tabcolsep*2+#2\arrayrulewidth+\arrayrulewidth\relax
  \ifdim\qbankwidth>\linewidth\global\qbankwidefalse\else\global\qbankwidetrue\fi}
% the stacked form: a version's code and student, then its answers side by side as they fit; never split
\newcommand{\qbankblock}[2]{\par\noindent\parbox{\linewidth}{\strut#1\par\vspace{1pt}%
  \leftskip=1.5em\parindent=0pt\raggedright\hskip-0.8em\relax #2\strut}\par\vspace{3pt}\hrule\vspace{3pt}}
% a piece of an answer (a matrix, an entry) is never broken, and scaled down only if it is wider than
% what its line leaves it (\qbankpiecewidth)
\newcommand{\qbankpiece}[1]{\sbox\qbankgrading{#1}%
  \ifdim\wd\qbankgrading>\qbankpiecewidth\resizebox{\qbankpiecewidth}{!}{\usebox\qbankgrading}\else
  \usebox\qbankgrading\fi}
% a summary: the heading, then the answers in the first size and column count that fits the page
\newcommand{\qbanksummarytry}[2]{\ifdim\qbankheight>\qbankroom
  \setbox\qbankbox=\vbox{\qbanksummarysize{#1}{#2}}\qbankheight=\dimexpr\ht\qbankbox+\dp\qbankbox\relax
  \ifdim\qbankheight>\qbankroom\else\typeout{qbank: summary in \string#1, #2 column(s)}\fi
  \fi}
\newcommand{\qbanksummarysize}[2]{#1\renewcommand{\arraystretch}{1.15}%
  \ifnum#2=1 \qbanksummarybody\else\raggedcolumns\begin{multicols}{#2}\qbanksummarybody\end{multicols}\fi}
% \qbankanswer{(a) label: }{pieces}: an answer after the one before it, its label kept with its first piece
\newbox\qbankprefixbox
\newcommand{\qbankanswer}[2]{\hskip0.8em plus 0.4em\relax
  \setbox\qbankprefixbox=\hbox{#1}\qbankpiecewidth=\wd\qbankprefixbox
  \ifdim\qbankpiecewidth>8em\qbankpiecewidth=8em\fi
  \qbankpiecewidth=\dimexpr\linewidth-2em-\qbankpiecewidth\relax
  \if\relax\detokenize{#1}\relax\else#1\nobreak\ \fi#2}
\newcommand{\qbanksummaryquestion}[3]{\par\noindent\raggedright\hangindent=1.2em\hangafter=1
  \textbf{#1}\,(#2\,pts)#3\par}
"""


def _column(index: int) -> str:
    """The dimen of a table's column `index` (0 the version's, 1 the student's): \\qbankcola, ..."""
    name = ""
    while True:
        name = LETTERS[index % 26] + name
        index = index // 26 - 1
        if index < 0:
            return r"\qbankcol" + name


@dataclass
class _Group:
    """The versions of one slot that have one generator and one form: its headings and rows."""

    generator: str
    points: int
    letters: list[str]  # one per answer: its part's "(a) ", or "" for a question of one part
    labels: list[str]  # one per answer: answer_heading
    rows: list[tuple[str, str, str, list[list[str]]]] = field(default_factory=list)  # code, student id and
    # its TeX, each answer's pieces

    def heading(self, i: int) -> str:
        return (self.letters[i] + self.labels[i]).strip()

    def prefix(self, i: int) -> str:
        """What an answer starts with: "(a)~label: " (the letter kept with its label), "(a) " (its entries
        are labelled), "label: "."""
        letter, label = self.letters[i].strip(), self.labels[i]
        return (letter + "~" + label + ": " if letter else label + ": ") if label else letter + " "


class KeyByQuestion:
    """Collects every version's answers slot by slot as the versions stream by (their TeX only, not
    the versions), then makes the key by question as one document."""

    def __init__(self, spec: ExamSpec):
        self.spec = spec
        self.slots: dict[int, dict[tuple, _Group]] = {}
        self.texts: list[str] = []  # the spec's and roster's text the document prints
        self.roster = spec.students is not None

    def add(self, version: Version) -> None:
        self.texts += user_texts(self.spec, version)
        student = version.student
        student_tex = ""
        if student:
            self.roster = True
            student_tex = user(student.id) + (r"\newline " + user(student.name) if student.name else "")
        for q in version.questions:
            labels = registry.get(q.variant.generator).labels
            names = tuple(tuple(part.answers) for part in q.rendered.parts)
            groups = self.slots.setdefault(q.number, {})
            group = groups.get((q.variant.generator, names))
            if group is None:
                group = groups[(q.variant.generator, names)] = _Group(q.variant.generator, q.points,
                                                                      *_headings(q, labels))
            cells = [[_piece(piece) for piece in answer_pieces(q.variant.answers[name], part.decimals, labels.get(name))]
                     for part in q.rendered.parts for name in part.answers]
            group.rows.append((version.code, student.id if student else "", student_tex, cells))

    def document(self) -> str:
        doc, first_line = new_document(self.spec, self.texts)
        for name in ("array", "longtable"):
            doc.packages.append(Package(name))
        doc.preamble.append(NoEscape(KEYS_LAYOUT + r"\setlength{\LTleft}{0pt}\setlength{\LTright}{\fill}"
                                     r"\setlength{\LTpre}{4pt}\setlength{\LTpost}{8pt}" + "\n"))
        columns = max((len(g.labels) for groups in self.slots.values() for g in groups.values()), default=0) + 2
        doc.preamble.append(NoEscape("".join(rf"\newdimen{_column(i)}" for i in range(columns)) + "\n"))
        for number in sorted(self.slots):
            doc.append(NoEscape(self._slot(number, list(self.slots[number].values()))))
        return first_line + doc.dumps() + "\n"

    def _slot(self, number: int, groups: list[_Group]) -> str:
        """The question's key; past SECTION_ROWS versions, in sections of that many, each numbering
        its own pages: TeX holds a section's pages until its last (for "Page x of y"), and a
        10,000-version question in one section ran out of TeX's memory."""
        if sum(len(g.rows) for g in groups) <= SECTION_ROWS:
            return self._section(number, groups, "")
        sections = []
        for group in groups:
            rows = sorted(group.rows, key=lambda row: (row[0], row[1]))
            for start in range(0, len(rows), SECTION_ROWS):
                part = _Group(group.generator, group.points, group.letters, group.labels, rows[start:start + SECTION_ROWS])
                sections.append(self._section(number, [part], f", versions {part.rows[0][0]} to {part.rows[-1][0]}"))
        return "".join(sections)

    def _section(self, number: int, groups: list[_Group], which: str) -> str:
        middle = user(self.spec.course or self.spec.title)
        versions = sum(len(g.rows) for g in groups)
        body = [f"\n% question {number}: key by question{which}\n",
                rf"\qbankversion{{Q{number}}}{{Key by question: Question {number}{which}}}{{{middle}}}" + "\n",
                rf"\noindent{{\Large\bfseries Question {number}}}\hfill ({points_label(groups[0].points)})\par\smallskip"
                "\n", r"\noindent " + user(self.spec.title) + r" --- answer key by question, " +
                f"{versions} version{'s' if versions != 1 else ''}, sorted by version code. "
                r"Not for distribution to students.\par\medskip" + "\n"]
        for group in groups:
            title = user(registry.get(group.generator).title)
            if len(groups) > 1:
                title += f" ({len(group.rows)} version{'s' if len(group.rows) != 1 else ''})"
            body.append(r"\par\noindent{\large\itshape " + title + r"}\par\nobreak" + "\n")
            body.append(self._table(number, group))
        body.append(r"\qbankendversion" + "\n")
        return "".join(body)

    def _table(self, number: int, group: _Group) -> str:
        """The group's table by column if it fits the width, else stacked: both written, TeX chooses."""
        rows = sorted(group.rows, key=lambda row: (row[0], row[1]))
        # the version's column, the student's (with a roster), one per answer
        columns = [_column(0)] + ([_column(1)] if self.roster else []) + [_column(i + 2)
                                                                         for i in range(len(group.labels))]
        answers = range(len(group.labels))
        heads = [r"\textbf{Version}"] + ([r"\textbf{Student}"] if self.roster else []) + [group.heading(i)
                                                                                         for i in answers]

        def cells(row):
            return [r"\texttt{" + row[0] + "}"] + ([row[2]] if self.roster else []) + [" ".join(p) for p in row[3]]

        out = ["".join(rf"\global{c}=0pt" for c in columns) + "%\n"]
        for row in rows:  # every cell at its natural width, a name or a list of entries up to its width
            out.append(rf"\qbankmeasure{{{columns[0]}}}{{\linewidth}}{{{cells(row)[0]}}}")
            if self.roster:
                out.append(rf"\qbankmeasure{{{columns[1]}}}{{{STUDENT_WIDTH}}}{{{_one_line(row[2])}}}")
            for column, pieces in zip(columns[-len(group.labels):], row[3]):
                if len(pieces) > 1:
                    out.append(rf"\qbankmeasure{{{column}}}{{{ENTRIES_WIDTH}}}{{{' '.join(pieces)}}}")
                out += [rf"\qbankmeasure{{{column}}}{{\linewidth}}{{{piece}}}" for piece in pieces]  # each on a line
            out.append("%\n")
        out.append("".join(rf"\qbankmeasure{{{c}}}{{{HEADING_WIDTH}}}{{{head}}}" for c, head in zip(columns, heads))
                   + "%\n")
        out.append(rf"\qbankfits{{{'+'.join(columns)}}}{{{len(columns)}}}%" + "\n")
        spec = "|" + "".join(rf">{{\raggedright\arraybackslash}}p{{{c}}}|" for c in columns)
        out.append(r"\ifqbankwide\typeout{qbank: question " + str(number) + " of the key by question by column}%\n")
        out.append(rf"\begin{{longtable}}{{{spec}}}\hline" + "\n" + " & ".join(heads)
                   + r"\tabularnewline\hline\endhead" + "\n")
        out += [" & ".join(cells(row)) + r"\tabularnewline\hline" + "\n" for row in rows]
        out.append(r"\end{longtable}" + "\n")
        out.append(r"\else\typeout{qbank: question " + str(number) + " of the key by question stacked}%\n"
                   r"\par\medskip\hrule\vspace{3pt}" + "\n")
        for row in rows:
            code = r"\textbf{Version \texttt{" + row[0] + "}}" + (r"\quad " + _one_line(row[2]) if self.roster else "")
            lines = "".join(r"\qbankanswer{" + group.prefix(i).rstrip() + "}{" + " ".join(row[3][i]) + "}" for i in answers)
            out.append(rf"\qbankblock{{{code}}}{{{lines}}}" + "\n")
        out.append(r"\fi" + "\n")
        return "".join(out)


def _headings(q, labels) -> tuple[list[str], list[str]]:
    """Each answer's part letter ("(a) ", none for a question of one part) and answer_heading."""
    parts = q.rendered.parts
    letters = [f"({letter}) " if len(parts) > 1 else "" for letter, part in zip(LETTERS, parts) for _ in part.answers]
    return letters, [answer_heading(name, q.variant.answers[name], labels.get(name))
                     for part in parts for name in part.answers]


def _piece(piece: str) -> str:
    """A piece of an answer in a box that is scaled down only if wider than its line (\\qbankpiece),
    unless it marks where it may break (a vector's \\allowbreak): that one breaks there instead."""
    return piece if r"\allowbreak" in piece else r"\qbankpiece{" + piece + "}"


def _one_line(cell: str) -> str:
    """A cell as it is measured: its lines (a student's id and name) side by side are no wider than it."""
    return cell.replace(r"\newline ", " ")


def summary_document(spec: ExamSpec, versions: list[Version]) -> str:
    """The one-page summaries of several versions in one document (one TeX run), cut apart like a batch
    of exams (latex.VERSION_PAGES)."""
    doc, first_line = new_document(spec, [text for version in versions for text in user_texts(spec, version)])
    doc.packages.append(Package("multicol"))
    doc.preamble.append(NoEscape(KEYS_LAYOUT))
    for version in versions:
        doc.append(NoEscape(_summary(spec, version)))
    return first_line + doc.dumps() + "\n"


def _summary(spec: ExamSpec, version: Version) -> str:
    student = version.student
    who = user(f"{student.name} ({student.id})" if student.name else student.id) if student else ""
    middle = who or user(spec.course)
    heading = (r"\noindent{\large\bfseries " + user(spec.title) + r"}\hfill Version \fbox{\texttt{" + version.code
               + r"}}\par\smallskip\noindent " + (r"Student: \textbf{" + who + r"}\quad " if who else "")
               + f"{version.points} points. Every final answer of this version; the worked solutions are in "
               rf"solutions-{version.code}.pdf. Not for distribution to students.\par\smallskip\hrule\medskip")
    questions = []
    for q in version.questions:
        labels = registry.get(q.variant.generator).labels
        group = _Group(q.variant.generator, q.points, *_headings(q, labels))
        pieces = [answer_pieces(q.variant.answers[name], part.decimals, labels.get(name))
                  for part in q.rendered.parts for name in part.answers]
        answers = "".join(r"\qbankanswer{" + group.prefix(i).rstrip() + "}{" + " ".join(map(_piece, answer)) + "}"
                          for i, answer in enumerate(pieces))
        questions.append(rf"\qbanksummaryquestion{{{q.number}}}{{{q.points}}}{{{answers}}}" + "\n")
    body = "".join(questions)
    size, count = SUMMARY_SIZES[-1]
    last = rf"\qbanksummarysize{{{size}}}{{{count}}}"  # unboxed, so that it runs on to the next page
    tries = "".join(rf"\qbanksummarytry{{{size}}}{{{count}}}" for size, count in SUMMARY_SIZES)
    return (f"\n% version {version.code}\n"
            + rf"\qbankversion{{{version.code}}}{{Summary, version \texttt{{{version.code}}}}}{{{middle}}}" + "\n"
            + r"\setbox\qbankheadbox=\vbox{" + heading + "}%\n"
            + r"\qbankroom=\dimexpr\textheight-\ht\qbankheadbox-\dp\qbankheadbox-2pt\relax"
            + r"\qbankheight=\maxdimen" + "%\n" + r"\long\def\qbanksummarybody{" + body + "}%\n" + tries
            + r"\unvbox\qbankheadbox\ifdim\qbankheight>\qbankroom\typeout{qbank: the summary of version "
            + version.code + r" is longer than a page}" + last + r"\else\box\qbankbox\fi" + "\n" + r"\qbankendversion" + "\n")
