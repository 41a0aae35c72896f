"""Rosters as instructors have them: qbank's own id,name CSV, a Canvas gradebook export, a Moodle
participants or grades export, or any CSV with `roster_columns` naming its columns.

UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8"), comma, semicolon or tab
separated. Every problem is one line naming the roster file and line.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from qbank.core import fonts
from qbank.core.errors import QbankError
from qbank.core.limits import MAX_ID_CHARS, MAX_NAME_CHARS, MAX_ROSTER_BYTES, MAX_VERSIONS
from qbank.core.textfile import read_text, within


@dataclass(frozen=True)
class Student:
    id: str
    name: str


@dataclass(frozen=True)
class Columns:
    """Which columns hold a student's id (the first that is not empty) and name (joined by spaces)."""

    id: tuple[str, ...]
    name: tuple[str, ...]
    last_first: bool = False  # the name is "Last, First" (Canvas) and is printed "First Last"
    canvas: bool = False  # a Canvas gradebook: the rows Canvas writes that are no student are skipped


# Known exports, tried in order; a header matches when it has one of the id columns and every name column.
LAYOUTS = (
    Columns(("id",), ("name",)),
    Columns(("SIS User ID", "ID"), ("Student",), last_first=True),  # a Canvas gradebook export
    Columns(("SIS User ID", "ID"), ("FirstName", "LastName")),  # one with "Show first and last names"
    Columns(("ID number", "Email address"), ("First name", "Last name")),  # a Moodle export
)

# A Canvas gradebook export (lib/gradebook_exporter.rb in instructure/canvas-lms) writes a person in
# its first columns: the name ("Student", or "LastName" and "FirstName"), then the columns below.
# Every student row has Canvas's "ID"; above the students Canvas writes rows with all of these
# empty that carry only its labels: "    Points Possible" in the name cell, and a posting row
# (once "Muted") with "Manual Posting" over each assignment posted by hand.
CANVAS_HEADER = {"id", "sis login id", "section"}
CANVAS_PERSON = ("ID", "SIS User ID", "SIS Login ID", "Integration ID", "Root Account", "Section")
CANVAS_LABEL = re.compile(r"(points possible|manual posting|muted)\b", re.IGNORECASE)  # "Manual Posting (...)" too
# Canvas's test student ("Test Student", in Student View) has no SIS id; Canvas writes it last.
CANVAS_TEST_STUDENT = "student, test"
HINT = ("give a CSV with columns id,name, a Canvas or Moodle export, or name the columns with "
        "roster_columns = { id = \"...\", name = [\"...\", \"...\"] } in [exam]")


def read(path: Path, text: str, columns: Columns | None = None) -> tuple[Student, ...]:
    """The students of a roster file's text, in file order."""
    try:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
        header = [cell.strip() for cell in next(rows, [])]
        layout = _layout(header, columns, path)
        where = {name.casefold(): i for i, name in reversed(list(enumerate(header)))}
        students, seen = [], set()
        for row in rows:
            student = _student(row, layout, where, path, rows.line_num)
            if student is None:
                continue
            if len(students) == MAX_VERSIONS:
                raise QbankError(f"{path}: more than {MAX_VERSIONS:,} students; split the roster")
            if student.id in seen:
                raise QbankError(f"{path}: line {rows.line_num} repeats student id '{student.id}'; ids must be unique")
            seen.add(student.id)
            students.append(student)
    except csv.Error as exc:
        raise QbankError(f"{path}: cannot read the roster ({exc}); {HINT}") from None
    if not students:
        raise QbankError(f"{path}: the roster has a header but no students; add one student per line")
    return tuple(students)


def _delimiter(text: str) -> str:
    """The header line's separator: the most frequent of comma, semicolon and tab (comma on a tie)."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=lambda sep: (first.count(sep), sep == ","))


def _layout(header: list[str], columns: Columns | None, path: Path) -> Columns:
    present = {name.casefold() for name in header}
    for layout in (columns,) if columns else LAYOUTS:
        ids = layout.id[:1] if columns else layout.id  # roster_columns' first id column must be there
        if any(i.casefold() in present for i in ids) and all(n.casefold() in present for n in layout.name):
            return _in_export(layout, present)
    if columns:
        missing = next(n for n in (*columns.id[:1], *columns.name) if n.casefold() not in present)
        raise QbankError(f"{path}: roster_columns names the column '{missing}', which the header line lacks "
                         f"(it has: {', '.join(header[:12])})")
    if not any(header):
        raise QbankError(f"{path}: the roster needs a header line 'id,name' and one student per line")
    raise QbankError(f"{path}: the roster needs a header line 'id,name' and one student per line "
                     f"(its header is: {', '.join(header[:8])}); {HINT}")


def _in_export(columns: Columns, present: set[str]) -> Columns:
    """Any columns of a Canvas export, found or named, read it alike: without the rows that are no
    student, and its "Student" column ("Last, First") printed "First Last"."""
    if not (CANVAS_HEADER <= present and ("student" in present or {"lastname", "firstname"} <= present)):
        return replace(columns, canvas=False)
    return replace(columns, canvas=True, last_first=tuple(n.casefold() for n in columns.name) == ("student",))


def _is_canvas_label(text: str) -> bool:
    """A label of Canvas's: "Points Possible", "Manual Posting (scores hidden from instructors)", "Muted"."""
    return CANVAS_LABEL.match(text.strip()) is not None


def _canvas_non_student(row: list[str], cell) -> bool:
    """A row of a Canvas export that is no student: one naming nobody (no id, no login, no section)
    whose name cell is a label of Canvas's, or whose name cell is empty and every filled cell a label
    (the posting row); or Canvas's test student."""
    name = cell("Student") or ", ".join(n for n in (cell("LastName"), cell("FirstName")) if n)
    if name.casefold() == CANVAS_TEST_STUDENT and not cell("SIS User ID"):
        return True
    if any(cell(column) for column in CANVAS_PERSON):
        return False
    if name:
        return _is_canvas_label(name)
    return all(_is_canvas_label(value) for value in row if value.strip())


def _student(row: list[str], layout: Columns, where: dict, path: Path, line: int) -> Student | None:
    def cell(column: str) -> str:
        index = where.get(column.casefold())
        return row[index].strip() if index is not None and index < len(row) else ""

    if not any(cell.strip() for cell in row):
        return None  # a blank line
    if layout.canvas and _canvas_non_student(row, cell):
        return None
    names = [cell(column) for column in layout.name]
    if layout.last_first:
        last, _, first = names[0].partition(",")
        names = [first.strip(), last.strip()]
    sid = next((value for value in map(cell, layout.id) if value), "")
    name = " ".join(n for n in names if n)
    if not sid:
        columns = " and ".join(f"'{column}'" for column in layout.id)
        raise QbankError(f"{path}: line {line} has no student id ({columns} {'are' if len(layout.id) > 1 else 'is'} "
                         f"empty); fill it in, or delete the line if it is no student")
    _check_text(sid, "id", MAX_ID_CHARS, path, line)
    _check_text(name, "name", MAX_NAME_CHARS, path, line)
    return Student(sid, name)


# Format characters that scripts need inside names: the zero-width non-joiner (Persian
# "می‌خواهم") and joiner (Indic conjuncts, emoji sequences). Other control and format characters,
# bidi overrides among them, are refused.
JOINERS = {"\u200c", "\u200d"}


def _check_text(text: str, column: str, limit: int, path: Path, line: int) -> None:
    if len(text) > limit:
        raise QbankError(f"{path}: line {line}: the {column} has {len(text)} characters; at most {limit}")
    bad = next((c for c in text if unicodedata.category(c)[0] == "C" and c not in JOINERS), None)
    if bad is not None:
        raise QbankError(f"{path}: line {line}: the {column} holds the control character U+{ord(bad):04X}; "
                         f"remove it")
    bad = fonts.unprintable(text)
    if bad is not None:
        raise QbankError(f"{path}: line {line}: the {column} holds {bad!r} (U+{ord(bad):04X}), which no installed "
                         f"font can print; leave it out, or install the fonts ({fonts.INSTALL_HINT})")


def columns_from_spec(value, where: str) -> Columns:
    """`roster_columns = { id = "Matrikel", name = ["Vorname", "Nachname"] }` (id may list fallbacks too)."""
    if not isinstance(value, dict) or set(value) != {"id", "name"}:
        raise QbankError(f"{where} must be a table {{ id = \"column\", name = \"column\" or [\"first\", \"last\"] }}")
    parts = {}
    for key in ("id", "name"):
        names = value[key] if isinstance(value[key], list) else [value[key]]
        if not names or len(names) > 5 or not all(isinstance(n, str) and 0 < len(n) <= 100 for n in names):
            raise QbankError(f"{where} {key} must be a column name or a list of up to 5 column names")
        parts[key] = tuple(names)
    return Columns(parts["id"], parts["name"])


def load(name, base: Path, source: str, columns: Columns | None) -> tuple[Student, ...]:
    if not isinstance(name, str):
        raise QbankError(f"{source}: [exam] roster must be the path of a CSV file with columns id,name")
    try:
        path = within(base, name, "roster")
    except QbankError as exc:
        raise QbankError(f"{source}: [exam] {exc}") from None
    return read(path, read_text(path, MAX_ROSTER_BYTES, "roster", HINT), columns)
