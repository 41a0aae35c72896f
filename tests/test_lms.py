"""Moodle XML and Canvas QTI exports, read back: every field's value, tolerance and points against
the build's own answer key and manifest; every generator's tolerance against what a student types;
hostile titles; the QTI 1.2.1 DTD (a copy of the one published with Canvas's QTI migration tool,
tests/data/ims_qtiasiv1p2p1.dtd)."""

import csv
import subprocess
import html
import html.parser
import json
import math
import re
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import run_qbank
from lxml import etree

from qbank.core import registry
from qbank.core.exact import scalars, to_float
from qbank.exam import plan, spec
from qbank.lms import fields as lms

DTD = Path(__file__).parent / "data" / "ims_qtiasiv1p2p1.dtd"
CLOZE = re.compile(r"\{(\d+):NUMERICAL:=([^:}]*):([^}]*)\}")
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
    """(part, value, tolerance) per field, and the points per part with a field: an answer in words
    is no field (an LMS cannot grade it)."""
    fields, points, given = [], {}, {}
    for part, tolerances, part_points, values in key_rows:
        if part_points is not None:
            given[part] = part_points
        numbers = [(value, t) for value, t in zip(values, tolerances) if not isinstance(value, str)]
        fields += [(part, value, t) for value, t in numbers]
        if numbers:
            points[part] = given[part]
    return fields, points


def assert_fields(found, key_rows):
    """found: (value text, tolerance text or None, weight) per field, in order."""
    fields, points = expected_fields(key_rows)
    assert len(found) == len(fields)
    weights = defaultdict(float)
    for (value, tolerance, weight), (part, expected, expected_tolerance) in zip(found, fields):
        assert math.isclose(float(value), expected, rel_tol=1e-12, abs_tol=1e-12), (value, expected)
        assert len(value.replace("-", "").replace(".", "").lstrip("0")) <= 14 and "," not in value
        assert math.isclose(float(tolerance), expected_tolerance, rel_tol=1e-12, abs_tol=0)
        weights[part] += weight
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
            text = html.unescape(question.findtext("questiontext/text"))
            found = [(value, tolerance, int(weight)) for weight, value, tolerance in CLOZE.findall(text)]
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
            shares = defaultdict(float)
            for blank, (part, value, tolerance) in zip(blanks, fields):
                accepted = [label.findtext("material/mattext") for label in blank.iter("response_label")]
                # the key's value as asked, and only numbers within its tolerance
                assert f"{value:.4f}" in accepted or f"{value:.4f}".rstrip("0").rstrip(".") in accepted
                assert all(abs(float(text) - value) <= tolerance + 1e-12 for text in accepted)
                (share,) = {c.findtext("setvar") for c in item.findall("resprocessing/respcondition")
                            if c.find("conditionvar/varequal").get("respident") == blank.get("ident")}
                shares[part] += float(share)
            total = sum(part_points.values())
            assert all(math.isclose(shares[part], 100 * part_points[part] / total, rel_tol=1e-9) for part in part_points)


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
    label = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>Question</word>\s*<word[^>]*>(\d+)</word>\s*'
                       r'<word[^>]*>\((\w)\):</word>\s*<word[^>]*>answer</word>')
    layouts = set()
    for pdf in sorted(folder.glob("exam-*.pdf")):
        text = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        layout = tuple((page, *found) for page, words in enumerate(text.split("<page ")[1:], 1)
                       for found in label.findall(words))
        questions = json.loads((folder / "manifest.json").read_text())["versions"][0]["questions"]
        assert len(layout) == sum(len(q["part_points"]) for q in questions)  # a box for every part
        layouts.add(layout)
    assert len(layouts) == 1  # the same pages and places in every version


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
