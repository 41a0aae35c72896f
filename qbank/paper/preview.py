"""`show ID --pdf FILE`: one variant typeset alone, the exam's view and the key's side by side, so a
bank author sees the printed result without writing a spec."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from qbank.core.errors import QbankError
from qbank.core.generator import render_variant
from qbank.exam.plan import PREVIEW_POINTS, Question, Version, split_points
from qbank.exam.spec import ExamSpec, QuestionSpec
from qbank.paper.compile import compile_pdf, engine_for, find_pdflatex, tex_environment
from qbank.paper.latex import exam_document

POINTS = PREVIEW_POINTS  # a preview's question, split by the parts' weights


def write_preview(gen, variant, seed: int, pdf: Path, png: Path | None = None, paper: str = "a4") -> None:
    """Write the side-by-side PDF (and a PNG of its first page); nothing is left half-written."""
    rendered = render_variant(gen, variant)
    question = Question(1, POINTS, split_points(POINTS, [p.weight for p in rendered.parts]), variant, rendered)
    spec = ExamSpec("preview", "", f"{gen.id} seed {seed}", "", "", "", 0, 1, None,
                    (QuestionSpec((gen.id,), POINTS),), calculator=gen.calculator, paper=paper)
    version = Version(1, "PREV", None, (question,))
    with tempfile.TemporaryDirectory(prefix="qbank-preview-") as folder:
        work = Path(folder)
        env = tex_environment("0")
        pages = {}
        for kind in ("exam", "solutions"):
            tex = exam_document(spec, version, kind == "solutions", cover=False)
            (work / f"{kind}.tex").write_text(tex, encoding="utf-8")
            pages[kind] = compile_pdf(engine_for(tex), work, kind, env)
        (work / "preview.tex").write_text(_side_by_side(pages, paper), encoding="utf-8")
        compile_pdf(find_pdflatex(), work, "preview", env)
        _place(work / "preview.pdf", pdf)
        if png is not None:
            subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(work / "preview.pdf"),
                            str(work / "preview")], check=True, capture_output=True)
            _place(work / "preview.png", png)


def _side_by_side(pages: dict[str, int], paper: str) -> str:
    """Landscape sheets, each with an exam page on the left and the key's page on the right."""
    pairs = []
    for i in range(1, max(pages.values()) + 1):
        pairs += [f"exam.pdf,{i}" if i <= pages["exam"] else "exam.pdf,{}",
                  f"solutions.pdf,{i}" if i <= pages["solutions"] else "solutions.pdf,{}"]
    return (rf"\documentclass{{article}}\usepackage[{paper}paper,landscape]{{geometry}}\usepackage{{pdfpages}}"
            rf"\begin{{document}}\includepdfmerge[nup=2x1,frame]{{{','.join(pairs)}}}\end{{document}}" + "\n")


def _place(source: Path, target: Path) -> None:
    """Copy into place atomically: a temporary file beside the target, then a rename."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
        shutil.copyfile(source, partial)
        partial.replace(target)
    except OSError as exc:
        raise QbankError(f"cannot write {target} ({exc.strerror}); choose another path") from None
