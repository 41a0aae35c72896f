"""Writers that only read finished versions: answer key and index CSVs, manifest JSON.

Each writes one version at a time (open, add, close), so a build of thousands of versions
never holds them all. CSV cells are spreadsheet-safe: a cell that a spreadsheet would run as
a formula (it starts with =, +, -, @, a tab or a carriage return and is not a number) is written
with a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from fractions import Fraction

from qbank import __version__
from qbank.core import registry
from qbank.core.exact import scalars
from qbank.core.model import LETTERS, entry_labels
from qbank.core.plaindoc import plain_text, unicode_text
from qbank.exam.plan import Version
from qbank.exam.spec import ExamSpec

# label: the answer's name in the statement's notation as plain Unicode text (∂L/∂W₂); label_tex: its LaTeX
# a choice's exact is the letters of its correct options in the version's order ("A,C"; empty when none
# is), options maps each letter to its option's stable id ("A=ensemble B=test-off"); a written answer's
# rubric is in rubric, as plain text
KEY_COLUMNS = ("version", "student_id", "question", "part", "answer", "label", "label_tex", "exact", "decimal",
               "asked", "tolerance", "points", "canvas_points", "options", "rubric")
INDEX_COLUMNS = ("number", "version", "student_id", "student_name", "points", "exam_pdf", "solutions_pdf",
                 "summary_pdf")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(/\d+)?")


def safe_cell(value):
    """The cell as a spreadsheet will show it, never run it."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Csv:
    def __init__(self, handle, columns):
        self._writer = csv.writer(handle, lineterminator="\n")
        self._writer.writerow(columns)

    def rows(self, rows) -> None:
        self._writer.writerows([safe_cell(cell) for cell in row] for row in rows)


class AnswerKey(_Csv):
    """answer-key.csv: one row per answer; a part's points stand on its first answer's row."""

    def __init__(self, handle):
        super().__init__(handle, KEY_COLUMNS)

    def add(self, version: Version) -> None:
        self.rows(_key_rows(version))


def _key_rows(version: Version):
    for q in version.questions:
        labels = registry.get(q.variant.generator).labels
        # Canvas keeps no weight per blank: a question's points go equally to its fields (one per
        # number, one per answer in words), whatever the parts' points
        fields = sum(_field_count(q.variant.answers[name]) for part in q.rendered.parts for name in part.answers)
        for letter, part, points in zip("abcdefghijklmnopqrstuvwxyz", q.rendered.parts, q.part_points):
            for i, name in enumerate(part.answers):
                answer = q.variant.answers[name]
                numbers = answer.kind in ("number", "words")
                label_tex = entry_labels(labels.get(name), answer.exact) if numbers else ""
                yield (version.code, version.student.id if version.student else "", q.number, letter, name,
                       unicode_text(label_tex), label_tex, _flat(answer.text) if numbers else answer.decimal,
                       answer.decimal if numbers else "", _asked(part, answer),
                       _tolerance_cell(answer) if numbers else "", points if i == 0 else "",
                       _points_text(Fraction(q.points * _field_count(answer), fields)), *_kind_cells(answer))


def _kind_cells(answer) -> tuple[str, str]:
    """The options and rubric cells: a choice's letters with their option ids, a written answer's rubric."""
    if answer.kind == "choice":
        return " ".join(f"{letter}={option.id}" for letter, option in zip(LETTERS, answer.exact.options)), ""
    if answer.kind == "written":
        return "", plain_text(answer.exact.rubric)
    return "", ""


def _field_count(answer) -> int:
    """The fields an LMS gives an answer: one per number, one for an answer in words."""
    return len(list(scalars(answer.exact))) if answer.kind == "number" else 1


def _points_text(points: Fraction) -> str:
    """Points as a grader reads them: exact (2.5), or to 4 decimals where they do not end (1.4286)."""
    text = f"{Decimal(points.numerator) / Decimal(points.denominator):.4f}"
    return text.rstrip("0").rstrip(".")


class Index(_Csv):
    """index.csv: which version each student has, its points and its files."""

    def __init__(self, handle, pdfs: bool = True):
        super().__init__(handle, INDEX_COLUMNS)
        self._pdfs = pdfs  # a build without PDFs leaves their columns empty

    def add(self, version: Version) -> None:
        student = version.student
        files = ((f"exam-{version.code}.pdf", f"solutions-{version.code}.pdf", f"summary-{version.code}.pdf")
                 if self._pdfs else ("", "", ""))
        self.rows([(version.number, version.code, student.id if student else "", student.name if student else "",
                    version.points, *files)])


def _asked(part, answer) -> str:
    """What the part asks for, which is what the tolerance (a choice's rule) grades."""
    if answer.kind == "choice":
        return "choice, exactly one" if answer.exact.exactly_one else f"choice, {answer.exact.scoring}"
    if answer.kind == "written":
        return "written, by the rubric"
    return "exact" if part.decimals is None else f"{part.decimals} decimals"


def _tolerance_cell(answer) -> str | float:
    """One number when every entry has the same tolerance, else the entries' own, shaped like the answer."""
    flat = list(scalars(answer.tolerances))
    return answer.tolerance if len(set(flat)) <= 1 else json.dumps(answer.tolerances)


def _flat(value) -> str:
    return value if isinstance(value, str) else json.dumps(value).replace('"', "")


class Manifest:
    """manifest.json: everything needed to rebuild any version without sampling; one version a line."""

    def __init__(self, handle, spec: ExamSpec):
        self._handle, self._first = handle, True
        head = {
            "qbank": __version__,
            "spec": {"source": spec.source, "sha256": spec.sha256},
            "exam": {"title": spec.title, "course": spec.course, "date": spec.date, "instructions": spec.instructions,
                     "paper": spec.paper, "duration": spec.duration, "formats": list(spec.formats),
                     "fixed_layout": spec.fixed_layout, "honour_line": spec.honour_line},
            "seed": spec.seed,
            # that a secret salted the seeds and where it is read from, never the secret itself
            "secret": None if spec.secret is None else {"source": spec.secret.source, "check": spec.secret.check},
        }
        handle.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "versions": [\n')

    def add(self, version: Version) -> None:
        data = {
            "number": version.number, "code": version.code,
            "student": {"id": version.student.id, "name": version.student.name} if version.student else None,
            "questions": [{"number": q.number, "points": q.points, "part_points": list(q.part_points),
                           "answer_space": q.space} | ({"section": q.section} if q.section else {})
                          | {"variant": q.variant.to_json()} for q in version.questions],
        }
        self._handle.write(("" if self._first else ",\n") + json.dumps(data, ensure_ascii=False))
        self._first = False

    def close(self) -> None:
        self._handle.write("\n]}\n")
