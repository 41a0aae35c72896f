"""Moodle XML and Canvas QTI exports, read back: every field's value, tolerance and points against
the build's own answer key and manifest; every generator's tolerance against what a student types;
hostile titles; the QTI 1.2.1 DTD (a copy of the one published with Canvas's QTI migration tool,
tests/data/ims_qtiasiv1p2p1.dtd)."""

import csv
import html
import html.parser
import json
import math
import re
import zipfile
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import answer_box_layouts, run_qbank
from lxml import etree

from qbank.core import registry
from qbank.core.exact import scalars, to_float
from qbank.exam import plan, spec
from qbank.lms import fields as lms

DTD = Path(__file__).parent / "data" / "ims_qtiasiv1p2p1.dtd"
# a cloze field of either kind: (weight, value, tolerance) of a NUMERICAL, (weight, options) of a menu
CLOZE_FIELD = re.compile(r"\{(\d+):(?:NUMERICAL:=([^:}]*):([^}]*)|MULTICHOICE:((?:\\.|[^\\}])*))\}")
HOSTILE = 'Q&A <1> ]]> "quoted" \\textbf{x} $5 100% #1 a_b {c}'


def build(tmp_path: Path, *args: str) -> Path:
    result = run_qbank("build", "exam", *args, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (folder,) = [p for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")]
    return folder


# the default exam's four questions, one with a single number, one with words for answers and one
# whose vector entries have tolerances of their own
GENERATORS = ("conv.image_kernel", "rnn.relu_derivatives", "lstm.param_count", "bn.statistics", "conv.transposed",
              "lstm.gates", "mlp.backprop")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lms")
    (tmp / "exam.toml").write_text("[exam]\ntitle = 'Deep Learning: Practice Exam'\nversions = 6\nseed = 3\n"
                                   "calculator = true\n" + "".join(
        f"[[question]]\ngenerator = '{gen_id}'\npoints = {n + 4}\n" for n, gen_id in enumerate(GENERATORS)))
    return build(tmp, str(tmp / "exam.toml"), "--format", "moodle,canvas")


def key_and_values(folder: Path):
    """{(code, question): [(part, [tolerance per entry], points or None, [numbers or text])]} from answer-key.csv and
    the manifest's numbers, in the key's order."""
    numbers = {}
    for version in json.loads((folder / "manifest.json").read_text())["versions"]:
        for q in version["questions"]:
            for name, answer in q["variant"]["answers"].items():
                value = answer["value"]
                numbers[(version["code"], q["number"], name)] = list(scalars(_tuples(value)))
    key = defaultdict(list)
    with open(folder / "answer-key.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code, number = row["version"], int(row["question"])
            values = numbers[(code, number, row["answer"])]
            # one number for the answer, or each entry's own (a list shaped like the answer)
            cell = json.loads(row["tolerance"])
            tolerances = list(scalars(cell)) if isinstance(cell, list) else [float(cell)] * len(values)
            key[(code, number)].append((row["part"], tolerances, int(row["points"]) if row["points"] else None, values))
    return key


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def expected_fields(key_rows):
    """(part, value, tolerance) per field, and the points per part: an answer in words is one field
    (a choice), worth its share like a number."""
    fields, points = [], {}
    for part, tolerances, part_points, values in key_rows:
        if part_points is not None:
            points[part] = part_points
        fields += [(part, value, t) for value, t in zip(values, tolerances)]
    return fields, points


def cloze_fields(text: str) -> list[tuple[str, str, int]]:
    """(value, tolerance, weight) per cloze field in order; a menu's value is its option marked =."""
    found = []
    for weight, value, tolerance, options in CLOZE_FIELD.findall(text):
        if options:
            (right,) = [o[1:] for o in re.split(r"(?<!\\)~", options) if o.startswith("=")]
            value, tolerance = re.sub(r"\\(.)", r"\1", right), "0"
        found.append((value, tolerance, int(weight)))
    return found


def assert_fields(found, key_rows):
    """found: (value text, tolerance text or None, weight) per field, in order."""
    fields, points = expected_fields(key_rows)
    assert len(found) == len(fields)
    weights = defaultdict(float)
    for (value, tolerance, weight), (part, expected, expected_tolerance) in zip(found, fields):
        weights[part] += weight
        if isinstance(expected, str):  # a words answer: its right option
            assert value == expected
            continue
        assert math.isclose(float(value), expected, rel_tol=1e-12, abs_tol=1e-12), (value, expected)
        assert len(value.replace("-", "").replace(".", "").lstrip("0")) <= 14 and "," not in value
        assert math.isclose(float(tolerance), expected_tolerance, rel_tol=1e-12, abs_tol=0)
    total = sum(points.values())
    scale = sum(weights.values()) / total
    assert all(math.isclose(weights[part], points[part] * scale) for part in points)


def test_moodle_questions_carry_the_keys_values_tolerances_and_points(exported):
    key = key_and_values(exported)
    root = etree.parse(str(exported / "moodle.xml"), etree.XMLParser(recover=False)).getroot()
    questions = [q for q in root if q.get("type") != "category"]
    categories = {q.findtext("category/text") for q in root if q.get("type") == "category"}
    assert categories == {f"$course$/top/Deep Learning: Practice Exam/Question {n}" for n in range(1, len(GENERATORS) + 1)}
    assert len(questions) == len(key) == 6 * len(GENERATORS)
    assert any(len(set(tolerances)) > 1 for rows in key.values() for _, tolerances, _, _ in rows)  # seen
    assert {q.get("type") for q in questions} == {"numerical", "cloze"}
    gates = [q for q in questions if "lstm.gates" in q.findtext("name/text")]
    assert gates and all("long-term memory" in q.findtext("generalfeedback/text") for q in gates)
    for question in questions:
        code, number = question.findtext("idnumber").split("-")
        rows = key[(code, int(number))]
        assert question.findtext("name/text").startswith("Deep Learning: Practice Exam - Q" + number)
        if question.get("type") == "numerical":
            answer = question.find("answer")
            assert answer.get("fraction") == "100"
            found = [(answer.findtext("text"), answer.findtext("tolerance"), 1)]
        else:
            found = cloze_fields(html.unescape(question.findtext("questiontext/text")))
        assert_fields(found, rows)
        assert "$" not in question.findtext("questiontext/text")  # math, if any, is \\( \\) for MathJax
        assert question.findtext("generalfeedback/text")


def qti(folder: Path) -> etree._Element:
    with zipfile.ZipFile(folder / "canvas-qti.zip") as archive:
        names = archive.namelist()
        (assessment,) = [n for n in names if n.count("/") == 1 and not n.endswith("assessment_meta.xml")]
        assert "imsmanifest.xml" in names and assessment.replace(".xml", "/assessment_meta.xml").split("/")[0]
        etree.fromstring(archive.read("imsmanifest.xml"), etree.XMLParser(recover=False))
        return etree.fromstring(archive.read(assessment), etree.XMLParser(recover=False))


def test_canvas_items_carry_the_keys_values_tolerances_and_points(exported):
    key = key_and_values(exported)
    groups = qti(exported).findall("assessment/section/section")
    assert len(groups) == len(GENERATORS)
    for number, group in enumerate(groups, 1):
        assert group.findtext("selection_ordering/selection/selection_number") == "1"
        points = int(group.findtext("selection_ordering/selection/selection_extension/points_per_item"))
        assert len(group.findall("item")) == 6
        for item in group.findall("item"):
            rows = key[(re.search(r"version (\w{4})", item.get("title")).group(1), number)]
            fields, part_points = expected_fields(rows)
            assert points == sum(part_points.values())
            if item.findtext(".//qtimetadatafield[fieldlabel='question_type']/fieldentry") == "numerical_question":
                ((_, value, tolerance),) = fields
                low, high = float(item.findtext(".//vargte")), float(item.findtext(".//varlte"))
                assert math.isclose(float(item.findtext(".//varequal")), value, rel_tol=1e-12, abs_tol=1e-12)
                assert math.isclose((high - low) / 2, tolerance, rel_tol=1e-9, abs_tol=1e-12)
                continue
            blanks = item.findall("presentation/response_lid")
            assert len(blanks) == len(fields)
            for blank, (part, value, tolerance) in zip(blanks, fields):
                accepted = [label.findtext("material/mattext") for label in blank.iter("response_label")]
                (share,) = {c.findtext("setvar") for c in item.findall("resprocessing/respcondition")
                            if c.find(".//varequal").get("respident") == blank.get("ident")}
                # Canvas weighs every blank alike: the file says so, and so does the key's canvas_points
                assert math.isclose(float(share), 100 / len(blanks), rel_tol=1e-9)
                if isinstance(value, str):  # a words answer: its option, or that option's letter
                    assert value in accepted and any(len(text) == 1 and text.isupper() for text in accepted)
                    continue
                # the key's value as asked, and only numbers within its tolerance
                assert f"{value:.4f}" in accepted or f"{value:.4f}".rstrip("0").rstrip(".") in accepted
                assert all(abs(typed_number(text) - value) <= tolerance + 1e-12 for text in accepted)


def test_the_canvas_assessment_is_valid_qti_1_2_1_but_for_canvas_group_extension(exported):
    root = qti(exported)
    for extension in list(root.iter("selection_extension")):
        extension.getparent().remove(extension)
    dtd = etree.DTD(str(DTD))
    assert dtd.validate(root), dtd.error_log.filter_from_errors()[:3]


def test_hostile_titles_stay_text_in_every_file(tmp_path):
    spec_file = tmp_path / "hostile.toml"
    spec_file.write_text(f"[exam]\ntitle = '''{HOSTILE}'''\ncourse = '''<b>&amp;</b>]]>'''\nversions = 2\n"
                         "formats = ['moodle', 'canvas']\n[[question]]\ngenerator = 'lstm.param_count'\npoints = 3\n",
                         encoding="utf-8")
    folder = build(tmp_path, str(spec_file))
    moodle = etree.parse(str(folder / "moodle.xml"), etree.XMLParser(recover=False)).getroot()
    assert moodle.find("question/category/text").text == f"$course$/top/{HOSTILE}/Question 1"
    assert all(q.findtext("name/text").startswith(HOSTILE) for q in moodle if q.get("type") != "category")
    root = qti(folder)
    assert root.find("assessment").get("title") == HOSTILE
    with zipfile.ZipFile(folder / "canvas-qti.zip") as archive:
        (meta,) = [n for n in archive.namelist() if n.endswith("assessment_meta.xml")]
        parsed = etree.fromstring(archive.read(meta), etree.XMLParser(recover=False))
        # the description is HTML: its text, not its markup, is the course
        assert parsed.findtext("{*}title") == HOSTILE
        assert html.unescape(parsed.findtext("{*}description")) == "<b>&amp;</b>]]>"
        assert "<" not in parsed.findtext("{*}description")


@pytest.mark.parametrize("gen_id", sorted(registry.registry()))
def test_each_field_accepts_the_rounded_answer_and_refuses_one_twice_the_tolerance_off(gen_id):
    """Over 30 versions: the value and the value rounded to 4 places are inside Moodle's tolerance
    and among Canvas's accepted spellings; the value moved by twice the tolerance and a step is in
    neither."""
    exam = spec.ExamSpec("test", "", "LMS", "", "", "", 11, 30, None, (spec.QuestionSpec((gen_id,), 10),),
                         calculator=True)
    checked = 0
    for version in plan.iter_plan(exam):
        for part in lms.parts(version.questions[0]):
            for entry in part.entries:
                if entry.options:  # a words answer: the right option's letter, never a wrong one's
                    letters = [t for t in lms.choice_texts(entry) if len(t) == 1]
                    assert letters == [lms.LETTERS[entry.options.index(entry.value)], letters[0].lower()]
                    continue
                accepted = lms.accepted_texts(entry)
                value, tolerance = to_float(entry.exact), float(entry.tolerance)
                assert abs(float(entry.value) - value) <= 1e-12 * max(1, abs(value))
                rounded = round(value, 4)
                assert abs(rounded - float(entry.value)) <= tolerance or rounded == float(entry.value)
                assert f"{rounded:.4f}" in accepted or f"{rounded:.4f}".rstrip("0").rstrip(".") in accepted
                moved = value + 2 * tolerance + max(1e-4, 8 * math.ulp(value))  # a step a float can hold
                assert abs(moved - float(entry.value)) > tolerance
                assert f"{moved:.4f}" not in accepted and f"{moved:.4f}".rstrip("0").rstrip(".") not in accepted
                checked += 1
    assert checked >= 30


def test_the_same_build_gives_the_same_bytes_and_the_manifest_rebuilds_them(exported, tmp_path):
    (tmp_path / "again").mkdir()
    again = build(tmp_path / "again", str(exported.parent.parent / "exam.toml"), "--format", "canvas,moodle")
    for name in ("moodle.xml", "canvas-qti.zip", "manifest.json"):
        assert (again / name).read_bytes() == (exported / name).read_bytes(), name
    assert json.loads((exported / "manifest.json").read_text())["exam"]["formats"] == ["moodle", "canvas"]
    (tmp_path / "rebuilt").mkdir()
    rebuilt = build(tmp_path / "rebuilt", "--from-manifest", str(exported / "manifest.json"))
    assert sorted(p.name for p in rebuilt.iterdir()) == sorted(p.name for p in exported.iterdir())
    assert (rebuilt / "moodle.xml").read_bytes() == (exported / "moodle.xml").read_bytes()
    assert (rebuilt / "canvas-qti.zip").read_bytes() == (exported / "canvas-qti.zip").read_bytes()


@pytest.mark.parametrize("args, spec_line, message", [
    (("--format", "pdf,blackboard"), "", "--format: unknown format 'blackboard'; choose from pdf, moodle, canvas"),
    ((), "formats = 'moodle'", "[exam] formats must be a list of format names"),
    ((), "formats = []", "[exam] formats must be a list of format names"),
    ((), "formats = ['moodle', 'xml']", "[exam] formats: unknown format 'xml'"),
])
def test_an_unknown_format_is_one_line_and_builds_nothing(args, spec_line, message, tmp_path):
    (tmp_path / "exam.toml").write_text(f"[exam]\ntitle = 'F'\n{spec_line}\n[[question]]\ngenerator = 'rnn.params'\n"
                                        "points = 2\n")
    result = run_qbank("build", "exam", str(tmp_path / "exam.toml"), *args, "--out", str(tmp_path / "out"),
                       cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "f").exists()


def test_fixed_layout_puts_every_answer_box_of_every_version_on_the_same_page_at_the_same_place(tmp_path):
    """Read back with pdftotext -bbox: each "Question N (x): answer" box label sits on the same page
    at the same coordinates in every version, and the versions have the same number of pages."""
    (tmp_path / "exam.toml").write_text(
        "[exam]\ntitle = 'Fixed'\nversions = 5\nseed = 9\nfixed_layout = true\n" + "".join(
            f"[[question]]\ngenerator = '{gen_id}'\npoints = 5\n" for gen_id in
            ("conv.image_kernel", "rnn.relu_derivatives", "bn.statistics", "conv.transposed")))
    folder = build(tmp_path, str(tmp_path / "exam.toml"))
    assert len(answer_box_layouts(folder)) == 1  # the same pages and places in every version


SCRIPTS = ['<img src=x onerror="alert(document.cookie)">', "<script>alert(1)</script>", "AT&T < 5",
           "&lt;b&gt;", "]]><svg onload=alert(1)>", '" onmouseover="alert(1)', "a/b//c", "&#60;script&#62;"]


class _Markup(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = set()

    def handle_starttag(self, tag, attrs):
        self.found |= {tag} | {f"{tag}[{name}]" for name, _ in attrs}


def markup(text: str) -> set[str]:
    parser = _Markup()
    parser.feed(text)
    return parser.found


def html_fields(folder: Path) -> list[str]:
    """Every text an LMS renders as HTML: Moodle's html-format fields, Canvas's text/html
    mattext and the quiz description."""
    moodle = etree.parse(str(folder / "moodle.xml")).getroot()
    texts = [node.findtext("text") or "" for node in moodle.iter() if node.get("format") == "html"]
    texts += [node.text or "" for node in qti(folder).iter("{*}mattext", "mattext") if node.get("texttype") == "text/html"]
    with zipfile.ZipFile(folder / "canvas-qti.zip") as archive:
        (meta,) = [n for n in archive.namelist() if n.endswith("assessment_meta.xml")]
        texts.append(etree.fromstring(archive.read(meta)).findtext("{*}description") or "")
    return texts


def test_no_spec_text_becomes_markup_in_any_lms_field(tmp_path):
    """The hostile strings through every text field of the spec: the HTML an LMS renders holds
    no element or attribute that a plain build lacks (a course reached Canvas as live HTML)."""
    def fields_of(text: str, name: str) -> tuple[set, list[str]]:
        folder = tmp_path / name
        folder.mkdir()
        toml = lambda value: json.dumps(value)  # noqa: E731 (a JSON string is a TOML basic string)
        (folder / "exam.toml").write_text(
            f"[exam]\ntitle = {toml(text)}\ncourse = {toml(text)}\ndate = {toml(text)}\n"
            f"instructions = {toml(text)}\nduration = {toml(text)}\nversions = 2\nformats = ['moodle', 'canvas']\n"
            "[[question]]\ngenerator = 'lstm.param_count'\npoints = 3\n"
            "[[question]]\ngenerator = 'conv.image_kernel'\npoints = 4\n", encoding="utf-8")
        texts = html_fields(build(folder, str(folder / "exam.toml")))
        return set().union(*map(markup, texts)), texts

    plain, _ = fields_of("Deep Learning", "plain")
    hostile, texts = fields_of(" ".join(SCRIPTS), "hostile")
    assert hostile <= plain, f"introduced: {sorted(hostile - plain)}"
    assert any("AT&amp;T &lt; 5" in text for text in texts)  # the course is there, as text


def quiz_identifier(folder: Path) -> str:
    with zipfile.ZipFile(folder / "canvas-qti.zip") as archive:
        (meta,) = [n for n in archive.namelist() if n.endswith("assessment_meta.xml")]
        return etree.fromstring(archive.read(meta)).get("identifier")


def test_the_canvas_quiz_identifier_changes_with_anything_that_makes_another_quiz(tmp_path):
    """Two rosters (or seeds, or version counts) of one spec are two quizzes: Canvas must not take
    the second import for an update of the first."""
    def identifier_of(name: str, exam: str, students: str = "") -> str:
        folder = tmp_path / name
        folder.mkdir()
        if students:
            (folder / "students.csv").write_text(students)
        (folder / "exam.toml").write_text("[exam]\ntitle = 'Quiz'\nformats = ['canvas']\n" + exam +
                                          "[[question]]\ngenerator = 'lstm.param_count'\npoints = 3\n")
        return quiz_identifier(build(folder, str(folder / "exam.toml")))

    roster = "roster = 'students.csv'\n"
    found = [identifier_of("a", roster, "id,name\ns1,Ada\ns2,Alan\n"), identifier_of("b", roster, "id,name\ns3,Grace\n"),
             identifier_of("c", "versions = 2\nseed = 1\n"), identifier_of("d", "versions = 3\nseed = 1\n"),
             identifier_of("e", "versions = 2\nseed = 2\n")]
    assert len(set(found)) == len(found)
    assert identifier_of("f", "versions = 2\nseed = 1\n") == found[2]  # the same build, the same quiz


# The macros and environments qbank's LMS math may use: each is in MathJax 2.7's TeX input with
# its AMS extensions (what Moodle 4.5 and Canvas render with). \allowbreak and \tag are not (a
# red error in place of the formula); anything new must be checked there before it joins the list.
MATHJAX_MACROS = {
    r"\Big", r"\approx", r"\begin", r"\beta", r"\big", r"\bigl", r"\bigr", r"\cdot", r"\dots", r"\end", r"\eta",
    r"\frac", r"\gamma", r"\ge", r"\hat", r"\in", r"\infty", r"\lambda", r"\le", r"\left", r"\leftarrow",
    r"\lfloor", r"\ln", r"\log", r"\mathbb", r"\mathrm", r"\max", r"\mu", r"\nabla", r"\odot", r"\operatorname",
    r"\partial", r"\prod", r"\qquad", r"\quad", r"\rfloor", r"\right", r"\sigma", r"\sqrt", r"\sum", r"\tanh",
    r"\text", r"\theta", r"\tilde", r"\times", r"\to", r"\top", r"\varepsilon", r"\xi", r"\alpha", r"\epsilon",
    r"\lVert", r"\rVert", r"\|", r"\min", r"\exp", r"\sim", r"\ldots", r"\cdots", r"\mathcal", r"\pm", r"\neq",
}
MATHJAX_ENVIRONMENTS = {"aligned", "bmatrix", "pmatrix", "matrix", "array", "cases"}


def test_every_lms_formula_of_every_generator_is_one_mathjax_renders(tmp_path):
    """All 49 generators through Moodle XML and Canvas QTI: every formula in every HTML field
    uses only macros and environments MathJax 2.7 knows, no double subscript (W_2_{1,1}), balanced
    braces."""
    questions = "".join(f"[[question]]\ngenerator = '{gen_id}'\npoints = 10\n" for gen_id in sorted(registry.registry()))
    (tmp_path / "all.toml").write_text("[exam]\ntitle = 'All'\nversions = 2\nseed = 31\ncalculator = true\n"
                                       + questions)
    folder = build(tmp_path, str(tmp_path / "all.toml"), "--format", "moodle,canvas")
    formulas = [m.group(1) or m.group(2) for text in html_fields(folder)
                for m in re.finditer(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", html.unescape(text), re.S)]
    assert len(formulas) > 4000
    for formula in formulas:
        assert set(re.findall(r"\\[A-Za-z]+|\\\|", formula)) <= MATHJAX_MACROS, formula
        assert set(re.findall(r"\\(?:begin|end)\{(\w+)\}", formula)) <= MATHJAX_ENVIRONMENTS, formula
        assert not re.search(r"_(?:\{[^{}]*\}|\\?\w)_", formula), f"double subscript: {formula}"
        depth = 0
        for char in re.sub(r"\\[{}]", "", formula):
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0, formula
        assert depth == 0, formula


def test_the_keys_canvas_points_are_what_canvas_scores_each_answer(exported):
    """Canvas scores a blank as 1/N of its item: answer-key.csv's canvas_points gives each answer
    its fields' share of the question's points, so a grader reads there what Canvas gives."""
    key = key_and_values(exported)
    canvas = defaultdict(list)
    with open(exported / "answer-key.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            canvas[(row["version"], int(row["question"]))].append(float(row["canvas_points"]))
    for number, group in enumerate(qti(exported).findall("assessment/section/section"), 1):
        points = int(group.findtext("selection_ordering/selection/selection_extension/points_per_item"))
        for item in group.findall("item"):
            code = re.search(r"version (\w{4})", item.get("title")).group(1)
            blanks = max(len(item.findall("presentation/response_lid")), 1)  # a numerical item: one field
            rows = key[(code, number)]
            assert math.isclose(sum(canvas[(code, number)]), points, abs_tol=1e-3 * len(rows))
            for (_, _, _, values), share in zip(rows, canvas[(code, number)]):
                assert math.isclose(share, points * len(values) / blanks, abs_tol=5e-5)


def test_a_part_answered_in_words_is_a_choice_in_both_lms_worth_its_points(tmp_path):
    """lstm.gates's 'what does c_t hold' and optim.critical_points's 'which kind': the prompt is in
    both LMSs; Moodle offers the generator's options as a menu weighted by the part's points, Canvas
    lists them lettered and its blank takes the right letter."""
    (tmp_path / "exam.toml").write_text("[exam]\ntitle = 'Words'\nversions = 3\ncalculator = true\n"
                                        "[[question]]\ngenerator = 'lstm.gates'\npoints = 8\n"
                                        "[[question]]\ngenerator = 'optim.critical_points'\npoints = 8\n")
    folder = build(tmp_path, str(tmp_path / "exam.toml"), "--format", "moodle,canvas")
    root = etree.parse(str(folder / "moodle.xml")).getroot()
    questions = [q for q in root if q.get("type") == "cloze"]
    assert len(questions) == 6
    for question in questions:
        text = html.unescape(question.findtext("questiontext/text"))
        assert "What does" in text or "minimum, a maximum or a saddle" in text  # the words part's prompt
        menus = re.findall(r"\{(\d+):MULTICHOICE:((?:\\.|[^\\}])*)\}", text)
        assert len(menus) == 1 and menus[0][1].count("=") == 1
        assert ("long-term memory" in menus[0][1]) or ("saddle" in menus[0][1])
    for item in qti(folder).iter("item"):
        text = html.unescape(item.findtext("presentation/material/mattext"))
        assert "Type the letter of your answer" in text and "(A)" in text and "(B)" in text


# --- Canvas: what its importer stores as HTML, and what its blanks accept --------------------------
# Canvas imports QTI 1.2 through Instructure's QTIMigrationTool, then its own Ruby converter. The tool
# (lib/imsqtiv1.py, MatText.MakeText and FlowV1.CloseObject) passes a text/html mattext on as escaped
# HTML in a <div class="html"> and a text/plain one as <div class="text">; one text/plain mattext in a
# flow makes the whole flow "text". Canvas's Qti::HtmlHelper#detect_html then keeps feedback as text
# (shown escaped) for a "text" div, and for an "html" one where, after dropping blank text and <br> at
# either end and stepping into a lone <p>, <div> or <span> without attributes, one text node is all
# that is left: a one-paragraph worked solution.
CANVAS_UNWRAPPED = {"p", "div", "span"}
CANVAS_META_CLASSES = {"FORMATTED_TEXT_BLOCK", "flow_1"}  # unwrapped despite their class


def _nodes(element) -> list:
    """An element's children with its text and tails as strings, in order."""
    nodes = [element.text] if element.text else []
    for child in element:
        nodes += [child] + ([child.tail] if child.tail else [])
    return nodes


def _trimmed(element) -> list:
    nodes = _nodes(element)
    blank = lambda n: (n.strip() == "") if isinstance(n, str) else n.tag == "br"  # noqa: E731
    while nodes and blank(nodes[0]):
        nodes.pop(0)
    while nodes and blank(nodes[-1]):
        nodes.pop()
    return nodes


def canvas_keeps_as_html(html_text: str) -> bool:
    """detect_html's verdict on a text/html mattext (no import flavor, as a QTI .zip import runs)."""
    from lxml import html as lxml_html

    node = lxml_html.fragment_fromstring(html_text, create_parent="fragment")
    while True:
        nodes = _trimmed(node)
        if len(nodes) != 1 or isinstance(nodes[0], str) or nodes[0].tag not in CANVAS_UNWRAPPED:
            break
        if nodes[0].attrib and nodes[0].get("class") not in CANVAS_META_CLASSES:
            break
        node = nodes[0]
    nodes = _trimmed(node)
    return bool(nodes) and not (len(nodes) == 1 and isinstance(nodes[0], str))


@pytest.fixture(scope="module")
def every_generator(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("canvas_all")
    questions = "".join(f"[[question]]\ngenerator = '{gen_id}'\npoints = 10\n"
                        for gen_id in sorted(registry.registry()))
    (tmp / "all.toml").write_text("[exam]\ntitle = 'All'\nversions = 2\nseed = 31\ncalculator = true\n" + questions)
    return build(tmp, str(tmp / "all.toml"), "--format", "canvas")


def test_canvas_stores_every_worked_solution_and_statement_of_every_generator_as_html(every_generator):
    items = list(qti(every_generator).iter("item"))
    assert len(items) == 2 * len(registry.registry())
    # the rule, on what it was found on: a one-paragraph solution is text, a boxed one HTML
    assert not canvas_keeps_as_html(r"<div>\[ Y = \begin{bmatrix}1 &amp; 2\end{bmatrix} \]</div>")
    assert not canvas_keeps_as_html("<p> <span>3 &lt; 4</span><br></p>")
    assert canvas_keeps_as_html(r'<div class="qbank"><div>\(1 &amp; 2\)</div></div>')
    assert canvas_keeps_as_html("<div>one</div><div>two</div>") and canvas_keeps_as_html("<div>a<br>b</div>")
    for item in items:
        flows = [item.find("presentation"), item.find("itemfeedback/flow_mat")]
        assert flows[1] is not None, item.get("title")
        for flow in flows:
            # a text/plain mattext beside them would turn the whole flow into text
            (mattext,) = [m for m in flow.iterfind("material/mattext")]
            assert mattext.get("texttype") == "text/html", item.get("title")
            assert canvas_keeps_as_html(mattext.text), (item.get("title"), mattext.text[:200])


PLACES = 4
STEP = Fraction(1, 10**PLACES)


def typed_number(text: str) -> Fraction:
    """The number a blank's text means as Canvas compares it (trimmed, any case), with the Unicode
    minus, a leading + and an index's symbol (g3, g_3, g_{3}) read as a student means them."""
    text = text.strip().lower().replace("\u2212", "-")
    text = re.sub(r"^[a-z]_?(\{\d+\}|\d+)$", lambda m: m.group(1).strip("{}"), text)
    return Fraction(text)


def spellings_of(value: Fraction, symbol: str = "") -> set[str]:
    """Every way a student types a number with 0 to PLACES decimals: trailing zeros, a leading + or
    none, with or without the leading zero, the ASCII or the Unicode minus, -0 forms of zero; an index
    also with its symbol. Built apart from fields.accepted_texts, by rewriting written forms."""
    forms = set()
    for places in range(PLACES + 1):
        written = f"{Decimal(abs(value.numerator)) / Decimal(value.denominator):.{places}f}"
        if Fraction(written) != abs(value):
            continue
        for digits in {written, re.sub(r"^0\.", ".", written)}:
            signs = ["-", "\u2212"] if value < 0 else ["", "+"] + (["-"] if value == 0 else [])
            forms |= {sign + digits for sign in signs}
    if symbol and value.denominator == 1 and value >= 0:
        forms |= {f"{symbol}{value}", f"{symbol}_{value}", f"{symbol}_{{{value}}}"}
    return forms


def _grid(entry) -> tuple[Fraction, Fraction, list[Fraction]]:
    """The entry's centre and tolerance, and every number with at most PLACES decimals within it."""
    x, tolerance = Fraction(str(to_float(entry.exact))), Fraction(entry.tolerance)
    low, high = math.ceil((x - tolerance) / STEP), math.floor((x + tolerance) / STEP)
    return x, tolerance, [k * STEP for k in range(low, high + 1)]


@pytest.mark.parametrize("gen_id", sorted(registry.registry()))
def test_a_canvas_blank_accepts_every_spelling_of_every_value_within_its_tolerance_and_nothing_past(gen_id):
    """Over 20 versions: every blank lists each value within the tolerance in every spelling with 0 to
    4 decimals (at most MAX_SPELLINGS texts: the bank's tolerances never reach it), each listed text
    means a number within the tolerance, and the values one step past either end are refused in
    every spelling."""
    exam = spec.ExamSpec("test", "", "LMS", "", "", "", 13, 20, None, (spec.QuestionSpec((gen_id,), 10),),
                         calculator=True)
    checked = 0
    for version in plan.iter_plan(exam):
        for entry in (e for part in lms.parts(version.questions[0]) for e in part.entries if not e.options):
            accepted = lms.accepted_texts(entry)
            assert len(accepted) == len(set(accepted)) <= lms.MAX_SPELLINGS
            x, tolerance, values = _grid(entry)
            assert values, entry
            expected = set().union(*(spellings_of(v, entry.symbol) for v in values))
            assert expected == set(accepted), (entry.value, sorted(expected ^ set(accepted))[:6])
            for text in accepted:
                assert abs(typed_number(text) - x) <= tolerance, (entry.value, text)
                assert len(text.partition(".")[2]) <= PLACES and "," not in text
            for outside in (values[0] - STEP, values[-1] + STEP):
                assert abs(outside - x) > tolerance
                assert not spellings_of(outside, entry.symbol) & set(accepted), (entry.value, outside)
            checked += 1
    assert checked >= 20


def test_the_spellings_canvas_refused_are_accepted_and_a_wide_tolerance_stays_bounded():
    """The typings Canvas marked wrong, now listed; a tolerance wide enough for thousands of values
    lists at most MAX_SPELLINGS texts, all within it, the nearest values first."""
    import sympy

    def entry(exact, tolerance="0", symbol=""):
        return lms.Entry("x", lms.number(float(exact)), tolerance, Fraction(1), sympy.nsimplify(exact),
                         symbol=symbol)

    assert {"-1.270", "-1.27", "-1.2700", "\u22121.27", "\u22121.270"} <= set(lms.accepted_texts(entry("-1.27")))
    assert {"0.50", "0.5", ".5", "+.5", "+0.5000", ".500"} <= set(lms.accepted_texts(entry("0.5")))
    assert {"-.5", "\u2212.5", "-0.50"} <= set(lms.accepted_texts(entry("-0.5")))
    assert {"2156.0", "2156", "+2156", "2156.0000"} <= set(lms.accepted_texts(entry("2156")))
    assert {"0", "-0", "-0.0", "-0.0000", "+0", ".0", "-.00"} <= set(lms.accepted_texts(entry("0")))
    assert {"3", "g3", "g_3", "g_{3}", "3.0"} <= set(lms.accepted_texts(entry("3", symbol="g")))
    assert "g3" not in lms.accepted_texts(entry("3"))
    assert not {"0.50000", "2156.00000", "1/2", "0,5"} & set(lms.accepted_texts(entry("0.5")) + lms.accepted_texts(
        entry("2156")))
    wide = lms.accepted_texts(entry("3.5", tolerance="0.5"))
    assert len(wide) == lms.MAX_SPELLINGS
    assert all(abs(typed_number(text) - Fraction(7, 2)) <= Fraction(1, 2) for text in wide)
    assert wide[:2] == ["3.5", "3.5000"] and {"3.4999", "3.5001"} <= set(wide)


def test_lstm_gates_accepts_a_gate_as_its_index_or_its_name(every_generator):
    """lstm.gates declares its gate answers as indices of g: the package lists 3, g3 and g_3."""
    items = [i for i in qti(every_generator).iter("item") if "lstm.gates" in i.get("title")]
    assert items
    for item in items:
        lists = [[label.findtext("material/mattext") for label in blank.iter("response_label")]
                 for blank in item.iter("response_lid")]
        gates = [texts for texts in lists if any(t.startswith("g") for t in texts)]
        assert len(gates) == 3
        for texts in gates:
            (index,) = {t for t in texts if t.isdigit()}
            assert {f"g{index}", f"g_{index}", f"g_{{{index}}}"} <= set(texts)


def test_a_canvas_item_with_number_blanks_says_how_to_type_them(every_generator):
    """Where blanks match typed numbers, the statement says: a dot, at most 4 decimal places; and no
    listed text needs more, or a comma."""
    for item in qti(every_generator).iter("item"):
        kind = item.findtext(".//qtimetadatafield[fieldlabel='question_type']/fieldentry")
        if kind != "fill_in_multiple_blanks_question":
            continue
        texts = [label.findtext("material/mattext") for label in item.iter("response_label")]
        numbers = [t for t in texts if re.fullmatch(r"[-+\u2212]?\d*\.?\d*", t)]
        statement = item.findtext("presentation/material/mattext")
        if numbers:
            assert f"a dot as the decimal point and at most {PLACES} decimal places" in statement, item.get("title")
        assert all(len(t.partition(".")[2]) <= PLACES and "," not in t for t in numbers)
