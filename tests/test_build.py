"""Exam builds with a real TeX engine, read back with pdftotext and pdftoppm."""

import csv
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import run_qbank

from qbank import build as building
from qbank.core import registry
from qbank.exam import plan, spec
from qbank.output import manifest
from qbank.paper.compile import compile_pdf, find_pdflatex, tex_environment
from qbank.paper import typeset
from qbank.paper.latex import _answer_line, exam_document

pytestmark = pytest.mark.tex
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "example-spec.toml"
EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}


def build(out, *args, env_extra=None):
    env = os.environ | (env_extra or {})
    result = run_qbank("build", "exam", *args, "--out", str(out), cwd=out.parent, env=env)
    assert result.returncode == 0, result.stderr
    (folder,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    return folder


def pdf_text(path: Path) -> str:
    """The PDF's text in physical layout, so every matrix row stays on one line."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.replace("\u2212", "-")


def numbers(text: str) -> list[str]:
    return re.findall(r"-?\d+", text)


def printed(value: int) -> list[str]:
    """How an integer reads back from a PDF: in groups of three digits from five digits on."""
    return [str(value)] if abs(value) < 10_000 else f"{value:,}".split(",")


def contains_run(haystack: list[str], needle: list[str]) -> bool:
    return any(haystack[i:i + len(needle)] == needle for i in range(len(haystack) - len(needle) + 1))


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def default_build(tmp_path_factory):
    return build(tmp_path_factory.mktemp("default") / "output", env_extra=EPOCH)


@pytest.fixture(scope="module")
def default_manifest(default_build):
    return json.loads((default_build / "manifest.json").read_text())


def test_default_build_makes_every_file(default_build, default_manifest):
    codes = [v["code"] for v in default_manifest["versions"]]
    assert len(codes) == 3
    expected = {"all-exams.pdf", "all-solutions.pdf", "all-summaries.pdf", "key-by-question.pdf", "answer-key.csv",
                "index.csv", "manifest.json", "tex", ".qbank-build"}
    expected |= {f"{kind}-{code}.pdf" for kind in ("exam", "solutions", "summary") for code in codes}
    assert {p.name for p in default_build.iterdir()} == expected
    # one TeX run typesets every version's exam, one every key, one every summary, one the key by
    # question: their sources are what ran
    assert {p.name for p in (default_build / "tex").iterdir()} == {
        "batch-001-exam.tex", "batch-001-solutions.tex", "batch-001-summary.tex", "key-by-question.tex"}


def test_exam_pdfs_show_title_code_questions_and_pages_but_no_answers(default_build, default_manifest):
    for version in default_manifest["versions"]:
        text = pdf_text(default_build / f"exam-{version['code']}.pdf")
        assert "Deep Learning: Practice Exam" in text and version["code"] in text
        assert "Name:" in text and "Student ID:" in text and "Instructions." in text
        assert re.search(r"Page 1 of (\d+)", text)
        for q in version["questions"]:
            assert f"Question {q['number']}" in text and f"({q['points']} points)" in text
        assert "Answer:" not in text and "Worked solution" not in text
        tokens = numbers(text)
        for q in version["questions"]:
            for name, answer in q["variant"]["answers"].items():
                flat = [str(x) for x in _flatten(answer["value"])]
                if len(flat) >= 4 and all(isinstance(x, int) for x in _flatten(answer["value"])):
                    assert not contains_run(tokens, flat), f"{version['code']} exam shows answer {name}"


def test_solution_pdfs_show_every_integer_answer(default_build, default_manifest):
    for version in default_manifest["versions"]:
        text = pdf_text(default_build / f"solutions-{version['code']}.pdf")
        assert "Solutions" in text and version["code"] in text and "Worked solution" in text
        tokens = numbers(text)
        for q in version["questions"]:
            for name, answer in q["variant"]["answers"].items():
                values = list(_flatten(answer["value"]))
                if all(isinstance(x, int) for x in values):
                    assert contains_run(tokens, [t for x in values for t in printed(x)]), \
                        f"{version['code']}: {name} missing"


def _flatten(value):
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


def test_merged_pdfs_start_every_version_on_an_odd_page(default_build, default_manifest):
    for kind in ("exam", "solutions"):
        starts, page = [], 1
        for version in default_manifest["versions"]:
            starts.append(page)
            pages = _pages(default_build / f"{kind}-{version['code']}.pdf")
            page += pages + pages % 2
        assert all(start % 2 == 1 for start in starts)
        assert _pages(default_build / f"all-{kind}s.pdf" if kind == "exam" else default_build / "all-solutions.pdf") == page - 1


def test_every_document_has_an_even_page_count_and_its_blank_page_says_so(tmp_path):
    spec_file = tmp_path / "pad.toml"  # a cover and a question of a page and a bit: 3 pages, so one blank
    spec_file.write_text("[exam]\ntitle = 'Pad'\nversions = 2\n[[question]]\ngenerator = 'conv.image_kernel'\n"
                         "points = 5\n")
    folder = build(tmp_path / "output", str(spec_file))
    padded = 0
    # what is printed duplex, one student a sheet (a grader's summary is one page; the key by question
    # is read, not handed out)
    for pdf in sorted(p for p in folder.glob("*-*.pdf") if p.name.startswith(("exam", "solutions", "all-exams",
                                                                               "all-solutions"))):
        pages = pdf_text(pdf).split("\f")[:-1]
        assert len(pages) % 2 == 0, pdf.name
        for page in pages:
            if "intentionally left blank" in page:
                padded += 1
                assert "version" in page.lower() and re.search(r"Page \d+ of \d+", page)  # the footer is there too
    assert padded  # this exam needed blank pages


def test_letter_paper_makes_every_pdf_letter_sized_merged_ones_too(tmp_path):
    spec_file = tmp_path / "letter.toml"
    spec_file.write_text("[exam]\ntitle = 'Letter'\nversions = 2\npaper = 'letter'\nduration = '50 minutes'\n"
                         "[[question]]\ngenerator = 'lstm.param_count'\npoints = 2\n")
    folder = build(tmp_path / "output", str(spec_file))
    for pdf in sorted(folder.glob("*.pdf")):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
        assert abs(width - 612) < 0.01 and abs(height - 792) < 0.01, (pdf.name, width, height)  # not scaled
    cover = pdf_text(next(folder.glob("exam-*.pdf"))).split("\f")[0]
    assert "Time allowed: 50 minutes" in cover and "Score" in cover and "Total" in cover


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def test_a_page_renders_to_an_image_with_ink(default_build, default_manifest, tmp_path):
    code = default_manifest["versions"][0]["code"]
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(default_build / f"exam-{code}.pdf"),
                    str(tmp_path / "page")], check=True)
    (png,) = tmp_path.glob("page*.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000  # a blank A4 page at 30 dpi is far smaller


def test_answer_key_rows_match_the_manifest_and_points_add_up(default_build, default_manifest):
    with (default_build / "answer-key.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["version", "student_id", "question", "part", "answer", "label", "label_tex", "exact",
                             "decimal", "asked", "tolerance", "points", "canvas_points", "options", "rubric"]
    labelled = {r["answer"]: r["label_tex"] for r in rows if r["label_tex"]}
    assert labelled["h"] in ("h_1, h_2", "h_1, h_2, h_3") and labelled["mean"].startswith(r"\mu_1")
    assert {r["answer"]: r["label"] for r in rows}["mean"].startswith("μ₁, μ₂")  # plain text (test_grader_keys)
    questions = {(v["code"], q["number"]): q for v in default_manifest["versions"] for q in v["questions"]}
    assert {(r["version"], int(r["question"])) for r in rows} == set(questions)
    for row in rows:
        stored = questions[(row["version"], int(row["question"]))]["variant"]["answers"][row["answer"]]["exact"]
        assert row["exact"] == json.dumps(stored).replace('"', "")
    for version in default_manifest["versions"]:
        assert sum(int(r["points"] or 0) for r in rows if r["version"] == version["code"]) == 30
        assert abs(sum(float(r["canvas_points"]) for r in rows if r["version"] == version["code"]) - 30) < 1e-3


def test_same_seed_builds_are_byte_identical(default_build, tmp_path):
    again = build(tmp_path / "output", env_extra=EPOCH)
    assert files(again) == files(default_build)


def test_a_different_seed_gives_different_variants():
    default = spec.load(None)
    first = plan.plan(default)
    other = plan.plan(spec.with_overrides(default, None, default.seed + 1))
    assert [v.code for v in first] != [v.code for v in other]
    for a, b in zip(first, other):
        assert [q.variant.params for q in a.questions] != [q.variant.params for q in b.questions]


def test_rebuilding_from_the_manifest_gives_the_same_answers_and_pdfs(default_build, tmp_path):
    _, versions = manifest.load(default_build / "manifest.json")
    stored = json.loads((default_build / "manifest.json").read_text())
    for version, data in zip(versions, stored["versions"]):
        for q, qdata in zip(version.questions, data["questions"]):
            assert q.variant.to_json() == qdata["variant"]
    rebuilt = build(tmp_path / "output", "--from-manifest", str(default_build / "manifest.json"), env_extra=EPOCH)
    for name, content in files(default_build).items():
        if name.endswith(".pdf") or name.endswith(".tex") or name == "answer-key.csv":
            assert files(rebuilt)[name] == content, name


def test_the_readme_example_spec_builds_one_version_per_student(tmp_path):
    folder = build(tmp_path / "output", str(EXAMPLE))
    data = json.loads((folder / "manifest.json").read_text())
    assert [v["student"]["id"] for v in data["versions"]] == ["s1001", "s1002", "s1003"]
    for version in data["versions"]:
        text = pdf_text(folder / f"exam-{version['code']}.pdf")
        assert version["student"]["name"] in text and version["student"]["id"] in text
        conv = version["questions"][0]
        assert conv["part_points"] == [2, 4, 3, 3]
        assert (conv["variant"]["params"]["stride"], conv["variant"]["params"]["padding"]) == (1, 0)
        assert version["questions"][1]["variant"]["generator"] in ("attn.kv_cache", "gru.param_count", "rnn.params")
    result = run_qbank("show-version", data["versions"][1]["code"], "--spec", str(EXAMPLE))
    assert result.returncode == 0 and "s1002" in result.stdout
    assert data["versions"][1]["questions"][2]["variant"]["answers"]["total"]["exact"] in result.stdout


def test_spec_text_prints_literally_and_never_runs_tex(tmp_path):
    hostile = r"\input{/etc/passwd} 50% & $x_1$ #1 ~ ^ _ {}"
    spec_file = tmp_path / "hostile.toml"
    spec_file.write_text(
        "[exam]\ntitle = '" + hostile + "'\ncourse = '" + hostile + "'\nversions = 1\n"
        "instructions = '" + hostile + "'\nhonour_line = '" + hostile + "'\n"
        "[[question]]\ngenerator = 'lstm.param_count'\npoints = 4\n")
    folder = build(tmp_path / "output", str(spec_file))
    (exam,) = folder.glob("exam-*.pdf")
    text = pdf_text(exam)
    assert text.count(hostile) >= 3 and "Signature:" in text  # title, course, instructions, the pledge
    assert "root:" not in text
    # the manifest keeps the pledge, so a rebuild prints it again
    assert json.loads((folder / "manifest.json").read_text())["exam"]["honour_line"] == hostile


@pytest.mark.parametrize("script", ["", " Γιώργος"], ids=["pdflatex", "lualatex"])
def test_spec_text_prints_as_typed_without_tex_ligatures(script, tmp_path):
    """`` '' !` ?` << >> ,, -- --- are TeX ligatures (quotes, inverted marks, guillemets, dashes);
    typed into a title they print as typed, on both engines (a Greek name makes it LuaLaTeX)."""
    typed = "a``b''c!`d?`e<<f>>g,,h--i---j"
    spec_file = tmp_path / "typed.toml"
    spec_file.write_text(f"[exam]\ntitle = \"{typed}{script}\"\nversions = 1\n[[question]]\n"
                         "generator = 'lstm.param_count'\npoints = 2\n", encoding="utf-8")
    (exam,) = build(tmp_path / "output", str(spec_file)).glob("exam-*.pdf")
    # one glyph per typed character: the font's single quotes for ` and ', never “ ” ¡ ¿ « » „ – —
    assert typed + script in pdf_text(exam).replace("\u2018", "`").replace("\u2019", "'")


OVERFULL = re.compile(r"Overfull \\hbox \(([\d.]+)pt too wide\)")


@pytest.mark.parametrize("gen_id", sorted(registry.registry()))
def test_every_generator_compiles_over_30_seeds_with_nothing_in_the_margin(gen_id, tmp_path):
    """30 slots of one generator (so 30 forms and seeds), exam and solutions, A4 and Letter: every
    question prints, and no line is more than 1 pt wider than the text."""
    for paper in ("a4", "letter"):
        exam = spec.ExamSpec("test", "", "Compile check", "", "", "", 0, 1, None,
                             tuple(spec.QuestionSpec((gen_id,), 10) for _ in range(30)), calculator=True, paper=paper)
        (version,) = plan.plan(exam)
        for solutions in (False, True):
            name = f"{'solutions' if solutions else 'exam'}-{paper}"
            (tmp_path / f"{name}.tex").write_text(exam_document(exam, version, solutions))
            compile_pdf(find_pdflatex(), tmp_path, name, tex_environment("0"))
            text = pdf_text(tmp_path / f"{name}.pdf")
            assert "Question 30" in text
            log = (tmp_path / f"{name}.log").read_text(encoding="latin-1")
            too_wide = [float(width) for width in OVERFULL.findall(log) if float(width) > 1]
            assert too_wide == [], f"{name}: {len(too_wide)} lines past the margin, up to {max(too_wide)} pt"
            # a points label is never broken over two lines; a question of one part has no letter
            parts = [len(question.part_points) for question in version.questions]
            assert len(re.findall(r"\[\d+", text)) == len(re.findall(r"\[\d+ points?\]", text)) == sum(parts), \
                f"{name}: a points label is broken"
            if set(parts) == {1}:
                assert "(a)" not in text, f"{name}: a question of one part is lettered"
            body = (tmp_path / f"{name}.tex").read_text().split(r"\begin{document}")[1]
            assert re.findall(r"(?<![\d.])\d{5,}", body) == [], f"{name}: an integer of 5 digits or more ungrouped"
    for question in version.questions:  # one fraction style a question, so its fractions look alike
        rendered = question.rendered
        texts = [rendered.statement, rendered.solution, *(part.prompt for part in rendered.parts)]
        assert not (any(r"\tfrac" in t for t in texts) and any(r"\frac" in t for t in texts)), gen_id
    for question in version.questions:  # the key gives exactly the places a part asks for
        labels = registry.get(gen_id).labels
        for part in (p for p in question.rendered.parts if p.decimals is not None):
            for answer_name in part.answers:
                line = _answer_line(answer_name, question.variant.answers[answer_name], part.decimals,
                                    labels.get(answer_name))
                shown = "".join(re.findall(r"\\approx([^$]*)\$", line))
                places = [len(n.partition(".")[2]) for n in re.findall(r"\d+(?:\\,\d{3})*(?:\.\d+)?", shown)]
                assert places and set(places) == {part.decimals}, f"{gen_id}: {answer_name} keyed as {line}"


def test_a_spec_with_every_generator_builds_into_pdfs(tmp_path):
    ids = sorted(registry.registry())
    questions = "".join(f"[[question]]\ngenerator = '{gen_id}'\npoints = 4\n" for gen_id in ids)
    spec_file = tmp_path / "all.toml"
    spec_file.write_text("[exam]\ntitle = 'Every generator'\nversions = 1\nseed = 5\ncalculator = true\n" + questions)
    folder = build(tmp_path / "output", str(spec_file))
    data = json.loads((folder / "manifest.json").read_text())
    assert [q["variant"]["generator"] for q in data["versions"][0]["questions"]] == ids
    (solutions,) = folder.glob("solutions-*.pdf")
    text = pdf_text(solutions)
    assert all(f"Question {n}" in text for n in range(1, len(ids) + 1))
    assert text.count("Worked") == len(ids)  # pdftotext may set "solution." on the next line


FIGURES = ("graph.sigmoid", "graph.skip_connection", "rnn.relu_derivatives", "rnn.linear_bptt",
           "conv.network_summary", "conv.receptive_field")


@pytest.mark.parametrize("gen_id", FIGURES)
def test_figures_show_each_versions_values_in_one_shape_per_slot(gen_id):
    """20 versions of one slot draw the same picture (nodes, arrows, positions) with their own numbers."""
    exam = spec.ExamSpec("test", "", "Figures", "", "", "", 7, 20, None, (spec.QuestionSpec((gen_id,), 10),),
                         calculator=True)
    statements = [v.questions[0].rendered.statement for v in plan.plan(exam)]
    # the shape: every node's name, place and frame, every arrow's ends; the labels hold the values
    shapes = {tuple(re.findall(r"\\qbank(?:node\{\w+\}\{[-\d.]+\}\{[-\d.]+\}\{\d\}|(?:arrow|up)\{\w+\}\{\w+\})", text))
              for text in statements}
    assert all(len(shape) >= 3 for shape in shapes)
    assert len(shapes) == 1, shapes
    assert len(set(statements)) > 1  # the values differ


def test_preview_sets_the_exam_page_beside_the_key_page(tmp_path):
    result = run_qbank("show", "graph.skip_connection", "--seed", "1", "--pdf", str(tmp_path / "p.pdf"),
                       "--png", str(tmp_path / "p.png"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    info = subprocess.run(["pdfinfo", str(tmp_path / "p.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\b", info) and "841.89 x 595.276" in info  # one landscape A4 sheet
    text = pdf_text(tmp_path / "p.pdf")
    assert text.count("Question 1") == 2 and "Worked solution" in text and "dout_dx" in text
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    blocked = run_qbank("show", "graph.sigmoid", "--pdf", str(tmp_path / "p.png" / "x.pdf"), cwd=tmp_path)
    assert blocked.returncode == 2 and len(blocked.stderr.strip().splitlines()) == 1
    assert "cannot write" in blocked.stderr


def test_a_question_that_fits_a_page_is_never_split(tmp_path):
    """Read back from the PDFs: every question TeX reports as fitting a page has its heading and its
    last part on one page, and every longer one its heading and its first part, in every exam and
    solutions document of a 6-question build."""
    spec_file = tmp_path / "six.toml"
    generators = ["conv.image_kernel", "rnn.relu_derivatives", "lstm.param_count", "bn.statistics",
                  "conv.network_summary", "optim.gd_steps"]
    spec_file.write_text("[exam]\ntitle = 'Six'\nversions = 4\nseed = 11\n" + "".join(
        f"[[question]]\ngenerator = '{g}'\npoints = 5\n" for g in generators))
    result = run_qbank("build", "exam", str(spec_file), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "six"
    questions = json.loads((folder / "manifest.json").read_text())["versions"][0]["questions"]
    checked = long_ones = 0
    for tex in sorted((folder / "tex").glob("batch-*.tex")):
        compile_pdf(find_pdflatex(), tex.parent, tex.stem, tex_environment("0"))  # for its log
        log = tex.with_suffix(".log").read_text()
        for code, said in re.findall(r"qbank: version (\S+) begins\n(.*?)(?=qbank: version \S+ begins|\Z)", log, re.S):
            pdf = folder / f"{tex.stem.split('-')[-1]}-{code}.pdf"
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
            for number in map(int, re.findall(r"qbank: question (\d+) fits a page", said)):
                assert not _split(text, number, len(questions[number - 1]["part_points"])), \
                    f"{pdf.name}: question {number} is split across pages"
                checked += 1
            # a longer one keeps its heading with its first part, and is printed once (a key places
            # the box it measured instead of typesetting the question again)
            for number in map(int, re.findall(r"qbank: question (\d+) is longer than a page", said)):
                start = text.index(f"Question {number}")
                assert "\f" not in text[start:text.index("(a)", start)], f"{pdf.name}: question {number}'s (a)"
                assert text.count(f"Question {number}") == 1
                long_ones += 1
    assert checked >= 30 and long_ones >= 4  # the test saw both kinds


def _split(text: str, number: int, parts: int) -> bool:
    """Whether question `number` runs from one page to the next between its heading and its last part."""
    start = text.index(f"Question {number}")
    # a question of one part has no letter: its part ends with its points label
    last = (text.index(f"({'abcdefgh'[parts - 1]})", start) if parts > 1
            else start + re.search(r"\[\d+ points?\]", text[start:]).end())
    return "\f" in text[start:last]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_question_squeezed_into_the_rest_of_a_page_stays_whole_and_nothing_overflows(paper, tmp_path):
    """The 49-generator exam: questions that fit the rest of a page only with their answer spaces
    squeezed are placed there whole (TeX says which), and no page's box is overfull."""
    questions = tuple(spec.QuestionSpec((gen_id,), 10) for gen_id in sorted(registry.registry()))
    exam = spec.ExamSpec("test", "", "Squeeze", "", "", "", 31, 1, None, questions, calculator=True, paper=paper)
    (version,) = plan.plan(exam)
    (tmp_path / "exam.tex").write_text(exam_document(exam, version, False))
    compile_pdf(find_pdflatex(), tmp_path, "exam", tex_environment("0"))
    log = (tmp_path / "exam.log").read_text(errors="replace")
    squeezed = sorted(map(int, re.findall(r"qbank: question (\d+) squeezed", log)))
    assert len(squeezed) >= 3, squeezed  # the build saw the case
    assert "Overfull \\vbox" not in log
    text = pdf_text(tmp_path / "exam.pdf")
    for number in squeezed:
        assert not _split(text, number, len(version.questions[number - 1].part_points)), f"question {number}"


def test_batches_are_cut_into_versions_that_number_their_own_pages_in_index_order(tmp_path, monkeypatch):
    """Batches of 2 versions, names that need LuaLaTeX in versions 2 and 5 (so batches of each engine
    interleave): every version's PDF has only its own pages, numbered 1 to n of n, and the merged
    PDFs hold the versions in the order of index.csv. The bytes do not depend on --jobs."""
    monkeypatch.setattr(typeset, "BATCH", 2)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    names = ["Ada Lovelace", "Γιώργος Παπαδόπουλος", "Alan Turing", "Grace Hopper", "王伟"]
    (tmp_path / "students.csv").write_text("id,name\n" + "".join(f"s{i},{n}\n" for i, n in enumerate(names, 1)),
                                           encoding="utf-8")
    (tmp_path / "exam.toml").write_text("[exam]\ntitle = 'Batches'\nroster = 'students.csv'\n[[question]]\n"
                                        "generator = 'graph.skip_connection'\npoints = 4\n")
    exam = spec.load(tmp_path / "exam.toml")
    folders = [building.build(exam, plan.iter_plan(exam), tmp_path / f"out{jobs}", jobs=jobs) for jobs in (1, 3)]
    assert files(folders[0]) == files(folders[1])
    folder = folders[0]
    assert sorted(p.name for p in (folder / "tex").iterdir()) == [
        f"batch-00{n}-{kind}.tex" for n in range(1, 4) for kind in ("exam", "solutions", "summary")] + [
        "key-by-question.tex"]
    # versions 1 and 3 fill the first batch, 2 and 5 the second (LuaLaTeX), 4 is left for the third
    assert ["lualatex" in (folder / "tex" / f"batch-00{n}-exam.tex").read_text()[:40] for n in range(1, 4)] == [
        False, True, False]
    index = list(csv.DictReader((folder / "index.csv").open(encoding="utf-8")))
    merged_names = {"exam": "all-exams.pdf", "solutions": "all-solutions.pdf", "summary": "all-summaries.pdf"}
    for kind, column in (("exam", "exam_pdf"), ("solutions", "solutions_pdf"), ("summary", "summary_pdf")):
        merged = []
        for row in index:
            pages = pdf_text(folder / row[column]).split("\f")[:-1]
            for number, page in enumerate(pages, 1):
                assert row["version"] in page and row["student_name"] in page
                assert f"Page {number} of {len(pages)}" in page
            merged += pages
        assert pdf_text(folder / merged_names[kind]).split("\f")[:-1] == merged


def _page_texts(pdf: Path) -> list[str]:
    return pdf_text(pdf).split("\f")


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_cover_has_the_grading_table_instructions_and_page_count_for_any_number_of_questions(paper, tmp_path):
    """From 1 question to 100 (the most a spec may have): the whole grading table on the cover, and
    Question 1 on page 2; a spec without instructions gets qbank's own; the cover's page count is the
    version's; the exam ends with "End of exam"; every page has a name field (no roster); the
    honour line, when asked for, is on the cover with the table."""
    for count in (1, 31, 40, 100):
        exam = spec.ExamSpec("test", "", "Cover", "", "", "", 0, 1, None,
                             tuple(spec.QuestionSpec(("lstm.param_count",), 4 + n % 3) for n in range(count)),
                             paper=paper, honour_line=spec.HONOUR_LINE if count % 2 == 0 else "")
        (version,) = plan.plan(exam)
        (tmp_path / "exam.tex").write_text(exam_document(exam, version, False))
        compile_pdf(find_pdflatex(), tmp_path, "exam", tex_environment("0"))
        pages = _page_texts(tmp_path / "exam.pdf")
        pages = [page for page in pages if page.strip()]
        cover = pages[0]
        assert "Total" in cover and re.search(rf"\bTotal\s+{version.points}\b", cover), f"{count}: no total on the cover"
        assert all(re.search(rf"(?<!\S){q.number}\s+{q.points}(?!\S)", cover)
                   for q in (version.questions[0], version.questions[-1])), f"{count}: rows missing from the cover"
        assert "Question 1\n" not in cover and "Question 1" in pages[1]
        assert "No calculators, notes or devices." in cover and "show your working" in cover
        assert ("unauthorised help on this exam." in cover and "Signature:" in cover) == (count % 2 == 0)
        total = _pages(tmp_path / "exam.pdf")
        assert f"This exam has {total} pages" in cover
        last = [page for page in pages if "intentionally left blank" not in page][-1]
        assert "End of exam" in last and "Question" not in last.split("End of exam")[1]
        assert all("Name:" in page for page in pages), f"{count}: a page without a name field"
