"""Rosters as instructors have them, read right and printed: qbank's CSV with a byte-order mark or
semicolons, a Canvas gradebook export, a Moodle export, and any CSV through roster_columns."""

from __future__ import annotations

import csv
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import run_qbank
from qbank.core.errors import QbankError
from qbank.exam import roster, spec

NAMES = ["Zoë Ðurić-Łukasiewicz", "José Müller", "Åsa Øberg"]
# One name in each script the issue lists: Latin with Vietnamese diacritics, Greek, Cyrillic,
# Chinese, Japanese, Korean, Arabic and Hebrew.
WORLD = ["Victor Nguyễn", "Γιώργος Παπαδόπουλος", "Иван Петров", "王伟", "山田太郎", "김민준", "محمد أحمد",
         "דוד כהן"]

CANVAS = ('Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (87568490),Current Score\n'
          '    Points Possible,,,,,10.00,(read only)\n'
          '"Ðurić-Łukasiewicz, Zoë",101,s1001,zoe,Section 1,8,80\n'
          '"Müller, José",102,s1002,jose,Section 1,9,90\n'
          '"Øberg, Åsa",103,,asa,Section 2,7,70\n'
          '"Student, Test",999,,test,Section 1,,\n')
MOODLE = ('First name,Last name,ID number,Institution,Department,Email address,Quiz: Quiz 1 (Real)\n'
          'Zoë,Ðurić-Łukasiewicz,s1001,,,zoe@example.org,8.00\n'
          'José,Müller,s1002,,,jose@example.org,9.00\n'
          'Åsa,Øberg,,,,asa@example.org,7.00\n')
SEMICOLONS = "\ufeffid;name\ns1001;Zoë Ðurić-Łukasiewicz\ns1002;José Müller\ns1003;Åsa Øberg\n"
MAPPED = "Matrikel;Vorname;Nachname\ns1001;Zoë;Ðurić-Łukasiewicz\ns1002;José;Müller\ns1003;Åsa;Øberg\n"
MAPPING = 'roster_columns = { id = "Matrikel", name = ["Vorname", "Nachname"] }'

ROSTERS = {
    "bom and semicolons": (SEMICOLONS, "", ["s1001", "s1002", "s1003"]),
    "canvas gradebook": (CANVAS, "", ["s1001", "s1002", "103"]),  # no SIS id: Canvas's own id
    "canvas gradebook, columns named": (CANVAS, 'roster_columns = { id = ["SIS User ID", "ID"], name = "Student" }',
                                        ["s1001", "s1002", "103"]),
    "moodle export": (MOODLE, "", ["s1001", "s1002", "asa@example.org"]),  # no ID number: the e-mail
    "roster_columns": (MAPPED, MAPPING, ["s1001", "s1002", "s1003"]),
}


def write_exam(folder: Path, roster_text: str, extra: str = "") -> Path:
    (folder / "students.csv").write_bytes(roster_text.encode("utf-8"))
    path = folder / "exam.toml"
    path.write_text('[exam]\ntitle = "Quiz"\nroster = "students.csv"\n' + extra + '\n[[question]]\n'
                    'generator = "lstm.param_count"\npoints = 2\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", sorted(ROSTERS))
def test_each_roster_gives_each_student_their_name_and_id(kind, tmp_path):
    text, extra, ids = ROSTERS[kind]
    exam = spec.load(write_exam(tmp_path, text, extra))
    assert [(s.id, s.name) for s in exam.students] == list(zip(ids, NAMES))


def test_a_canvas_export_read_through_roster_columns_skips_its_points_possible_and_test_student_rows(tmp_path):
    text = CANVAS.replace(",103,,asa,", ",103,s1003,asa,")
    exam = spec.load(write_exam(tmp_path, text, 'roster_columns = { id = "SIS User ID", name = "SIS Login ID" }'))
    assert [(s.id, s.name) for s in exam.students] == [("s1001", "zoe"), ("s1002", "jose"), ("s1003", "asa")]


def test_every_name_prints_on_the_cover_and_in_every_footer_and_the_index_finds_it(tmp_path):
    path = write_exam(tmp_path, CANVAS)
    result = run_qbank("build", "exam", str(path), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "quiz"
    index = {row["student_id"]: row for row in csv.DictReader((folder / "index.csv").open(encoding="utf-8"))}
    for sid, name in zip(["s1001", "s1002", "103"], NAMES):
        pdf = folder / index[sid]["exam_pdf"]
        pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        pages = pages.split("\f")[:-1]
        assert index[sid]["student_name"] == name
        assert all(f"{name} ({sid})" in page for page in pages), f"{name} missing from a footer of {pdf.name}"
        shown = run_qbank("show-version", sid, "--spec", str(path), cwd=tmp_path)
        assert shown.returncode == 0 and index[sid]["version"] in shown.stdout and name in shown.stdout


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, as a reader's copy-and-paste gives it: compatibility forms (Arabic
    presentation forms) folded and the bidi marks pdftotext adds removed."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = unicodedata.normalize("NFKC", text)
    return [re.sub("[\u200e\u200f\u202a-\u202e]", "", page) for page in text.split("\f")[:-1]]


def test_names_in_every_script_print_on_the_cover_and_in_every_footer(tmp_path):
    ids = [f"s{n}" for n in range(1, len(WORLD) + 1)]
    text = "\ufeffid;name\n" + "".join(f"{i};{name}\n" for i, name in zip(ids, WORLD))
    result = run_qbank("build", "exam", str(write_exam(tmp_path, text)), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "quiz"
    index = {row["student_id"]: row for row in csv.DictReader((folder / "index.csv").open(encoding="utf-8"))}
    for sid, name in zip(ids, WORLD):
        pages = pdf_pages(folder / index[sid]["exam_pdf"])
        assert f"Name: {name}" in pages[0], (name, pages[0][:300])
        assert all(name in page for page in pages), f"{name} missing from a footer"
        assert name in pdf_pages(folder / index[sid]["solutions_pdf"])[0]


def test_a_name_no_font_has_is_refused_with_its_line_before_any_tex(tmp_path):
    with pytest.raises(QbankError, match=r"students.csv: line 3: the name holds '.' \(U\+1F600\)"):
        spec.load(write_exam(tmp_path, "id,name\ns1,王伟\ns2,Ada \U0001F600\n"))


@pytest.mark.parametrize("text, extra, message", [
    ("Matrikel,Name\n1,A\n", 'roster_columns = { id = "Matrikelnummer", name = "Name" }', "names the column"),
    ("Matrikel,Name\n1,A\n", 'roster_columns = { id = "Matrikel" }', "roster_columns must be a table"),
    ("Matrikel,Name\n1,A\n", "", "its header is: Matrikel, Name"),
    ('Student,ID,SIS User ID\n"Lovelace, Ada",,\n', "", "line 2 has no student id"),
])
def test_a_roster_that_cannot_be_read_says_which_column_or_line(text, extra, message, tmp_path):
    with pytest.raises(QbankError, match=message):
        spec.load(write_exam(tmp_path, text, extra))


def test_the_separator_is_read_from_the_header_line():
    assert roster._delimiter("id;name\n1;A, B\n") == ";"
    assert roster._delimiter("id,name\n1,A; B\n") == ","
    assert roster._delimiter("id\tname\n") == "\t"


def test_a_name_with_the_joiners_its_script_needs_prints_and_a_bidi_override_is_refused(tmp_path):
    persian = "فاطمه\u200cزهرا رضایی"  # a zero-width non-joiner keeps ه from joining ز, as Persian spells it
    result = run_qbank("build", "exam", str(write_exam(tmp_path, f"id,name\ns1,{persian}\n")), "--out",
                       str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (exam,) = (tmp_path / "out" / "quiz").glob("exam-*.pdf")
    assert persian.replace("\u200c", "") in pdf_pages(exam)[0]  # pdftotext drops the non-joiner itself
    with pytest.raises(QbankError, match=r"line 2: the name holds the control character U\+202E"):
        roster.read(tmp_path / "r.csv", "id,name\ns1,Ada\u202eecalevoL\n", None)


# A Canvas gradebook export as lib/gradebook_exporter.rb in instructure/canvas-lms writes it: the
# header; a posting row (every person cell empty, "Manual Posting" over each assignment posted by
# hand, "Muted" before Canvas had posting policies) when one is; "    Points Possible" with four
# leading spaces; the students sorted by name; Canvas's test student ("Student, Test", a hashed
# login, no SIS id) last. The totals columns say "(read only)" in the Points Possible row.
CANVAS_HEADER = ("Student,ID,SIS User ID,SIS Login ID,Section,Midterm (87568490),Quiz 1 (87568491),"
                 "Quizzes Current Score,Quizzes Final Score,Current Score,Unposted Current Score,Final Score,"
                 "Unposted Final Score\n")
CANVAS_ROWS = {
    "posting": ",,,,,Manual Posting,,,,,,,\n",
    "posting, anonymous": ",,,,,Manual Posting (scores hidden from instructors),Manual Posting,,,,,,\n",
    "muted": ",,,,,Muted,,,,,,,\n",
    "muted, old": "Muted assignments do not impact Current and Final score columns,,,,,Muted,,,,,,,\n",
    "points": "    Points Possible,,,,,60.00,10.00,(read only),(read only),(read only),(read only),(read only),"
              "(read only)\n",
}
CANVAS_STUDENTS = ('"Ðurić-Łukasiewicz, Zoë",101,s1001,zoe,Section 1,48.00,8.00,80.00,80.00,80.00,80.00,80.00,'
                   '80.00\n'
                   '"Müller, José",102,s1002,jose,Section 1,,9.00,90.00,90.00,90.00,90.00,15.00,15.00\n'
                   '"Øberg, Åsa",103,s1003,asa,Section 2,42.00,7.00,70.00,70.00,70.00,70.00,70.00,70.00\n')
CANVAS_TEST = ('"Student, Test",4411,,9f2c6a1e0b7d4c3a8e5f1b2d6c9a0e4f7b3d8c1a,"Section 1 and Section 2",'
               ',,,,,,,\n')
COLUMNS_NAMED = {
    "found": ("", ["s1001", "s1002", "s1003"], NAMES),
    "ids and name named": ('roster_columns = { id = ["SIS User ID", "ID"], name = "Student" }',
                           ["s1001", "s1002", "s1003"], NAMES),
    "login as id": ('roster_columns = { id = "SIS Login ID", name = "Student" }', ["zoe", "jose", "asa"], NAMES),
    "section as name": ('roster_columns = { id = "ID", name = "Section" }', ["101", "102", "103"],
                        ["Section 1", "Section 1", "Section 2"]),
}


def canvas_export(*kinds: str, test_student: bool = False) -> str:
    return CANVAS_HEADER + "".join(CANVAS_ROWS[kind] for kind in kinds) + CANVAS_STUDENTS + (
        CANVAS_TEST if test_student else "")


@pytest.mark.parametrize("columns", sorted(COLUMNS_NAMED))
@pytest.mark.parametrize("kinds, test_student", [
    (("points",), False), (("posting",), False), (("posting, anonymous",), False), (("muted",), False),
    (("muted, old",), False), ((), True),
    (("posting", "points"), True), (("posting, anonymous", "points"), True), (("muted, old", "points"), True),
], ids=lambda value: "+".join(value) if isinstance(value, tuple) else ("test student" if value else "-"))
def test_every_row_canvas_writes_that_is_no_student_is_skipped_with_or_without_roster_columns(
        kinds, test_student, columns, tmp_path):
    extra, ids, names = COLUMNS_NAMED[columns]
    exam = spec.load(write_exam(tmp_path, canvas_export(*kinds, test_student=test_student), extra))
    assert [(s.id, s.name) for s in exam.students] == list(zip(ids, names))


def test_canvas_exports_without_sis_ids_or_with_first_and_last_names_skip_the_same_rows(tmp_path):
    """A teacher who may not see SIS ids gets no "SIS User ID" column; "Show first and last names"
    in the gradebook's settings writes "LastName","FirstName" for "Student", the labels in LastName."""
    no_sis = ("Student,ID,SIS Login ID,Section,Midterm (87568490),Current Score\n"
              ",,,,Manual Posting,\n"
              "    Points Possible,,,,60.00,(read only)\n"
              '"Müller, José",102,jose,Section 1,50.00,83.33\n'
              '"Student, Test",4411,9f2c6a1e0b7d4c3a8e5f1b2d6c9a0e4f7b3d8c1a,Section 1,,\n')
    assert [(s.id, s.name) for s in roster.read(tmp_path / "r.csv", no_sis)] == [("102", "José Müller")]
    first_last = ("LastName,FirstName,ID,SIS User ID,SIS Login ID,Section,Midterm (87568490)\n"
                  ",,,,,,Manual Posting\n"
                  "    Points Possible,,,,,,60.00\n"
                  "Müller,José,102,s1002,jose,Section 1,50.00\n"
                  "Student,Test,4411,,9f2c6a1e0b7d4c3a8e5f1b2d6c9a0e4f7b3d8c1a,Section 1,\n")
    assert [(s.id, s.name) for s in roster.read(tmp_path / "r.csv", first_last)] == [("s1002", "José Müller")]
    named = roster.columns_from_spec({"id": "SIS Login ID", "name": ["FirstName", "LastName"]}, "[exam] roster_columns")
    assert [(s.id, s.name) for s in roster.read(tmp_path / "r.csv", first_last, named)] == [("jose", "José Müller")]


def test_a_student_called_test_student_who_has_an_sis_id_is_kept():
    text = canvas_export("points") + '"Student, Test",104,s1004,test,Section 1,,,,,,,,\n'
    assert [s.id for s in roster.read(Path("r.csv"), text)][-1] == "s1004"


@pytest.mark.parametrize("bad_row", [
    ",,,,,48.00,8.00,80.00,80.00,80.00,80.00,80.00,80.00\n",  # grades, but nobody: not Canvas's
    '"Lovelace, Ada",,,,,48.00,,,,,,,\n',  # a student whose ids were cleared
    ",,,,,Manual Posting,Lovelace,,,,,,\n",  # a posting row with more than Canvas's labels in it
    "Points,,,,,60.00,,,,,,,\n",  # no label of Canvas's
])
@pytest.mark.parametrize("extra", ["", 'roster_columns = { id = "SIS User ID", name = "Student" }'])
def test_a_row_of_a_canvas_export_that_names_nobody_otherwise_is_refused_in_one_line(bad_row, extra, tmp_path):
    text = canvas_export("posting", "points").replace(CANVAS_STUDENTS, bad_row + CANVAS_STUDENTS)
    with pytest.raises(QbankError) as error:
        spec.load(write_exam(tmp_path, text, extra))  # line 4: after the header, posting and points rows
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'students.csv'}: line 4 has no student id ('SIS User ID'")
    assert message.endswith("; fill it in, or delete the line if it is no student")
