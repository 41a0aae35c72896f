"""Every way a build can be asked wrongly: exit 2, one line naming what to fix, nothing written."""

import os
from pathlib import Path

import pytest
from conftest import run_qbank

from qbank import build
from qbank.core.errors import QbankError
from qbank.exam import plan, spec
from qbank.paper import typeset

GOOD_QUESTION = "[[question]]\ngenerator = 'lstm.param_count'\npoints = 2\n"


def write_spec(folder: Path, text: str, name="exam.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


CASES = {
    "missing spec": (None, ["nope.toml"], "nope.toml: no such spec file"),
    "toml syntax": ("[exam]\ntitle = 'x'\nversions = = 3\n" + GOOD_QUESTION, [], "TOML syntax error: Invalid value (at line 3"),
    "unknown exam key": ("[exam]\ntitel = 'x'\n" + GOOD_QUESTION, [], "unknown key 'titel' in [exam]; did you mean 'title'?"),
    "unknown question key": ("[exam]\ntitle = 'x'\n" + GOOD_QUESTION + "pointz = 3\n", [], "unknown key 'pointz' in question 1"),
    "unknown generator": ("[exam]\ntitle = 'x'\n[[question]]\ngenerator = 'lstm.param_cont'\npoints = 2\n", [],
                          "question 1: unknown generator 'lstm.param_cont': did you mean lstm.param_count"),
    "bad pin": ("[exam]\ntitle = 'x'\n" + GOOD_QUESTION + "params = { hidden_size = 0 }\n", [],
                "question 1 (lstm.param_count) params: parameter 'hidden_size': 0 is outside"),
    "versions zero": ("[exam]\ntitle = 'x'\nversions = 0\n" + GOOD_QUESTION, [], "versions = 0; give 1 to 10,000"),
    "versions flag zero": ("[exam]\ntitle = 'x'\n" + GOOD_QUESTION, ["--versions", "0"], "--versions 0; give 1 to 10,000"),
    "missing roster": ("[exam]\ntitle = 'x'\nroster = 'absent.csv'\n" + GOOD_QUESTION, [], "absent.csv: no such roster file"),
    "duplicate ids": ("[exam]\ntitle = 'x'\nroster = 'dup.csv'\n" + GOOD_QUESTION, [], "dup.csv: line 3 repeats student id 's1'"),
    "no questions": ("[exam]\ntitle = 'x'\n", [], "no [[question]] entries"),
    "part points": ("[exam]\ntitle = 'x'\n" + GOOD_QUESTION + "part_points = [1, 5]\n", [], "must be whole numbers that add up to points = 2"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_build_input_is_one_line_exit_2_and_writes_nothing(case, tmp_path):
    text, extra, message = CASES[case]
    (tmp_path / "dup.csv").write_text("id,name\ns1,A\ns1,B\n")
    args = [] if text is None else [str(write_spec(tmp_path, text))]
    out = tmp_path / "out"
    result = run_qbank("build", "exam", *args, *extra, "--out", str(out), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert message in lines[0]
    assert not out.exists()


def test_missing_tex_says_how_to_install_it(tmp_path):
    env = os.environ | {"PATH": str(tmp_path)}  # no pdflatex anywhere on PATH
    result = run_qbank("build", "exam", "--out", str(tmp_path / "out"), cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "pdflatex not found: install TeX Live" in result.stderr and "apt-get install" in result.stderr
    assert not (tmp_path / "out").exists()


def test_output_folder_that_cannot_be_made_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_qbank("build", "exam", "--out", str(blocker / "out"), cwd=tmp_path)
    assert result.returncode == 2
    assert f"output folder {blocker / 'out'} is not writable" in result.stderr and "--out" in result.stderr


@pytest.fixture
def small_exam():
    exam = spec.with_overrides(spec.load(None), 2, None)
    return exam, plan.plan(exam)


def test_latex_failure_names_version_question_and_keeps_the_log_and_the_previous_build(small_exam, tmp_path, monkeypatch):
    exam, versions = small_exam
    previous = build.build(exam, versions, tmp_path)
    before = sorted(p.name for p in previous.iterdir())
    real = typeset.batch_document

    def broken(spec_, batch, solutions):
        tex = real(spec_, batch, solutions)
        if solutions:  # the second version's key: the batch holds both versions
            start = tex.index(f"% version {versions[1].code}\n")
            marker = "% question 2: rnn.relu_derivatives\n"
            at = tex.index(marker, start) + len(marker)
            tex = tex[:at] + "\\undefinedmacro\n" + tex[at:]
        return tex

    monkeypatch.setattr(typeset, "batch_document", broken)
    with pytest.raises(QbankError) as err:
        build.build(exam, versions, tmp_path)
    message = str(err.value)
    assert f"batch-001-solutions.tex (version {versions[1].code}, question 2 (rnn.relu_derivatives))" in message
    assert "Undefined control sequence" in message
    log = Path(message.rsplit("log kept at ", 1)[1])
    assert log.exists() and "undefinedmacro" in log.read_text(encoding="latin-1")
    assert sorted(p.name for p in previous.iterdir()) == before
    assert visible(tmp_path) == [previous.name]  # no staging folder left behind


def test_an_interrupted_build_leaves_nothing_behind(small_exam, tmp_path, monkeypatch):
    exam, versions = small_exam

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(typeset, "compile_pdf", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build.build(exam, versions, tmp_path)
    assert visible(tmp_path) == []


def visible(folder: Path) -> list[str]:
    """What a build left in its output folder, but for the lock file every build shares."""
    return sorted(p.name for p in folder.iterdir() if p.name != ".qbank.lock")


def test_show_version_with_an_unknown_code_lists_the_codes(tmp_path):
    result = run_qbank("show-version", "ZZZZ", cwd=tmp_path)
    assert result.returncode == 2
    codes = [v.code for v in plan.plan(spec.load(None))]
    assert "no version with code 'ZZZZ'" in result.stderr and codes[0] in result.stderr
