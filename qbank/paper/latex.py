"""Exam and solution documents as LaTeX, built with pylatex.

Text from a spec or roster is plain and escaped (qbank.core.fonts, which also sets it in a font
that has its script); only generator-made LaTeX is wrapped in NoEscape, in `generated()`. A
document whose text pdfLaTeX cannot set is made for LuaLaTeX: its first line says so
(LUALATEX_LINE), and the build runs the engine the line names.
"""

from __future__ import annotations

import math
import re

from pylatex import Document, NoEscape, Package
from pylatex.utils import escape_latex

from qbank.core import figures, fonts, registry
from qbank.core.errors import QbankError
from qbank.core.exact import decimal, decimal_latex, grouped, is_matrix, latex
from qbank.core.model import LETTERS, Answer, Part, entry_label, scalar_if_single
from qbank.core.tex import counted
from qbank.exam.plan import Question, Version
from qbank.exam.spec import ExamSpec
from qbank.paper.compile import LUALATEX_LINE

PACKAGES = (("geometry", "margin=2.2cm,footskip=1cm"), ("amsmath", None), ("amssymb", None),
            ("needspace", None), ("graphicx", None))


def generated(tex: str) -> NoEscape:
    """The single place where LaTeX goes in unescaped: it was made by a generator. Its integers of
    five or more digits are grouped, as a grader reads them (a generator's own f-strings too)."""
    return NoEscape(grouped(tex))


def user(text: str) -> NoEscape:
    """Spec or roster text, escaped so that it always prints literally, in any script."""
    return NoEscape(fonts.escaped(text))


def check_printable(spec: ExamSpec) -> None:
    """Every character of the spec's text and the roster prints, or one line says which does not.
    (A roster's characters are checked when it is read, with their line.)"""
    texts = [("[exam] " + key, getattr(spec, key))
             for key in ("title", "course", "date", "instructions", "duration", "honour_line")]
    for student in spec.students or ():
        texts += [(f"roster: student {student.id!r}, id", student.id), (f"roster: student {student.id!r}, name",
                                                                        student.name)]
    for where, text in texts:
        bad = fonts.unprintable(text)
        if bad is not None:
            raise QbankError(f"{spec.source}: {where} holds {bad!r} (U+{ord(bad):04X}), which no installed font "
                             f"can print; leave it out, or install the fonts ({fonts.INSTALL_HINT})")


def user_texts(spec: ExamSpec, version: Version) -> list[str]:
    """Every piece of the spec's and roster's text that one document prints."""
    student = [version.student.id, version.student.name] if version.student else []
    return [spec.title, spec.course, spec.date, spec.instructions, spec.duration, spec.honour_line, *student]


PAPER_OPTIONS = {"a4": "a4paper", "letter": "letterpaper"}
# What \qbankversion and \qbankendversion (LAYOUT) write to the log.
VERSION_BEGINS = re.compile(r"^qbank: version (\S+) begins$", re.M)
VERSION_PAGES = re.compile(r"^qbank: version (\S+) has (\d+) pages$", re.M)

# Layout macros every exam and solutions document carries.
LAYOUT = r"""
\ifdefined\pdftrailerid\pdftrailerid{}\else\pdfvariable trailerid {}\fi
\setcounter{MaxMatrixCols}{32}
\setlength{\emergencystretch}{3em}
\newbox\qbankbox
\newbox\qbankheadbox
\newif\ifqbankmeasuring
\newif\ifqbankkept
\newcommand{\qbankkeep}[1]{\ifqbankmeasuring\global\qbankkepttrue\else\Needspace{#1}\fi}
% a points label: at the end of the prompt's last line, or right-aligned on a line of its own
% when it does not fit there; never broken (the TeXbook's \signed)
\newcommand{\qbankpoints}[1]{{\unskip\nobreak\hfil\penalty50\hskip2em\hbox{}\nobreak\hfil\mbox{[#1]}%
  \parfillskip=0pt \finalhyphendemerits=0 \par}}
% rows of a matrix or vector of fractions never touch
\renewcommand{\arraystretch}{1.35}
% choice options: a box and the letter hanging in the margin of the list, the statement beside them
\newcommand{\qbankchoicebox}{\fbox{\rule{0pt}{0.75em}\hspace{0.75em}}}
\newcommand{\qbankchecked}{\rlap{\qbankchoicebox}\makebox[\dimexpr0.75em+2\fboxsep+2\fboxrule\relax]{\raisebox{0.12em}{$\times$}}}
\newcommand{\qbankfilled}{\rule[-\dimexpr\fboxsep+\fboxrule\relax]{\dimexpr0.75em+2\fboxsep+2\fboxrule\relax}{\dimexpr0.75em+2\fboxsep+2\fboxrule\relax}}
\newenvironment{qbankoptions}{\begin{list}{}{\leftmargin=3.6em\labelwidth=3.2em\labelsep=0.4em\itemsep=3pt
  \topsep=4pt}}{\end{list}}
\newcommand{\qbanksection}[1]{\par\addvspace{\bigskipamount}\noindent{\Large\bfseries #1}\par\nobreak\medskip}
\newcommand{\qbankheading}[2]{\par\addvspace{\bigskipamount}\noindent{\large\bfseries Question #1}\hfill(#2)%
  \par\nobreak\smallskip}
\newdimen\qbankroom
\newcommand{\qbankquestion}[4]{\par
  \global\qbankkeptfalse
  \setbox\qbankbox=\vbox{\qbankmeasuringtrue #3}%
  \ifdim\dimexpr\ht\qbankbox+\dp\qbankbox-#4\relax<\textheight
    \typeout{qbank: question #1 fits a page}%
    \penalty-100\qbankroom=\dimexpr\pagegoal-\pagetotal\relax
    \ifdim\dimexpr\ht\qbankbox+\dp\qbankbox-#4\relax>\qbankroom\break\qbankroom=\textheight\fi
    \ifdim\qbankroom>\textheight\qbankroom=\textheight\fi  % an empty page's goal is \maxdimen
    \ifdim\dimexpr\ht\qbankbox+\dp\qbankbox\relax>\qbankroom
      % the rest of the page holds it with its answer spaces squeezed (by at most #4), as one box
      \typeout{qbank: question #1 squeezed}%
      \setbox\qbankbox=\vbox to\dimexpr\qbankroom-\dp\qbankbox-2pt\relax{\unvbox\qbankbox}%
      \box\qbankbox
    \else\unvbox\qbankbox\fi
  \else
    \typeout{qbank: question #1 is longer than a page}%
    \setbox\qbankheadbox=\vbox{\qbankmeasuringtrue #2}%
    \Needspace*{\dimexpr\ht\qbankheadbox+\dp\qbankheadbox\relax}%
    \ifqbankkept #3\else\unvbox\qbankbox\fi
  \fi\par}
\newcommand{\qbankonepage}[2]{\clearpage\setbox\qbankbox=\vbox{#2}%
  \ifdim\dimexpr\ht\qbankbox+\dp\qbankbox\relax>\textheight
    \errmessage{qbank: question #1 is longer than a page, and fixed_layout puts each on one page}\fi
  \unvbox\qbankbox\clearpage}
\newcommand{\qbankanswerbox}[3]{\par\noindent\fbox{\parbox[t][#3][t]{\dimexpr\textwidth-2\fboxsep-2\fboxrule}{%
  \small Question #1\if\relax\detokenize{#2}\relax\else\ (#2)\fi: answer}}\par\vspace{0.5cm}}
% the grading table: its natural size, or scaled down to the text width
\newsavebox\qbankgrading
\newcommand{\qbankfitwidth}[1]{\sbox\qbankgrading{#1}%
  \ifdim\wd\qbankgrading>\linewidth\resizebox{\linewidth}{!}{\usebox\qbankgrading}\else\usebox\qbankgrading\fi}
\newcommand{\qbankduplex}{\clearpage\ifodd\value{page}\else\null\vfill
  \begin{center}\itshape This page is intentionally left blank.\end{center}\vfill\clearpage\fi}
\makeatletter
\newcount\qbank@stashed
\newif\ifqbank@releasing
\newbox\qbank@foot
\AddToHook{shipout/before}{\ifqbank@releasing\else
  \global\advance\qbank@stashed\@ne
  \@ifundefined{qbank@page@\the\qbank@stashed}{\expandafter\newbox\csname qbank@page@\the\qbank@stashed\endcsname}{}%
  \global\setbox\csname qbank@page@\the\qbank@stashed\endcsname=\copy\ShipoutBox
  \DiscardShipoutBox\fi}
\newcommand{\qbankversion}[3]{\clearpage\setcounter{page}{1}\gdef\qbank@code{#1}%
  \typeout{qbank: version #1 begins}\global\let\qbank@count\relax
  \gdef\qbank@left{\small #2}\gdef\qbank@middle{\small #3}}
\newcommand{\qbankendversion}{\clearpage
  \typeout{qbank: version \qbank@code\space has \the\qbank@stashed\space pages}%
  \global\qbank@releasingtrue
  \@tempcnta\z@
  \loop\ifnum\@tempcnta<\qbank@stashed\advance\@tempcnta\@ne
    \setbox\qbank@foot=\hbox to\textwidth{\normalfont\rlap{\qbank@left}\hfil
      \parbox[t]{0.55\textwidth}{\centering\qbank@middle}\hfil
      \llap{\small Page \the\@tempcnta\ of \the\qbank@stashed}}%
    \ifnum\@tempcnta=\@ne\ifx\qbank@count\relax\else  % the cover says how many pages there are
      \setbox\qbank@foot=\vbox{\hbox to\textwidth{\hfil\small\qbank@count{\the\qbank@stashed}\hfil}%
        \vskip2pt\box\qbank@foot}\fi\fi
    \shipout\vbox{\vbox to\z@{\kern\dimexpr\topmargin+\headheight+\headsep+\textheight+\footskip\relax
        \moveright\oddsidemargin\hbox{\smash{\box\qbank@foot}}\vss}%
      \nointerlineskip\box\csname qbank@page@\the\@tempcnta\endcsname}%
  \repeat
  \global\qbank@stashed\z@\global\qbank@releasingfalse}
% the cover's page count, printed above page 1's footer once the version's last page is known
\newcommand{\qbankpagecount}[1]{\gdef\qbank@count##1{#1}}
\makeatother
"""
# Why the macros: a question that fits on a page is typeset into a box first and placed where the
# whole box fits (\qbankquestion), so it is never split; a longer one keeps its heading, statement
# and first part together, and each later part with its answer space (\qbankkeep). A long question
# without keeps (a key: no answer spaces) is placed from its measured box, not typeset again. A document with
# an odd number of pages gets a last page that says it is blank, so duplex copies start each
# student's exam on a fresh sheet (\\qbankduplex). Several versions share one document (one TeX
# run): each begins with \\qbankversion (page 1, its footer) and ends with \\qbankendversion, which
# writes its page count to the .aux file, for "Page x of y" on the next pass, and to the log
# (VERSION_PAGES), for cutting the PDF apart.


def exam_document(spec: ExamSpec, version: Version, solutions: bool, cover: bool = True) -> str:
    """One version's exam or key as a document of its own."""
    return batch_document(spec, [version], solutions, cover)


def batch_document(spec: ExamSpec, versions: list[Version], solutions: bool, cover: bool = True) -> str:
    """The exams (or keys) of several versions in one document, so one TeX run typesets them all:
    each version starts on a fresh page numbered 1 and says "Page x of y" with its own y, and the
    log names each version's page count (VERSION_PAGES), by which the build cuts the PDF apart."""
    doc, first_line = new_document(spec, [text for version in versions for text in user_texts(spec, version)])
    if any(figures.uses_figures(q.rendered.statement) for version in versions for q in version.questions):
        doc.preamble.append(NoEscape(figures.FIGURE_PREAMBLE))
    for version in versions:
        doc.append(NoEscape(_version(spec, version, solutions, cover)))
    return first_line + doc.dumps() + "\n"


def new_document(spec: ExamSpec, texts: list[str]) -> tuple[Document, str]:
    """An empty document on the spec's paper with LAYOUT, for the engine `texts` (the spec's and
    roster's text it prints) need, and the source's first line: LUALATEX_LINE when pdfLaTeX cannot
    set them, else nothing."""
    unicode = fonts.needs_lualatex(texts)
    # LuaLaTeX: fontspec instead of T1/utf8 inputenc and lmodern's Type 1 fonts; the same Latin Modern
    text_fonts = (dict(fontenc=None, inputenc=None, lmodern=False, textcomp=False) if unicode
                  else dict(lmodern=True, textcomp=True))
    doc = Document(documentclass="article", document_options=["11pt"], page_numbers=False, geometry_options=None,
                   **text_fonts)
    if unicode:
        doc.preamble.append(NoEscape(fonts.lualatex_preamble(texts)))
    for name, options in PACKAGES:
        if name == "geometry":
            options = f"{PAPER_OPTIONS[spec.paper]},{options}"
        doc.packages.append(Package(name, options=options))
    doc.preamble.append(NoEscape(LAYOUT))
    return doc, LUALATEX_LINE if unicode else ""


def _version(spec: ExamSpec, version: Version, solutions: bool, cover: bool) -> str:
    """One version from its first page to its last, with its footer (\\qbankversion)."""
    label = "Solutions, version " if solutions else "Version "
    student = version.student
    if student:
        middle = user(f"{student.name} ({student.id})" if student.name else student.id)
    else:  # without a roster, a loose page still says whose it is
        middle = user(spec.course) if solutions else r"Name: \rule{4.5cm}{0.4pt}"
    body = [f"\n% version {version.code}\n",
            rf"\qbankversion{{{version.code}}}{{{label}\texttt{{{version.code}}}}}{{{middle}}}" + "\n"]
    if cover:
        body.append(_cover(spec, version, solutions))
    section = ""
    for question in version.questions:
        if question.section and question.section != section:
            body.append(r"\qbanksection{" + user(question.section) + "}\n")
        section = question.section or section
        body.append(_fixed_question(question) if spec.fixed_layout and not solutions else _question(question, solutions))
    if cover:  # a preview (no cover) is no print run: no end mark, no duplex padding
        end = "End of the answer key" if solutions else "End of exam"
        body.append(rf"\par\bigskip\begin{{center}}\textbf{{{end}}}\end{{center}}" + "\n")
        body.append(r"\qbankduplex" + "\n")
    body.append(r"\qbankendversion" + "\n")
    return "".join(body)


def _cover(spec: ExamSpec, version: Version, solutions: bool) -> str:
    """Page 1: title, course, date, version, time allowed and points; the student's fields or the
    key's warning; the instructions; the grading table. The questions start on page 2."""
    title = user(spec.title) + (" --- Solutions" if solutions else "")
    cover = [r"\begin{center}"]
    if spec.course:
        cover.append(r"{\large " + user(spec.course) + r"}\\[4pt]")
    cover.append(r"{\LARGE\bfseries " + title + r"}\\[6pt]")
    details = [user(spec.date)] if spec.date else []
    details.append(r"Version \fbox{\texttt{" + version.code + "}}")
    if spec.duration:
        details.append("Time allowed: " + user(spec.duration))
    details.append(f"{version.points} points")
    cover.append(r" \quad\textbullet\quad ".join(details) + r"\end{center}")
    if solutions:
        cover.append(r"\begin{center}\fbox{\parbox{0.9\textwidth}{\centering Answer key with worked "
                     r"solutions. Not for distribution to students.}}\end{center}")
    else:
        cover.append(_student_fields(version))
    if not solutions:
        cover.append(r"\paragraph{Instructions.}")
        cover.append(_instructions(spec))
        if any(q.variant.answers[name].kind == "choice" for q in version.questions for part in q.rendered.parts
               for name in part.answers):
            cover.append(r"\par\medskip\noindent " + CHOICE_RULE)
        if spec.honour_line:
            cover.append(_honour_line(spec.honour_line))
    document = "key" if solutions else "exam"
    cover.append(rf"\qbankpagecount{{This {document} has #1 pages, this cover included.}}")
    cover.append(r"\vfill" + _grading_table(version, solutions) + r"\vfill\newpage")
    return "%\n".join(cover) + "\n"


# The pen-and-paper rule for choice boxes, printed once on the cover of an exam that has choices.
CHOICE_RULE = (r"\textbf{Choice questions.} Check an option by crossing its box (\qbankchecked). To take a "
               r"cross back, fill the box completely (\qbankfilled); to check a filled box again, draw a cross "
               r"beside it. Any number of a question's options may be correct, none included, unless the "
               r"question asks for exactly one; each question says how it is scored.")


def _instructions(spec: ExamSpec) -> str:
    """The spec's instructions, or qbank's own when it has none: how to answer, what precision to
    give and the calculator policy, which a student needs on every exam."""
    paragraphs = [p.strip() for p in spec.instructions.split("\n\n") if p.strip()]
    if paragraphs:
        return r"\par ".join(user(p) for p in paragraphs)
    calculators = ("Calculators are allowed; notes and other devices are not." if spec.calculator
                   else "No calculators, notes or devices.")
    return ("Answer every part in the space below it and show your working: the worked steps earn most of "
            "the points. Give exact values (fractions, not rounded decimals) unless a part asks for "
            "decimals; then give exactly the decimal places it asks for, keeping at least as many in your "
            "intermediate results. " + calculators)


# The grading table on the cover: columns of up to GRADING_ROWS rows side by side, in a smaller size
# and up to SMALL_GRADING_ROWS rows a column once more than GRADING_COLUMNS columns would be needed
# (100 questions, the most a spec may have, fit in four), scaled to the text width if still wider.
GRADING_ROWS, GRADING_COLUMNS, SMALL_GRADING_ROWS = 15, 3, 26


def _grading_table(version, solutions) -> str:
    """Question, points and (on the exam) an empty score box per question, and the total."""
    score = "" if solutions else " & "
    rows = [f"{q.number} & {q.points}{score}" for q in version.questions]
    rows.append(rf"\textbf{{Total}} & \textbf{{{version.points}}}{score}")
    small = math.ceil(len(rows) / GRADING_ROWS) > GRADING_COLUMNS
    per_column = math.ceil(len(rows) / math.ceil(len(rows) / (SMALL_GRADING_ROWS if small else GRADING_ROWS)))
    header = r"\textbf{Question} & \textbf{Points}" + ("" if solutions else r" & \textbf{Score}")
    columns = "|c|c|" if solutions else ("|c|c|p{1.6cm}|" if small else "|c|c|p{2.2cm}|")
    tables = [rf"\begin{{tabular}}[t]{{{columns}}}\hline {header} \\ \hline "
              + "".join(row + r" \\ \hline " for row in rows[i:i + per_column]) + r"\end{tabular}"
              for i in range(0, len(rows), per_column)]
    size = r"\footnotesize\renewcommand{\arraystretch}{1.3}" if small else r"\renewcommand{\arraystretch}{1.6}"
    return (r"\begin{center}" + size + r"\qbankfitwidth{" + r"\quad ".join(tables) + r"}\end{center}")


def _honour_line(pledge: str) -> str:
    """The spec's pledge with a line to sign it on."""
    return (r"\par\bigskip\noindent " + user(pledge) + r"\par\medskip\noindent Signature: \rule{7.5cm}{0.4pt}\par")


def _student_fields(version: Version) -> str:
    student = version.student
    name = user(student.name) if student and student.name else r"\rule{7.5cm}{0.4pt}"
    sid = user(student.id) if student else r"\rule{4cm}{0.4pt}"
    return (r"\medskip\noindent\begin{tabular}{@{}l@{\ }l@{\qquad}l@{\ }l@{}}"
            r"Name: & " + name + r" & Student ID: & " + sid + r"\end{tabular}\par")


def _question(question: Question, solutions: bool) -> str:
    """The question as \\qbankquestion{number}{head}{whole} (see LAYOUT), head being its heading, statement
    and first part."""
    rendered = question.rendered
    heading = rf"\qbankheading{{{question.number}}}{{{points_label(question.points)}}}" + generated(rendered.statement)
    parts = [_part(question, part, points, solutions)
             for part, points in zip(rendered.parts, question.part_points)]
    begin, end = _part_list(len(parts))
    head = heading + begin + parts[0] + end
    whole = heading + begin + "".join(parts) + end
    if solutions and not _only_choices(question):
        whole += r"\paragraph{Worked solution.}" + generated(rendered.solution)
    squeeze = 0.0 if solutions else sum(_space(question, part)[1] for part in rendered.parts)
    return (f"% question {question.number}: {question.variant.generator}\n"
            + rf"\qbankquestion{{{question.number}}}{{{head}}}{{{whole}}}{{{squeeze:.1f}cm}}" + "\n")


# fixed_layout: the height an answer page fills before the next box goes on a new page (cm; A4's and
# Letter's text are about 25 cm high), the gap between boxes and a box's least height
ANSWER_PAGE_CM = 22.0
BOX_GAP_CM = 0.5
MIN_BOX_CM = 3.0


def _fixed_question(question: Question) -> str:
    """fixed_layout: the question (statement and every prompt) alone on one page, then its answer
    pages: one framed box per part, sized and placed from the slot's form only, so every version
    has each box on the same page at the same place (one template for a scanning grader)."""
    rendered = question.rendered
    prompts = "".join(_prompt(part, points) for part, points in zip(rendered.parts, question.part_points))
    begin, end = _part_list(len(rendered.parts))
    page = (rf"\qbankheading{{{question.number}}}{{{points_label(question.points)}}}" + generated(rendered.statement)
            + begin + prompts + end)
    boxes, used = [], 0.0
    letters = "abcdefghijklmnopqrstuvwxyz" if len(rendered.parts) > 1 else [""]
    for letter, part in zip(letters, rendered.parts):
        height = max(MIN_BOX_CM, _space(question, part)[0])
        if used and used + height > ANSWER_PAGE_CM:
            boxes.append(r"\clearpage")
            used = 0.0
        boxes.append(rf"\qbankanswerbox{{{question.number}}}{{{letter}}}{{{height:.1f}cm}}")
        used += height + BOX_GAP_CM
    return (f"% question {question.number}: {question.variant.generator}\n"
            + rf"\qbankonepage{{{question.number}}}{{{page}}}" + "".join(boxes) + "\n")


def _part_list(count: int) -> tuple[str, str]:
    """Parts lettered (a), (b), ...; a question of one part has no letter (its items are unlabelled
    and not indented)."""
    if count == 1:
        return r"\begin{list}{}{\leftmargin=0pt\labelwidth=0pt\labelsep=0pt}", r"\end{list}"
    return r"\begin{enumerate}\renewcommand{\labelenumi}{(\alph{enumi})}", r"\end{enumerate}"


def _prompt(part, points: int) -> str:
    return r"\item " + generated(part.prompt) + rf"\qbankpoints{{{points_label(points)}}}"


def _part(question: Question, part, points: int, solutions: bool) -> str:
    answers = [(name, question.variant.answers[name]) for name in part.answers]
    prompt = _prompt(part, points)
    kinds = {answer.kind for _, answer in answers}
    if "choice" in kinds:
        return prompt + "".join(_options(answer.exact, solutions) for _, answer in answers)
    if "written" in kinds and solutions:
        return prompt + r"\par\smallskip\emph{Graded by the rubric of the worked solution.}"
    if solutions:
        labels = registry.get(question.variant.generator).labels
        return prompt + "".join(r"\par\smallskip " + _answer_line(name, answer, part.decimals, labels.get(name))
                                for name, answer in answers)
    space, squeeze = _space(question, part)
    # the prompt and its answer space, squeezed as far as it may be, stay on one page
    return (rf"\qbankkeep{{{space - squeeze + 1.5:.1f}cm}}" + prompt
            + rf"\par\vspace{{{space:.1f}cm minus {squeeze:.1f}cm}}")


def _options(choice, solutions: bool) -> str:
    """A choice's options, each after its box and letter; in the key, the correct boxes crossed and
    each option's reason beneath it."""
    items = []
    for letter, option in zip(LETTERS, choice.options):
        box = r"\qbankchecked" if solutions and option.correct else r"\qbankchoicebox"
        reason = (r"\par{\small\itshape " + ("True" if option.correct else "False") + ": " + generated(option.reason)
                  + "}") if solutions else ""
        items.append(rf"\item[{box}\enspace\textbf{{{letter}}}] " + generated(option.text) + reason)
    return r"\begin{qbankoptions}" + "".join(items) + r"\end{qbankoptions}"


def _space(question: Question, part) -> tuple[float, float]:
    """A part's answer space and how much of it may be squeezed: the spec's answer_space is kept
    exactly as asked; the sized one may give up squeezable() of itself."""
    if question.space is not None:
        return question.space, 0.0
    space = answer_space(part, [question.variant.answers[name] for name in part.answers])
    return space, squeezable(space)


def _only_choices(question: Question) -> bool:
    """Whether every part is a choice: its key shows every option's reason, no worked solution."""
    return all(question.variant.answers[name].kind == "choice" for part in question.rendered.parts
               for name in part.answers)


def points_label(points: int) -> str:
    return counted(points, "point")


def _answer_line(name: str, answer: Answer, decimals: int | None, label: str | None = None) -> str:
    """One key line: the answer in the statement's notation (entry by entry, i_1 = ..., i_2 = ...,
    where the label says so) and its name as answer-key.csv has it."""
    tag = r"\texttt{" + escape_latex(name) + "}"
    if label is None:
        return tag + ": " + _answer_tex(answer, decimals)
    value = scalar_if_single(answer.exact)
    if _by_entry(label, value):
        return " ".join(answer_pieces(answer, decimals, label)) + r" \quad (" + tag + ")"
    return f"${entry_label(label, 1)}$ (" + tag + "): " + _answer_tex(answer, decimals)


def _by_entry(label: str | None, value) -> bool:
    """Whether the key names each entry (i_1 = ..., i_2 = ...): a vector labelled i_#."""
    return label is not None and "#" in label and isinstance(value, tuple)


def answer_heading(name: str, answer: Answer, label: str | None) -> str:
    """What a grader's table heads an answer's column with: its label in the statement's notation,
    its words out of math mode so that a long one breaks (\\text{parameters of the LSTM}); nothing
    for a vector keyed entry by entry (its entries carry the label); its name where it has no label."""
    if label is None:
        return r"\texttt{" + escape_latex(name) + "}"
    if _by_entry(label, scalar_if_single(answer.exact)):
        return ""
    return generated(_words_out_of_math(entry_label(label, 1)))


_TEXT = re.compile(r"\\text\{([^{}]*)\}")


def _words_out_of_math(label: str) -> str:
    """A math label as text: `$...$` around its math, its top-level \\text{...} words out of it, so a
    line may break between them (`$i$ of the forget gate $g_i$`)."""
    pieces, math, depth, i = [], "", 0, 0
    while i < len(label):
        match = _TEXT.match(label, i)
        if depth == 0 and match:
            pieces += [f"${math}$" if math.strip() else " ", match.group(1)]
            math, i = "", match.end()
            continue
        depth += {"{": 1, "}": -1}.get(label[i], 0)
        math, i = math + label[i], i + 1
    pieces.append(f"${math}$" if math.strip() else "")
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


def answer_pieces(answer: Answer, decimals: int | None, label: str | None) -> list[str]:
    """An answer as a grader's table shows it under its heading (answer_heading), in pieces that a
    line may break between, joined by spaces: the key line's value (exact, then its decimals when
    they differ; the places a part asks for), or each entry with its label (`$i_1 = 3$,` `$i_2 = 5$`)."""
    if answer.kind == "choice":
        return [r"\textbf{" + (", ".join(answer.exact.letters) or "none") + "}"]
    if answer.kind == "written":
        return [r"\emph{by the rubric}"]
    value = scalar_if_single(answer.exact)
    if _by_entry(label, value):
        entries = [f"${entry_label(label, i)} {_entry(x, answer, decimals)}$" for i, x in enumerate(value, 1)]
        return [entry + "," for entry in entries[:-1]] + entries[-1:]
    exact, _, shown = _entry(value, answer, decimals).removeprefix("= ").partition(r" \approx ")
    return [f"${exact}$"] + ([rf"$\approx {shown}$"] if shown else [])


def _places(value, places: int) -> str:
    """The decimals of a part that asks for `places` of them, every place written (1.5500, 3.0000):
    the key shows exactly the rounding the statement asks for."""
    def fixed(x) -> str:
        text = decimal(x, places)
        whole, _, fraction = text.partition(".")
        return f"{whole}.{fraction.ljust(places, '0')}" if places else whole
    return latex(value, scalar=fixed)


def _entry(value, answer: Answer, decimals: int | None) -> str:
    """One entry of a labelled answer, relation included, as the part asks for it."""
    if decimals is not None:
        return rf"\approx {_places(value, decimals)}"
    exact, shown = latex(value), decimal_latex(value)
    return f"= {exact}" + (rf" \approx {shown}" if answer.tolerance and shown != exact else "")



def _answer_tex(answer: Answer, decimals: int | None) -> str:
    """A part that asks for decimals is keyed by its decimals; one that asks for the exact value
    by the exact value, with its decimals beside it when they are not the same number. A vector of
    one entry is shown as the scalar it is."""
    value = scalar_if_single(answer.exact)
    if decimals is not None:
        return rf"$\approx {_places(value, decimals)}$ \quad ({decimals} decimal places)"
    exact = latex(value)
    shown = r"\[" + exact + r"\]" if is_matrix(value) else "$" + exact + "$"
    if answer.tolerance:
        shown += r" \quad $\approx " + decimal_latex(value) + "$"
    return shown



# Answer space (cm): an answer line, then PER_WORK_LINE per line of working the part asks for
# (its declared work, else its weight: a count of weight 1 needs a line, a three-step derivative
# declares more), and room for the answer's shape (a vector's line, a matrix's rows), between FLOOR
# and CEILING.
# To keep a question whole on a page that it would otherwise leave mostly empty, every part's space
# may shrink by up to SQUEEZE of itself, never below FLOOR (\qbankquestion).
ANSWER_LINE_CM, PER_WORK_LINE_CM, SPACE_FLOOR_CM, SPACE_CEILING_CM, SQUEEZE = 0.8, 0.7, 1.8, 12.0, 0.4


def answer_space(part: Part, answers: list[Answer]) -> float:
    """Room to write in, in cm, from the work the part asks for (its declared lines of working, else
    its weight) and the shape of what it asks for."""
    kinds = {answer.kind for answer in answers}
    if "choice" in kinds:
        return 0.0  # the boxes are the answer
    if "written" in kinds:
        return max(answer.exact.space for answer in answers if answer.kind == "written")
    lines = part.work if part.work is not None else part.weight
    space = ANSWER_LINE_CM + PER_WORK_LINE_CM * lines
    for answer in answers:
        value = scalar_if_single(answer.exact)
        if is_matrix(value):
            space += 0.7 * len(value)
        elif isinstance(value, tuple):
            space += 0.6
    return round(min(max(space, SPACE_FLOOR_CM), SPACE_CEILING_CM), 1)


def squeezable(space: float) -> float:
    """How much of a part's answer space may go to keep its question on one page."""
    # in whole millimetres, rounded down: never more than SQUEEZE, never below the floor
    return math.floor(10 * min(SQUEEZE * space, max(space - SPACE_FLOOR_CM, 0.0)) + 1e-9) / 10
