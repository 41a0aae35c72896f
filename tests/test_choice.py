"""Choice and written questions: question files, the scoring rules in the key, Moodle and Canvas,
and a whole exam mixing concept, file and computed questions, built and read back."""

from __future__ import annotations

import csv
import itertools
import re
import subprocess
import zipfile
from fractions import Fraction
from pathlib import Path

import pytest
from lxml import etree

from qbank.core.generator import make_variant
from qbank.core.questionfile import read_question

CHOICE_FILE = """title = "Dropout"
statement = "Which statements about dropout with rate $p = 0.5$ are true? Rates above 50% & more are rare."
{extra}
[[option]]
id = "test-off"
text = "Dropout is off at test time."
correct = true
reason = "In evaluation mode it is the identity."
[[option]]
id = "params"
text = "Dropout has trainable parameters."
correct = false
reason = "It has none."
[[option]]
id = "scale"
text = "Inverted dropout scales kept units by $\\\\frac{{1}}{{1-p}}$ in training."
correct = true
reason = "So a unit's expected output is unchanged."
[[option]]
id = "faster"
text = "Dropout makes training converge in fewer epochs."
correct = false
reason = "It usually needs more epochs."
[[option]]
id = "ensemble"
text = "Dropout trains an implicit ensemble of sub-networks that share weights."
correct = true
reason = "Each step trains a thinned network with the shared weights."
[[option]]
id = "bias"
text = "Dropout is applied to the biases only."
correct = false
reason = "It drops units (activations)."
"""
WRITTEN_FILE = """title = "Splitting two sources"
statement = "100,000 day images and 5,000 night images; the product runs at night. How do you split them?"
answer_space = 5
rubric = "1 point: validation and test sets from night images only. 1 point: reasonable percentages."
model_answer = "Train on the day images and half the night ones; split the other night images into validation and test."
"""
NUMBER_FILE = """title = "Xavier variance"
statement = "A $50 \\\\times 50$ input feeds a dense layer. What variance does LeCun initialisation give its weights?"
answer = "1/2500"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def boxes_right(correct: list[bool], checked: set[int]) -> int:
    return sum((i in checked) == c for i, c in enumerate(correct))


def rule_score(rule: str, correct: list[bool], checked: set[int]) -> Fraction:
    """The scoring rules as the README states them, written out here on their own."""
    k, right = len(correct), boxes_right(correct, checked)
    if rule == "all-or-nothing":
        return Fraction(1 if right == k else 0)
    if rule == "partial":
        return Fraction(right, k)
    return max(Fraction(0), Fraction(2 * right - k, k))


# ---------------------------------------------------------------- question files


def test_a_choice_file_draws_its_options_in_a_per_version_order(tmp_path):
    gen = read_question(write(tmp_path, "q.toml", CHOICE_FILE.format(extra="")), "file:q.toml")
    orders, counts = set(), set()
    for seed in range(60):
        choice = make_variant(gen, seed).answers["choice"].exact
        assert len(choice.options) == 4 and len({o.id for o in choice.options}) == 4
        orders.add(tuple(o.id for o in choice.options))
        counts.add(sum(o.correct for o in choice.options))
    assert len(orders) > 30
    assert counts == {1, 2, 3}  # 3 true and 3 false in the pool: at least one of each among 4


def test_exactly_one_shows_one_correct_option(tmp_path):
    gen = read_question(write(tmp_path, "q.toml", CHOICE_FILE.format(extra="exactly_one = true\nshow = 3")),
                        "file:q.toml")
    for seed in range(30):
        choice = make_variant(gen, seed).answers["choice"].exact
        assert len(choice.options) == 3 and sum(o.correct for o in choice.options) == 1


def test_plain_text_is_escaped_and_math_kept(tmp_path):
    gen = read_question(write(tmp_path, "q.toml", CHOICE_FILE.format(extra="")), "file:q.toml")
    assert r"50\% \& more" in gen.statement and "$p = 0.5$" in gen.statement


BAD_FILES = [
    ("unknown key", 'colour = "red"\n', "colour"),
    ("no correct option where exactly_one", None, "option"),
    ("unbalanced $", None, "statement"),
    ("a LaTeX command in plain text", None, "statement"),
    ("an unknown math command", None, "statement"),
    ("an unknown scoring rule", 'scoring = "lenient"\n', "scoring"),
    ("show beyond the options", "show = 9\n", "show"),
    ("partial scoring with exactly one", 'exactly_one = true\nscoring = "partial"\n', "scoring"),
    ("an option without a reason", None, "option 1.reason"),
]


@pytest.mark.parametrize("case, extra, key", BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_a_bad_question_file_is_refused_in_one_line_naming_file_and_key(tmp_path, qbank_cli, case, extra, key):
    text = CHOICE_FILE.format(extra=extra or "")
    if case == "no correct option where exactly_one":
        text = text.replace("correct = true", "correct = false").replace('title = "Dropout"',
                                                                        'title = "Dropout"\nexactly_one = true')
    elif case == "unbalanced $":
        text = text.replace("$p = 0.5$", "$p = 0.5")
    elif case == "a LaTeX command in plain text":
        text = text.replace("are true?", "are \\\\emph{true}?")
    elif case == "an unknown math command":
        text = text.replace("$p = 0.5$", "$\\\\input{/etc/passwd}$")
    elif case == "an option without a reason":
        text = text.replace('reason = "In evaluation mode it is the identity."\n', "", 1)
    write(tmp_path, "questions/bad.toml", text)
    write(tmp_path, "exam.toml", '[exam]\ntitle = "T"\n[[question]]\nfile = "questions/bad.toml"\npoints = 2\n')
    result = qbank_cli("build", "exam", "exam.toml", "--out", "out")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "questions/bad.toml" in result.stderr and key in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_huge_question_file_is_refused_unread(tmp_path, qbank_cli):
    write(tmp_path, "questions/big.toml", "# " + "x" * 10_000_000 + "\n")
    write(tmp_path, "exam.toml", '[exam]\ntitle = "T"\n[[question]]\nfile = "questions/big.toml"\npoints = 2\n')
    result = qbank_cli("show-version", "0000", "--spec", "exam.toml")
    assert result.returncode == 2 and "questions/big.toml" in result.stderr and "100,000 bytes" in result.stderr


def test_a_question_file_outside_the_spec_folder_is_refused(tmp_path, qbank_cli):
    write(tmp_path, "q.toml", CHOICE_FILE.format(extra=""))
    write(tmp_path, "exams/exam.toml", '[exam]\ntitle = "T"\n[[question]]\nfile = "../q.toml"\npoints = 2\n')
    result = qbank_cli("build", "exam", "exams/exam.toml", "--out", "out")
    assert result.returncode == 2 and "not in" in result.stderr


# ---------------------------------------------------------------- scoring rules in three formats


def choice_exam(folder: Path, scoring: str, formats: str) -> Path:
    write(folder, "questions/dropout.toml", CHOICE_FILE.format(extra=f'scoring = "{scoring}"'))
    write(folder, "exam.toml", f'[exam]\ntitle = "Rules"\nversions = 6\nformats = [{formats}]\n'
                               '[[question]]\nfile = "questions/dropout.toml"\npoints = 2\n')
    return folder


def key_rows(folder: Path) -> list[dict]:
    (key,) = folder.glob("out/*/answer-key.csv")
    return list(csv.DictReader(key.open(encoding="utf-8")))


@pytest.mark.parametrize("scoring", ["all-or-nothing", "partial", "negative"])
def test_moodle_grades_every_response_as_the_rule_says(tmp_path, qbank_cli, scoring):
    choice_exam(tmp_path, scoring, '"moodle"')
    assert qbank_cli("build", "exam", "exam.toml", "--out", "out").returncode == 0
    rows = key_rows(tmp_path)
    (xml,) = tmp_path.glob("out/*/moodle.xml")
    questions = [q for q in etree.parse(str(xml)).getroot() if q.get("type") != "category"]
    assert len(questions) == len(rows) == 6
    for question, row in zip(questions, rows):
        letters = row["options"].split()
        correct = [letter.split("=")[0] in row["exact"].split(",") for letter in letters]
        for checked in _responses(len(correct)):
            expected = rule_score(scoring, correct, checked)
            assert _moodle_score(question, checked) == pytest.approx(float(expected), abs=1e-5)


def _responses(k: int):
    return [set(c) for size in range(k + 1) for c in itertools.combinations(range(k), size)]


def _moodle_score(question, checked: set[int]) -> float:
    """What Moodle's question engine gives: a multichoice's fraction of the picked answer; a cloze's
    weighted share of its menus answered right."""
    if question.get("type") == "multichoice":
        wanted = _combination_name(checked)
        (answer,) = [a for a in question.findall("answer") if a.find("text").text == wanted]
        return float(answer.get("fraction")) / 100
    text = question.find("questiontext/text").text
    menus = re.findall(r"\{(\d+):MULTICHOICE:([^}]*)\}", text)
    total = sum(int(w) for w, _ in menus)
    earned = 0
    for i, (weight, menu) in enumerate(menus):
        picked = "True" if i in checked else "False"
        earned += int(weight) * (f"={picked}" in menu.split("~") or menu.startswith(f"={picked}"))
    return earned / total


def _combination_name(checked: set[int]) -> str:
    letters = [chr(ord("A") + i) for i in sorted(checked)]
    if not letters:
        return "None of them"
    return letters[0] if len(letters) == 1 else ", ".join(letters[:-1]) + " and " + letters[-1]


@pytest.mark.parametrize("scoring", ["all-or-nothing", "partial"])
def test_canvas_scores_every_response_as_the_rule_says(tmp_path, qbank_cli, scoring):
    choice_exam(tmp_path, scoring, '"canvas"')
    assert qbank_cli("build", "exam", "exam.toml", "--out", "out").returncode == 0
    rows = key_rows(tmp_path)
    (package,) = tmp_path.glob("out/*/canvas-qti.zip")
    with zipfile.ZipFile(package) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".xml") and "/" in n and "meta" not in n]
        items = etree.fromstring(archive.read(name)).findall(".//item")
    assert len(items) == len(rows)
    for item, row in zip(items, rows):
        letters = row["options"].split()
        correct = [letter.split("=")[0] in row["exact"].split(",") for letter in letters]
        for checked in _responses(len(correct)):
            assert _canvas_score(item, checked) == pytest.approx(float(rule_score(scoring, correct, checked)))


def _canvas_score(item, checked: set[int]) -> float:
    """What Canvas's graders give: a multiple choice question full marks for the right pick, a
    multiple dropdowns question 1/N for each right menu."""
    kind = item.find(".//qtimetadatafield[fieldlabel='question_type']/fieldentry").text
    conditions = item.findall(".//respcondition")
    if kind == "multiple_choice_question":
        wanted = _combination_name(checked)
        labels = {label.get("ident"): "".join(label.itertext()) for label in item.iter("response_label")}
        picked = next(ident for ident, text in labels.items() if re.sub("<[^>]+>", "", text) == wanted)
        return float(any(c.find(".//varequal").text == picked for c in conditions))
    assert kind == "multiple_dropdowns_question"
    earned = 0.0
    for i, response in enumerate(item.iter("response_lid")):
        picked = [label.get("ident") for label in response.iter("response_label")
                  if label.findtext(".//mattext") == ("True" if i in checked else "False")][0]
        earned += sum(float(c.findtext("setvar")) for c in conditions if c.find(".//varequal").text == picked)
    return earned / 100


def test_canvas_refuses_negative_marking_in_one_line(tmp_path, qbank_cli):
    choice_exam(tmp_path, "negative", '"canvas"')
    result = qbank_cli("build", "exam", "exam.toml", "--out", "out")
    assert result.returncode == 2 and "negative" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_key_letters_are_the_correct_options_in_the_version_order(tmp_path, qbank_cli):
    choice_exam(tmp_path, "all-or-nothing", '"pdf"')
    assert qbank_cli("build", "exam", "exam.toml", "--out", "out").returncode == 0
    truth = {"test-off": True, "params": False, "scale": True, "faster": False, "ensemble": True, "bias": False}
    for row in key_rows(tmp_path):
        pairs = [pair.split("=") for pair in row["options"].split()]
        assert [letter for letter, ident in pairs if truth[ident]] == (row["exact"].split(",") if row["exact"] else [])
        assert row["asked"] == "choice, all-or-nothing" and row["tolerance"] == ""


# ---------------------------------------------------------------- a whole exam


def mixed_exam(folder: Path) -> Path:
    write(folder, "questions/dropout.toml", CHOICE_FILE.format(extra=""))
    write(folder, "questions/split.toml", WRITTEN_FILE)
    write(folder, "questions/xavier.toml", NUMBER_FILE)
    write(folder, "questions/dropout-one.toml", CHOICE_FILE.format(extra="exactly_one = true"))
    questions = ('[[question]]\nsection = "Part I: Multiple choice"\nfile = "questions/dropout.toml"\npoints = 2\n'
                 '[[question]]\nfile = "questions/dropout-one.toml"\npoints = 2\n'
                 '[[question]]\nfile = "questions/dropout.toml"\npoints = 2\n'
                  '[[question]]\nsection = "Part II: Written and computed"\nfile = "questions/split.toml"\npoints = 3\n'
                  '[[question]]\nfile = "questions/xavier.toml"\npoints = 2\n'
                  '[[question]]\ngenerator = "conv.output_shape"\npoints = 4\n')
    write(folder, "exam.toml", '[exam]\ntitle = "Whole exam"\nversions = 2\nformats = ["pdf", "moodle", "canvas"]\n'
          + questions)
    return folder


@pytest.mark.tex
def test_a_mixed_exam_builds_to_every_format_and_reads_back(tmp_path, qbank_cli):
    mixed_exam(tmp_path)
    result = qbank_cli("build", "exam", "exam.toml", "--out", "out")
    assert result.returncode == 0, result.stderr
    (folder,) = [p for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")]
    rows = key_rows(tmp_path)
    for code in {row["version"] for row in rows}:
        exam = subprocess.run(["pdftotext", "-layout", str(folder / f"exam-{code}.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        key = subprocess.run(["pdftotext", "-layout", str(folder / f"solutions-{code}.pdf"), "-"], capture_output=True,
                             text=True, check=True).stdout
        assert "Part I: Multiple choice" in exam and "Part II: Written and computed" in exam
        assert "Choice questions." in exam and "fill the box" in exam  # the pen rule, once
        assert exam.count("Choice questions.") == 1
        assert "True:" not in exam and "Rubric" not in exam  # nothing of the key on the exam
        assert "Rubric." in key and "validation and test sets from night images only" in key
        for row in rows:
            if row["version"] == code and row["asked"].startswith("choice"):
                assert "True:" in key and "False:" in key
    moodle = (folder / "moodle.xml").read_text(encoding="utf-8")
    assert moodle.count('type="essay"') == 2 and "validation and test sets from night images only" in moodle
    assert moodle.count('type="multichoice"') == 2 * 3
    with zipfile.ZipFile(folder / "canvas-qti.zip") as archive:
        assessment = next(archive.read(n).decode() for n in archive.namelist() if n.count("/") == 1 and "meta" not in n)
    assert assessment.count("essay_question") == 2 and assessment.count("multiple_choice_question") == 2 * 3
