"""A build without PDFs loads nothing of the PDF path (issue 25: fast without PDFs).

The command runs in a fresh interpreter as `python -m qbank` runs it (qbank.cli.main), which then
prints every module it has loaded."""

import subprocess
import sys

import pytest

# What only PDFs need: pylatex, pikepdf, the progress bar of typesetting, and qbank's paper wing
# (LaTeX, finding and running TeX, cutting pages).
PDF_PATH = ("pylatex", "pikepdf", "tqdm", "qbank.paper")
RUN_AND_LIST_MODULES = ("import sys\nfrom qbank.cli import main\nstatus = main(sys.argv[1:])\n"
                        "print('\\n'.join(sorted(sys.modules)))\nsys.exit(status)")


def loaded_after(tmp_path, *args) -> set[str]:
    result = subprocess.run([sys.executable, "-c", RUN_AND_LIST_MODULES, *args, "--out", "out", "--quiet"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def pdf_path(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == top or m.startswith(top + ".") for top in PDF_PATH))


@pytest.mark.parametrize("formats", ["moodle", "canvas", "moodle,canvas"])
def test_a_build_without_pdfs_imports_nothing_of_the_pdf_path(tmp_path, formats):
    modules = loaded_after(tmp_path, "build", "exam", "--versions", "2", "--format", formats)
    assert pdf_path(modules) == []
    assert "sympy" in modules and "qbank.lms.moodle" in modules  # the listing is of the whole build
    (built,) = (tmp_path / "out").glob("*/manifest.json")
    assert not list(built.parent.glob("*.pdf"))
    assert (built.parent / "moodle.xml").exists() == ("moodle" in formats)
    assert (built.parent / "canvas-qti.zip").exists() == ("canvas" in formats)


@pytest.mark.tex
def test_a_build_with_pdfs_still_loads_the_pdf_path(tmp_path):
    """The same listing sees the PDF path when PDFs are asked, so the check above can fail."""
    modules = loaded_after(tmp_path, "build", "exam", "--versions", "1", "--format", "pdf,moodle")
    assert {"pylatex", "pikepdf", "qbank.paper.typeset"} <= set(pdf_path(modules))
    (built,) = (tmp_path / "out").glob("*/manifest.json")
    assert (built.parent / "all-exams.pdf").exists() and (built.parent / "moodle.xml").exists()
