"""Keys for graders (issue 30, item 5): the key by question across every version, a one-page summary
per version, and answer-key.csv labels in plain Unicode text beside their LaTeX. Read back from the
PDFs with pdftotext, as a TA would read them."""

import csv
import json
import re
import subprocess
from pathlib import Path

import pytest
from test_build import OVERFULL, build, contains_run, numbers, pdf_text, printed

from qbank.core import registry
from qbank.core.model import entry_label
from qbank.core.plaindoc import unicode_text
from qbank.exam import plan, spec
from qbank.paper.compile import compile_pdf, find_pdflatex, tex_environment
from qbank.paper import keys
from qbank.paper.keys import KeyByQuestion, summary_document

# matrices, labelled entries, long labels in words, decimals, and a pool whose members share a slot
QUESTIONS = (("conv.image_kernel",), ("rnn.relu_derivatives",), ("attn.kv_cache", "gru.param_count", "rnn.params"),
             ("bn.statistics",))
STUDENTS = (("s1003", "Grace Hopper"), ("s1001", "Ada Lovelace"), ("s1002", "Alan Turing"))
A4_WIDTH, MARGIN = 595.276, 2.2 / 2.54 * 72  # points


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("keys")
    (root / "students.csv").write_text("id,name\n" + "".join(f"{i},{n}\n" for i, n in STUDENTS))
    questions = "".join(f"[[question]]\n{'generator' if len(q) == 1 else 'pool'} = "
                        f"{repr(q[0]) if len(q) == 1 else list(q)}\npoints = 8\n" for q in QUESTIONS)
    (root / "keys.toml").write_text("[exam]\ntitle = 'Keys'\ncourse = 'CS 1'\nseed = 3\nroster = 'students.csv'\n"
                                    + questions)
    folder = build(root / "output", str(root / "keys.toml"))
    with (folder / "answer-key.csv").open(encoding="utf-8", newline="") as handle:
        key = list(csv.DictReader(handle))
    with (folder / "index.csv").open(encoding="utf-8", newline="") as handle:
        index = list(csv.DictReader(handle))
    return folder, key, index


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def _integer_runs(row) -> list[list[str]]:
    """The runs of tokens an answer of integers reads back as (a matrix row by row: its rows stand beside
    other cells' rows), or none for an answer with fractions, decimals or words."""
    try:
        value = json.loads(row["exact"])
    except ValueError:
        return []
    rows = value if isinstance(value, list) and value and isinstance(value[0], list) else [value]
    if not all(isinstance(v, int) for r in rows for v in (r if isinstance(r, list) else [r])):
        return []
    entries = row["label_tex"].split(", ")
    if isinstance(value, list) and len(entries) == len(value) > 1 and not isinstance(value[0], list):
        # a vector keyed entry by entry, h_1 = 0, h_2 = 8: each entry's index, then its value
        return [[t for label, v in zip(entries, value) for t in numbers(label) + printed(v)]]
    return [[t for v in (r if isinstance(r, list) else [r]) for t in printed(v)] for r in rows]


def _generator(folder: Path, code: str, number: int) -> str:
    data = json.loads((folder / "manifest.json").read_text())
    (version,) = [v for v in data["versions"] if v["code"] == code]
    return version["questions"][number - 1]["variant"]["generator"]


def test_the_build_lists_the_graders_pdfs(built):
    folder, _, index = built
    assert {"key-by-question.pdf", "all-summaries.pdf"} <= {p.name for p in folder.iterdir()}
    assert all((folder / row["summary_pdf"]).exists() for row in index)
    assert {p.name for p in (folder / "tex").iterdir()} == {
        "batch-001-exam.tex", "batch-001-solutions.tex", "batch-001-summary.tex", "key-by-question.tex"}


def test_the_key_by_question_has_every_version_under_every_question_with_its_answers(built):
    folder, key, index = built
    pages = pdf_text(folder / "key-by-question.pdf").split("\f")[:-1]
    by_question: dict[int, str] = {}
    for page in pages:  # each question numbers its own pages, and says which it is on every one
        number = int(re.search(r"Key by question: Question (\d+)", page).group(1))
        by_question[number] = by_question.get(number, "") + page
    assert sorted(by_question) == list(range(1, len(QUESTIONS) + 1))
    codes = sorted(row["version"] for row in index)
    checked = 0
    for number, text in by_question.items():
        assert f"Question {number}" in text and "Not for distribution" in text
        # every version, in code order, each with its student
        assert [c for c in re.findall(r"\b[0-9A-Z]{4}\b", text) if c in codes] == codes, number
        for row in index:
            assert row["student_id"] in text and row["student_name"] in text
        tokens = numbers(text)
        for row in (r for r in key if int(r["question"]) == number):
            for run in _integer_runs(row):
                assert contains_run(tokens, run), f"question {number}, {row['version']}: {row['answer']}"
                checked += 1
    assert checked >= 40  # matrices row by row, labelled entries, counts
    # the generator's title heads the slot; the pool's members each head their versions
    assert registry.get("conv.image_kernel").title in by_question[1]
    drawn = {registry.get(_generator(folder, row["version"], 3)).title for row in index}
    assert all(title in by_question[3] for title in drawn)


def test_each_summary_is_one_page_with_the_versions_every_answer(built):
    folder, key, index = built
    merged = pdf_text(folder / "all-summaries.pdf").split("\f")[:-1]
    assert len(merged) == len(index)  # one page a version, in index order
    checked = 0
    for row, merged_page in zip(index, merged):
        pdf = folder / row["summary_pdf"]
        assert _pages(pdf) == 1, pdf.name
        text = pdf_text(pdf)
        assert text == merged_page + "\f"
        assert row["version"] in text and row["student_name"] in text and row["student_id"] in text
        assert "Page 1 of 1" in text and "Worked" not in text
        tokens = numbers(text)
        for answer in (a for a in key if a["version"] == row["version"]):
            for run in _integer_runs(answer):
                assert contains_run(tokens, run), f"{pdf.name}: {answer['answer']}"
                checked += 1
    assert checked >= 40


def test_no_word_of_the_graders_pdfs_is_in_the_margin(built):
    folder, _, _ = built
    for pdf in [folder / "key-by-question.pdf", folder / "all-summaries.pdf"]:
        boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                               check=True).stdout
        for x_min, x_max, word in re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" '
                                             r'yMax="[\d.]+">([^<]*)</word>', boxes):
            assert float(x_min) > MARGIN - 1 and float(x_max) < A4_WIDTH - MARGIN + 1, (pdf.name, word)


def test_the_49_generator_exam_keys_fit_the_margins_and_one_page_a_version(tmp_path):
    """The longest keys: every generator, 3 versions. The key by question is set without a line past
    the margin; each summary fits its page (in the largest size that does: tiny type, 3 columns)."""
    questions = tuple(spec.QuestionSpec((gen_id,), 4) for gen_id in sorted(registry.registry()))
    exam = spec.ExamSpec("test", "", "Every generator", "", "", "", 5, 3, None, questions, calculator=True)
    versions = plan.plan(exam)
    key = KeyByQuestion(exam)
    for version in versions:
        key.add(version)
    (tmp_path / "key.tex").write_text(key.document())
    (tmp_path / "summary.tex").write_text(summary_document(exam, versions))
    for name in ("key", "summary"):
        pages = compile_pdf(find_pdflatex(), tmp_path, name, tex_environment("0"))
        log = (tmp_path / f"{name}.log").read_text(encoding="latin-1")
        too_wide = [float(width) for width in OVERFULL.findall(log) if float(width) > 1]
        assert too_wide == [], f"{name}: {len(too_wide)} lines past the margin, up to {max(too_wide)} pt"
        assert "Overfull \\vbox" not in log
        if name == "summary":
            assert pages == len(versions) and "longer than a page" not in log
        else:
            assert pages >= len(questions)
            text = pdf_text(tmp_path / "key.pdf")
            assert all(f"Question {n}" in text for n in range(1, len(questions) + 1))


GENERATOR_LABELS = sorted({label for gen in registry.registry().values() for label in gen.labels.values()})


def test_every_generators_label_reads_as_plain_text_with_no_latex_left():
    for label in GENERATOR_LABELS:
        for index in (1, 12):
            text = unicode_text(entry_label(label, index))
            assert text and not re.search(r"[\\{}$]", text), (label, text)
    assert unicode_text(r"\partial L/\partial W_2") == "∂L/∂W₂"
    assert unicode_text(r"\mu_1, \mu_2") == "μ₁, μ₂"
    assert unicode_text(r"\mathbb{E}[y^{train}_3]") == "𝔼[yᵗʳᵃⁱⁿ₃]"
    assert unicode_text(entry_label(r"\partial h_T/\partial x_#", 12)) == "∂h_T/∂x₁₂"  # T has no subscript form
    assert unicode_text(r"\partial z/\partial \beta") == "∂z/∂β" and unicode_text("W_1'") == "W₁′"
    assert unicode_text(r"i \text{ of the forget gate } g_i") == "i of the forget gate gᵢ"
    assert unicode_text(r"\hat y") == "ŷ" and unicode_text(r"\sqrt{\mathrm{Var}}") == "√Var"
    assert unicode_text(r"\sigma^2_1") == "σ²₁" and unicode_text(r"\nabla^2 f") == "∇² f"
    assert unicode_text(r"\frac{a+b}{2}") == "(a+b)/2" and unicode_text(r"\mathrm{KL}(p\|q)") == "KL(p‖q)"


def test_the_answer_key_labels_are_plain_text_beside_their_latex(built):
    _, key, _ = built
    assert list(key[0])[5:7] == ["label", "label_tex"]
    for row in key:
        assert row["label"] == unicode_text(row["label_tex"]) and not re.search(r"[\\{}]", row["label"])
    labels = {row["answer"]: row["label"] for row in key}
    assert labels["h"].startswith("h₁, h₂") and labels["mean"].startswith("μ₁, μ₂")


def test_a_question_of_many_versions_is_keyed_in_sections_that_each_number_their_pages(tmp_path, monkeypatch):
    """Past SECTION_ROWS versions a question's key comes in sections (TeX holds a section's pages
    until its last; 10,000 versions in one ran out of its memory): every version is in one
    section, in code order, and each section says which versions it holds."""
    monkeypatch.setattr(keys, "SECTION_ROWS", 3)
    exam = spec.ExamSpec("test", "", "Sections", "", "", "", 4, 8, None, (spec.QuestionSpec(("conv.output_shape",), 6),))
    versions = list(plan.iter_plan(exam))
    key = keys.KeyByQuestion(exam)
    for version in versions:
        key.add(version)
    (tmp_path / "key.tex").write_text(key.document())
    compile_pdf(find_pdflatex(), tmp_path, "key", tex_environment("0"))
    text = pdf_text(tmp_path / "key.pdf")
    codes = sorted(v.code for v in versions)
    assert [text.index(code) < text.index(later) for code, later in zip(codes, codes[1:])] == [True] * 7
    ranges = re.findall(r"versions (\w{4}) to (\w{4})", text)
    assert sorted(set(ranges)) == [(codes[0], codes[2]), (codes[3], codes[5]), (codes[6], codes[7])]
