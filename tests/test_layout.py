"""The architecture: wings a newcomer names at sight, and builds that a reorganisation leaves byte
for byte as they were. (That imports only point down is import-linter's job: `make test` runs
`lint-imports` before pytest.)

The golden sums pin what a build of the default exam and of docs/midterm-spec.toml writes (every
file but the PDFs, whose bytes also depend on the TeX Live release; their LaTeX sources are pinned
instead). A change that means to alter the output regenerates them, and its commit says why:

    QBANK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_layout.py -p no:xdist
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "data" / "golden-builds.sha256"
WINGS = ("core", "exam", "paper", "lms", "output")


def test_every_engine_module_sits_in_a_wing_that_says_what_it_may_import():
    top = sorted(p.name for p in (ROOT / "qbank").glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "build.py", "cli.py"]
    for wing in WINGS:
        doc = ast.get_docstring(ast.parse((ROOT / "qbank" / wing / "__init__.py").read_text()))
        assert doc and "import" in doc, f"qbank/{wing}/__init__.py must say what the wing may import"
        for module in (ROOT / "qbank" / wing).glob("*.py"):
            if module.name != "__init__.py":
                assert ast.get_docstring(ast.parse(module.read_text())), f"{module} has no docstring"


@pytest.mark.parametrize("old", ["errors", "exact", "figures", "generator", "model", "params", "registry",
                                 "seeding", "tex"])
def test_a_bank_written_against_the_old_flat_paths_still_imports_the_contract(old):
    assert importlib.import_module(f"qbank.{old}") is importlib.import_module(f"qbank.core.{old}")


def test_a_module_that_was_never_there_is_still_missing():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("qbank.nonexistent")


def _sums(out: Path) -> dict[str, str]:
    sums = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix != ".pdf" and not path.name.startswith("."):
            data = path.read_bytes()
            if path.suffix == ".tex":  # where this machine's fonts live is not part of the build
                data = re.sub(rb"Path=/[^,\]]*/", b"Path=FONTS/", data)
            sums[path.relative_to(out).as_posix()] = hashlib.sha256(data).hexdigest()
    return sums


@pytest.mark.tex
def test_builds_are_byte_identical_to_the_golden_sums(tmp_path):
    env = os.environ | {"SOURCE_DATE_EPOCH": "1764547200"}
    # the manifest records the spec as it was named, so it is named as the README does
    for spec in ([], ["docs/midterm-spec.toml"]):
        subprocess.run([sys.executable, "-m", "qbank", "build", "exam", *spec, "--out", str(tmp_path),
                        "--format", "pdf,moodle,canvas", "--quiet"], check=True, env=env, cwd=ROOT)
    found = "".join(f"{digest}  {name}\n" for name, digest in _sums(tmp_path).items())
    if os.environ.get("QBANK_UPDATE_GOLDEN"):
        GOLDEN.write_text(found)
    assert found == GOLDEN.read_text(), "a build changed; if it is meant to, regenerate the sums (module docstring)"
