"""Building an exam set: every version's key rows, index row, manifest entry and LMS questions, and
its PDFs (qbank.paper.typeset), written into a staging folder and moved into place whole.

Everything is made in a staging folder beside the target and moved into place only when every
document was made (qbank.output.outdir), so a failed or interrupted build leaves the previous build
intact and nothing half-written. Versions stream through: each is written out (key rows, index
row, manifest entry) as soon as it is made and waits only for its batch of PDFs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path

from qbank.core.errors import QbankError
from qbank.exam.plan import Version
from qbank.exam.spec import ExamSpec
from qbank.lms.canvas import CanvasWriter
from qbank.lms.moodle import MoodleWriter
from qbank.output import outdir
from qbank.output.writers import AnswerKey, Index, Manifest


def build(spec: ExamSpec, versions: Iterable[Version], out_dir: Path, progress: bool = False,
          jobs: int | None = None) -> Path:
    """Write OUT/<slug>/ with PDFs, answer key, index, manifest and tex sources; returns that folder.

    jobs: TeX runs at once (default: every core); progress: a bar with rate and ETA on stderr."""
    pdf = "pdf" in spec.formats
    if pdf:
        # The PDF path (pylatex, pikepdf, tqdm, finding TeX) is imported here and only here, when PDFs
        # are asked: a Moodle or Canvas build never loads it (about 0.1 s of start-up; tests/test_lms_only.py).
        from qbank.paper import typeset
        env = typeset.prepare(spec)  # before any work
    target = out_dir / outdir.folder_name(out_dir, spec.title)
    outdir.check_replaceable(target, spec.title)  # before any work; checked again when it is replaced
    with outdir.staging(out_dir, target.name) as staging:
        try:
            if pdf:
                with typeset.Typesetter(spec, staging, env, jobs or os.cpu_count() or 1, progress) as typesetter:
                    order = _write_versions(spec, versions, staging, typesetter)
                typesetter.merge(order)
            else:
                _write_versions(spec, versions, staging, None)
        except OSError as exc:
            raise QbankError(f"cannot write the build in {out_dir}: {exc.strerror or exc} "
                             f"({exc.filename or 'a file'}); free some space or choose another --out") from None
        return outdir.publish(staging, target, spec.title, spec.secret.check if spec.secret else None)


def _write_versions(spec: ExamSpec, versions: Iterable[Version], staging: Path, typesetter) -> list[str]:
    """Each version's key rows, index row, manifest entry and LMS questions as it comes, and the
    version to its batch (typesetter None: no PDFs); the codes in order."""
    order = []
    with ExitStack() as files:
        def opened(name: str):
            return files.enter_context(open(staging / name, "w", encoding="utf-8", newline=""))

        rows = [AnswerKey(opened("answer-key.csv")), Index(opened("index.csv"), pdfs=typesetter is not None)]
        documents = [Manifest(opened("manifest.json"), spec)]  # these end with a close()
        if "moodle" in spec.formats:
            documents.append(MoodleWriter(opened("moodle.xml"), spec))
        if "canvas" in spec.formats:
            documents.append(CanvasWriter(staging / "canvas-qti.zip", spec))
        for version in versions:
            if typesetter is not None:
                typesetter.add(version)
            for writer in (*rows, *documents):
                writer.add(version)
            order.append(version.code)
        for document in documents:
            document.close()
    return order
