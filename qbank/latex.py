"""Exam and solution documents as LaTeX, built with pylatex.

Text from a spec or roster is plain and escaped by pylatex; only generator-made
LaTeX is wrapped in NoEscape, in `generated()`.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

from pylatex import Document, NoEscape, Package
from pylatex.utils import escape_latex

from qbank.errors import QbankError
from qbank.exact import decimal_latex, is_matrix
from qbank.model import Answer
from qbank.plan import Question, Version
from qbank.spec import ExamSpec

PACKAGES = (("geometry", "a4paper,margin=2.2cm,footskip=1cm"), ("amsmath", None), ("amssymb", None),
            ("lastpage", None), ("fancyhdr", None), ("needspace", None))


def generated(tex: str) -> NoEscape:
    """The single place where LaTeX goes in unescaped: it was made by a generator."""
    return NoEscape(tex)


def user(text: str) -> NoEscape:
    """Spec or roster text, escaped so that it always prints literally."""
    # pylatex writes ^ as an accent (\^{}); \textasciicircum is the caret itself
    return NoEscape(escape_latex(text).replace(r"\^{}", r"\textasciicircum{}"))


# The font encodings the documents load (pylatex's T1 with textcomp, and LaTeX's defaults): a
# character prints when one of them declares it for inputenc's utf8.
ENCODING_FILES = ("t1enc.dfu", "ts1enc.dfu", "ot1enc.dfu", "omsenc.dfu")


def check_printable(spec: ExamSpec) -> None:
    """Every character of the spec's text and the roster prints, or one line says which does not."""
    texts = [("[exam] " + key, getattr(spec, key)) for key in ("title", "course", "date", "instructions")]
    for student in spec.students or ():
        texts += [(f"roster: student {student.id!r}, id", student.id), (f"roster: student {student.id!r}, name",
                                                                        student.name)]
    printable = printable_characters()
    for where, text in texts:
        bad = next((c for c in text if ord(c) not in printable), None)
        if bad is not None:
            raise QbankError(f"{spec.source}: {where} holds {bad!r} (U+{ord(bad):04X}), which the exam fonts "
                             f"cannot print; write it in Latin letters (accents are fine) or leave it out")


@functools.cache
def printable_characters() -> frozenset[int]:
    """Printable ASCII and whitespace, and every character the font encodings declare."""
    found = set(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}
    kpsewhich = shutil.which("kpsewhich")
    paths = subprocess.run([kpsewhich, *ENCODING_FILES], capture_output=True, text=True).stdout.split() \
        if kpsewhich else []
    for path in paths:
        declared = re.findall(r"\\DeclareUnicodeCharacter\{([0-9A-Fa-f]+)\}", Path(path).read_text(encoding="latin-1"))
        found.update(int(code, 16) for code in declared)
    return frozenset(found)


def exam_document(spec: ExamSpec, version: Version, solutions: bool) -> str:
    doc = Document(documentclass="article", document_options=["11pt"], page_numbers=False,
                   geometry_options=None, lmodern=True, textcomp=True)
    for name, options in PACKAGES:
        doc.packages.append(Package(name, options=options))
    doc.preamble.append(NoEscape(r"\pdftrailerid{}"))  # no run-specific /ID: builds are byte-identical
    doc.preamble.append(NoEscape(r"\setcounter{MaxMatrixCols}{32}"))  # amsmath stops at 10 columns
    _footer(doc, spec, version, solutions)
    _title_block(doc, spec, version, solutions)
    for question in version.questions:
        _question(doc, question, solutions)
    return doc.dumps() + "\n"


def _footer(doc, spec, version, solutions):
    doc.preamble.append(NoEscape(r"\fancyhf{}\renewcommand{\headrulewidth}{0pt}"))
    doc.append(NoEscape(r"\pagestyle{fancy}"))  # after pylatex's own \pagestyle{empty}
    label = "Solutions, version " if solutions else "Version "
    doc.preamble.append(NoEscape(r"\lfoot{\small " + label + r"\texttt{" + version.code + "}}"))
    doc.preamble.append(NoEscape(r"\cfoot{\small " + user(spec.course) + "}"))
    doc.preamble.append(NoEscape(r"\rfoot{\small Page \thepage\ of \pageref{LastPage}}"))


def _title_block(doc, spec, version, solutions):
    title = user(spec.title) + (" --- Solutions" if solutions else "")
    doc.append(NoEscape(r"\begin{center}"))
    if spec.course:
        doc.append(NoEscape(r"{\large " + user(spec.course) + r"}\\[4pt]"))
    doc.append(NoEscape(r"{\LARGE\bfseries " + title + r"}\\[6pt]"))
    details = [user(spec.date)] if spec.date else []
    details.append(NoEscape(r"Version \fbox{\texttt{" + version.code + "}}"))
    details.append(NoEscape(f"{version.points} points"))
    doc.append(NoEscape(r" \quad\textbullet\quad ".join(details) + r"\end{center}"))
    if solutions:
        doc.append(NoEscape(r"\begin{center}\fbox{\parbox{0.9\textwidth}{\centering Answer key with worked "
                            r"solutions. Not for distribution to students.}}\end{center}"))
    else:
        _student_fields(doc, version)
    if spec.instructions.strip() and not solutions:
        doc.append(NoEscape(r"\paragraph{Instructions.}"))
        doc.append(NoEscape(r"\par ".join(user(p.strip()) for p in spec.instructions.split("\n\n") if p.strip())))
    doc.append(NoEscape(r"\bigskip"))


def _student_fields(doc, version):
    student = version.student
    name = user(student.name) if student and student.name else NoEscape(r"\rule{7.5cm}{0.4pt}")
    sid = NoEscape(r"\texttt{" + user(student.id) + "}") if student else NoEscape(r"\rule{4cm}{0.4pt}")
    doc.append(NoEscape(r"\medskip\noindent\begin{tabular}{@{}l@{\ }l@{\qquad}l@{\ }l@{}}"
                        r"Name: & " + name + r" & Student ID: & " + sid + r"\end{tabular}\par"))


def _question(doc, question: Question, solutions: bool):
    rendered = question.rendered
    doc.append(NoEscape(f"% question {question.number}: {question.variant.generator}"))
    doc.append(NoEscape(r"\Needspace{14\baselineskip}"))
    doc.append(NoEscape(rf"\section*{{Question {question.number} \hfill \normalsize ({_points(question.points)})}}"))
    doc.append(generated(rendered.statement))
    doc.append(NoEscape(r"\begin{enumerate}\renewcommand{\labelenumi}{(\alph{enumi})}"))
    for part, points in zip(rendered.parts, question.part_points):
        answers = [question.variant.answers[name] for name in part.answers]
        if not solutions:  # keep a part's prompt and its answer space on one page
            doc.append(NoEscape(rf"\Needspace{{{_space(answers) + 1.5:.1f}cm}}"))
        doc.append(NoEscape(r"\item "))
        doc.append(generated(part.prompt))
        doc.append(NoEscape(rf" \hfill [{_points(points)}]"))
        if solutions:
            for answer in answers:
                doc.append(NoEscape(r"\par\smallskip\textbf{Answer:} "))
                doc.append(generated(_answer_tex(answer, part.decimals)))
        else:
            doc.append(NoEscape(rf"\par\vspace{{{_space(answers):.1f}cm}}"))
    doc.append(NoEscape(r"\end{enumerate}"))
    if solutions:
        doc.append(NoEscape(r"\paragraph{Worked solution.}"))
        doc.append(generated(rendered.solution))
    doc.append(NoEscape(r"\bigskip"))


def _points(points: int) -> str:
    return f"{points} point{'' if points == 1 else 's'}"


def _answer_tex(answer: Answer, decimals: int | None) -> str:
    """A part that asks for decimals is keyed by its decimals; one that asks for the exact value
    by the exact value, with its decimals beside it when they are not the same number."""
    if decimals is not None:
        return rf"$\approx {decimal_latex(answer.exact)}$ \quad ({decimals} decimal places)"
    exact = answer.latex
    shown = "$" + exact + "$"
    if is_matrix(answer.exact):
        shown = r"\[" + exact + r"\]"
    if answer.tolerance:
        shown += r" \quad $\approx " + decimal_latex(answer.exact) + "$"
    return shown


def _space(answers: list[Answer]) -> float:
    """Room to write in, in cm: more for vectors and for every matrix row."""
    space = 2.5
    for answer in answers:
        value = answer.exact
        if is_matrix(value):
            space = max(space, 2.0 + 1.0 * len(value))
        elif isinstance(value, tuple):
            space = max(space, 3.0)
    return space


def merged_document(documents: list[tuple[str, int]]) -> str:
    """All versions in one PDF for duplex printing: each starts on an odd page."""
    lines = [r"\documentclass{article}", r"\usepackage{pdfpages}", r"\pdftrailerid{}", r"\begin{document}"]
    for name, pages in documents:
        blank = ",{}" if pages % 2 else ""
        lines.append(rf"\includepdf[pages={{-{blank}}}]{{{name}.pdf}}")
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
