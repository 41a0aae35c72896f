"""The command line as a user runs it: a subprocess, from a directory outside the project."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import good_manifest, run_qbank
from qbank import cli
from qbank.core import registry
from qbank.core.generator import make_variant, render_variant
from qbank.core.plaindoc import plain_text
from qbank.exam.plan import split_points


def test_list_shows_every_generator_with_version_and_title(qbank_cli):
    result = qbank_cli("list")
    assert result.returncode == 0
    for gen in registry.registry().values():
        assert gen.id in result.stdout and gen.title in result.stdout


def test_runs_from_the_clones_parent_folder():
    clone = Path(__file__).resolve().parents[1]
    result = run_qbank("list", cwd=clone.parent)
    assert result.returncode == 0 and "conv.image_kernel" in result.stdout, result.stderr


def test_runs_from_a_folder_holding_folders_named_like_its_packages(tmp_path):
    # a clone named qbank seen from its parent: a folder without __init__.py must not shadow the install
    for name in ("qbank", "generators"):
        (tmp_path / name).mkdir()
    result = run_qbank("list", cwd=tmp_path)
    assert result.returncode == 0 and "conv.image_kernel" in result.stdout, result.stderr


def test_show_json_prints_exactly_one_object_with_exact_and_numeric_answers(qbank_cli):
    result = qbank_cli("show", "conv.image_kernel", "--seed", "7", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["generator", "version", "seed", "params", "answers"]
    assert (data["generator"], data["seed"]) == ("conv.image_kernel", 7)
    assert set(data["answers"]) == {"count", "output", "input_grad", "kernel_grad"}
    output = data["answers"]["output"]
    assert [[int(x) for x in row] for row in output["exact"]] == output["value"]


def test_show_is_byte_identical_across_runs(qbank_cli):
    runs = [qbank_cli("show", "rnn.relu_derivatives", "--seed", "11").stdout for _ in range(2)]
    assert runs[0] == runs[1] and "solution:" in runs[0]


def test_show_honours_pinned_params(qbank_cli):
    result = qbank_cli("show", "lstm.param_count", "--json", "--params",
                       '{"input_size": 3, "hidden_size": 5, "bias": true, "convention": "pytorch", "output_size": 0}')
    assert json.loads(result.stdout)["answers"]["total"] == {"exact": "200", "value": 200}


@pytest.mark.parametrize("args, message", [
    (["show", "conv.image_kernl"], "did you mean conv.image_kernel"),
    (["show", "bn.statistics", "--params", '{"z": [[1, 2]]}'], "parameter 'z'"),
    (["show", "bn.statistics", "--params", '{"gama": [1]}'], "did you mean 'gamma'"),
    (["show", "bn.statistics", "--params", "{bad"], "not valid JSON"),
    (["show", "bn.statistics", "--params", "[1]"], "expected a JSON object"),
    (["show", "bn.statistics", "--seed", "-1"], "expected a whole number from 0 to"),
])
def test_bad_input_is_one_line_on_stderr_with_exit_2(qbank_cli, args, message):
    result = qbank_cli(*args)
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


# One `show`: the points of `show --pdf`, and plain text instead of LaTeX


def test_show_gives_the_parts_the_points_of_show_pdf_on_the_same_default_total(qbank_cli):
    from qbank.paper import preview
    assert cli.SHOW_POINTS == preview.POINTS  # one default total, split by one rule (split_points)
    gen = registry.get("graph.skip_connection")
    weights = [p.weight for p in render_variant(gen, make_variant(gen, 1)).parts]
    result = qbank_cli("show", "graph.skip_connection", "--seed", "1")
    shown = [int(n) for n in re.findall(r"^\([a-z]\) .*\[(\d+) points?\]$", result.stdout, re.M)]
    assert shown == list(split_points(preview.POINTS, weights)) == [2, 4, 4]
    assert f"points on a default total of {preview.POINTS}, split by the part weights 1:2:2" in result.stdout


@pytest.mark.tex
def test_show_pdf_prints_the_points_that_the_terminal_shows(tmp_path, qbank_cli):
    result = qbank_cli("show", "graph.skip_connection", "--seed", "1", "--pdf", str(tmp_path / "p.pdf"))
    assert result.returncode == 0, result.stderr
    page = subprocess.run(["pdftotext", "-layout", str(tmp_path / "p.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    terminal = re.findall(r"\[(\d+) points?\]", result.stdout)
    printed = re.findall(r"\[(\d+) points?\]", page)
    assert terminal == ["2", "4", "4"] and sorted(printed) == sorted(terminal * 2), page[:400]  # exam and key


def test_show_prints_no_latex_for_any_generator_over_five_seeds(capsys):
    # no allowlist: every command the bank writes has a plain reading (qbank/core/plaindoc.py)
    for gen in registry.registry().values():
        for seed in range(5):
            assert cli.main(["show", gen.id, "--seed", str(seed)]) == 0
            out = capsys.readouterr().out
            body = out.split("\n", 2)[2]  # the params line is JSON, not LaTeX
            left = re.findall(r"\\[A-Za-z]+|\\.|\$", body)
            assert not left, f"python -m qbank show {gen.id} --seed {seed} still prints {sorted(set(left))}"


@pytest.mark.parametrize("tex, text", [
    (r"$\frac{3}{4}$ and $\frac{a+b}{2}$", "3/4 and (a+b)/2"),
    (r"$\partial L/\partial W_2$", "∂L/∂W₂"),
    (r"$h_{t-1}$, $\sigma_j^2$, $x^{(k)}$, $W_c$", "hₜ₋₁, σⱼ², x⁽ᵏ⁾, W_c"),
    (r"\[ A = \begin{bmatrix}1 & 0 \\ 2 & -1\end{bmatrix} \]", "  A = [[1, 0], [2, -1]]"),
    (r"\texttt{num\_heads=5,} \texttt{key\_dim=24}", "num_heads=5, key_dim=24"),
    (r"$\left\lfloor \frac{n - k}{s} \right\rfloor + 1$", "⌊(n - k)/s⌋ + 1"),
    (r"$\theta \leftarrow \theta - \eta\, g$", "θ ← θ - η g"),
    (r"\begin{align*}a &= 1 \tag{1} \\ b &= \sqrt{2}\end{align*}", "  a = 1   (1)\n  b = √2"),
    (r"\begin{tabular}{rl} n & name \\ \hline 10 & x\end{tabular}", "  n    name\n  10   x"),
    (r"\begin{enumerate}\item one\item two\end{enumerate}", "  1. one\n  2. two"),
    (r"$\mathbb{E}[y] = \hat z$, ``same''", "𝔼[y] = ẑ, “same”"),
    (r"a \qbankfigure{\qbanknode{n0}{0}{0}{1}{$x$}%" "\n" r"\qbanknode{n1}{1}{0}{1}{$y$}%" "\n"
     r"\qbankarrow{n0}{n1}{$w_1$}}", "a\n\nfigure:\n  [x] —(w₁)→ [y]"),
])
def test_plain_text_reads_latex_as_unicode(tex, text):
    assert plain_text(tex) == text


def test_a_command_plain_text_does_not_know_is_left_as_written_for_the_test_over_the_bank_to_see():
    assert plain_text(r"a \unknownmacro{x} b").startswith(r"a \unknownmacro")


# Versions outlive rebuilds: show-version reads any manifest, and the builds a rebuild replaced

def test_show_version_answers_from_a_manifest_by_code_or_student_id_without_the_spec(tmp_path, qbank_cli):
    data = good_manifest()
    (tmp_path / "kept.json").write_text(json.dumps(data))
    version = data["versions"][1]
    for key in (version["code"], version["code"].lower(), version["student"]["id"]):
        result = qbank_cli("show-version", key, "--manifest", "kept.json")
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0].startswith(f"version {version['code']} (number 2 of 2, student {version['student']['id']}")
        assert lines[1].startswith("from kept.json ('Exam' from exam.toml, spec sha256 ")
    missing = qbank_cli("show-version", "ZZZZ", "--manifest", "kept.json")
    assert missing.returncode == 2 and len(missing.stderr.splitlines()) == 1
    assert missing.stderr.startswith("qbank: error: no version with code or student id 'ZZZZ' in kept.json; "
                                     "its codes are ")


def test_show_version_finds_a_code_of_a_replaced_build_and_says_which_build(tmp_path, qbank_cli):
    def build(seed):
        result = qbank_cli("build", "exam", "--format", "moodle", "--seed", str(seed), "--out", "out", "--quiet")
        assert result.returncode == 0, result.stderr
        index = tmp_path / "out" / "deep-learning-practice-exam" / "index.csv"
        return [row.split(",")[1] for row in index.read_text().splitlines()[1:]]
    old, new = build(1), build(2)
    current = qbank_cli("show-version", new[0], "--out", "out")
    assert current.returncode == 0 and ", the current build (" in current.stdout.splitlines()[1]
    earlier = qbank_cli("show-version", old[0], "--out", "out")
    assert earlier.returncode == 0, earlier.stderr
    where = earlier.stdout.splitlines()[1]
    assert where.startswith("from out/") and "/manifests/manifest-" in where
    assert "an earlier build, replaced since" in where and "seed 1," in where
    nowhere = qbank_cli("show-version", "ZZZZ", "--out", "out")
    assert nowhere.returncode == 2 and len(nowhere.stderr.splitlines()) == 1
    assert "in the 2 manifests of out/" in nowhere.stderr and "nor in the built-in default exam" in nowhere.stderr
    assert "give --manifest FILE" in nowhere.stderr


# Messages: one line that names the file or value and the fix, exit 2

def test_show_version_without_a_spec_names_the_built_in_exam(qbank_cli):
    result = qbank_cli("show-version", "ZZZZ")
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "in this spec" not in result.stderr
    assert "no version with code 'ZZZZ' in the built-in default exam with seed " in result.stderr
    assert "give --spec with the exam's spec file" in result.stderr


@pytest.mark.parametrize("args, meant", [
    (["build", "midterm.toml"], "python -m qbank build exam midterm.toml"),
    (["build", "midterm.toml", "--seed", "3"], "python -m qbank build exam midterm.toml --seed 3"),
    (["build", "exma"], "python -m qbank build exam"),
])
def test_build_without_its_target_says_the_command_meant(qbank_cli, args, meant):
    result = qbank_cli(*args)
    assert result.returncode == 2 and result.stdout == "" and len(result.stderr.splitlines()) == 1
    assert "invalid choice" not in result.stderr
    assert result.stderr.rstrip().endswith(f"did you mean: {meant}")
    assert f"'{args[1]}' is not a build target (the only one is exam)" in result.stderr


def test_top_level_help_lists_every_subcommand(qbank_cli):
    help_text = qbank_cli("--help").stdout
    commands = next(a for a in cli._parser()._actions if a.choices and "list" in a.choices).choices
    assert set(commands) == {"list", "describe", "show", "build", "show-version"}
    summary = " ".join(help_text.split("\n\n")[1].split())  # the description, unwrapped
    for name in commands:
        assert re.search(rf"^    {re.escape(name)}\b", help_text, re.M), name
        assert f" {name}" in summary, (name, summary)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("python, what", [("/nonexistent/python3.11", "does not exist"),
                                          ("no-such-python3", "is not a command on PATH")])
def test_make_with_a_python_that_is_not_there_says_so(python, what):
    root = Path(__file__).resolve().parents[1]
    # as a user runs it, not as a sub-make of `make test` (whose MAKEFLAGS and level would carry over)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}
    result = subprocess.run(["make", "-s", "--no-print-directory", "venv", f"PYTHON={python}"], cwd=root,
                            capture_output=True, text=True, timeout=60, env=env)
    ours = [line for line in result.stderr.splitlines() if not re.match(r"make(\[\d+\])?: \*\*\*", line)]
    assert result.returncode == 2 and ours == [
        f"make: PYTHON={python} {what} (Makefile, venv target); pass the path of a Python 3.11 or newer, "
        f"e.g. make PYTHON=/usr/bin/python3.11"]
