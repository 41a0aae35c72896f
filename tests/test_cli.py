"""The command line as a user runs it: a subprocess, from a directory outside the project."""

import json
from pathlib import Path

import pytest

from conftest import run_qbank
from qbank.core import registry


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
