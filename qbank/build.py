"""Building an exam set: LaTeX for every version, compiled in parallel, moved into place whole.

Everything is made in a staging folder beside the target and moved into place only when every
document compiled (qbank.outdir), so a failed or interrupted build leaves the previous build
intact and nothing half-written. Versions stream through: each is written out (LaTeX, key rows,
index row, manifest entry) as soon as it is made, and only its code is kept.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm

from qbank import outdir
from qbank.compile import TexError, compile_pdf, engine_for, find_pdflatex, tex_environment
from qbank.errors import QbankError
from qbank.latex import exam_document, merged_document
from qbank.plan import Version
from qbank.spec import ExamSpec
from qbank.writers import AnswerKey, Index, Manifest

PROGRESS_DELAY = 2  # seconds
KINDS = ("exam", "solutions")
MERGED = {"exam": "all-exams", "solutions": "all-solutions"}
# what pdfTeX accepts as SOURCE_DATE_EPOCH: whole seconds up to the end of year 9999
MAX_EPOCH = 253402300799


def source_date_epoch(spec: ExamSpec) -> str:
    """SOURCE_DATE_EPOCH from the environment, else the exam's ISO date, so PDFs are reproducible."""
    given = os.environ.get("SOURCE_DATE_EPOCH")
    if given is not None and given != "":
        if not given.isdigit() or not given.isascii() or int(given) > MAX_EPOCH:
            raise QbankError(f"SOURCE_DATE_EPOCH={given[:40]!r} is not a time in whole seconds since 1970 "
                             f"(0 to {MAX_EPOCH}); fix it or unset it to use the exam's date")
        return given
    try:
        return str(int(datetime.fromisoformat(spec.date).replace(tzinfo=timezone.utc).timestamp()))
    except (ValueError, OverflowError, OSError):
        return "0"


def build(spec: ExamSpec, versions: Iterable[Version], out_dir: Path, progress: bool = False,
          jobs: int | None = None) -> Path:
    """Write OUT/<slug>/ with PDFs, answer key, index, manifest and tex sources; returns that folder.

    jobs: TeX runs at once (default: every core); progress: a bar with rate and ETA on stderr."""
    pdflatex = find_pdflatex()
    env = tex_environment(source_date_epoch(spec))
    target = out_dir / outdir.folder_name(out_dir, spec.title)
    outdir.check_replaceable(target, spec.title)  # before any work; checked again when it is replaced
    with outdir.staging(out_dir, target.name) as staging:
        codes: dict[str, str] = {}  # document name -> version code, to say where TeX failed
        engines: dict[str, str] = {}  # document name -> the TeX engine its text needs
        try:
            texdir = staging / "tex"
            texdir.mkdir()
            numbers = _write_sources(spec, versions, staging, codes, engines)
            _compile_all(engines, texdir, env, progress, jobs or os.cpu_count() or 1)
            for kind in KINDS:
                names = [f"{kind}-{code}" for code in numbers]
                merged = MERGED[kind]
                (texdir / f"{merged}.tex").write_text(merged_document(names, spec.paper), encoding="utf-8")
                compile_pdf(pdflatex, texdir, merged, env, passes=1)
                for name in [*names, merged]:
                    (texdir / f"{name}.pdf").rename(staging / f"{name}.pdf")
            for leftover in texdir.iterdir():
                if leftover.suffix != ".tex":
                    leftover.unlink()
        except TexError as exc:
            raise _located(exc, codes) from None
        except OSError as exc:
            raise QbankError(f"cannot write the build in {out_dir}: {exc.strerror or exc} "
                             f"({exc.filename or 'a file'}); free some space or choose another --out") from None
        outdir.publish(staging, target, spec.title)
    return target


def _write_sources(spec: ExamSpec, versions: Iterable[Version], staging: Path, codes: dict,
                   engines: dict) -> list[str]:
    """Each version's LaTeX, key rows, index row and manifest entry, as it comes; its codes in order."""
    order = []
    with (open(staging / "answer-key.csv", "w", encoding="utf-8", newline="") as key_file,
          open(staging / "index.csv", "w", encoding="utf-8", newline="") as index_file,
          open(staging / "manifest.json", "w", encoding="utf-8") as manifest_file):
        key, index, manifest = AnswerKey(key_file), Index(index_file), Manifest(manifest_file, spec)
        for version in versions:
            for kind in KINDS:
                name = f"{kind}-{version.code}"
                tex = exam_document(spec, version, kind == "solutions")
                (staging / "tex" / f"{name}.tex").write_text(tex, encoding="utf-8")
                codes[name] = version.code
                engines[name] = engine_for(tex)
            key.add(version)
            index.add(version)
            manifest.add(version)
            order.append(version.code)
        manifest.close()
    return order


def _compile_all(engines: dict[str, str], texdir: Path, env: dict, progress: bool, jobs: int) -> None:
    """Every document, each with its engine, jobs at a time; stops at the first failure. The bar
    shows only once a build has run for PROGRESS_DELAY seconds: short builds stay quiet."""
    with (ThreadPoolExecutor(max_workers=jobs) as pool,
          tqdm(total=len(engines), unit="doc", desc="qbank: compiling", file=sys.stderr, disable=not progress,
               delay=PROGRESS_DELAY, leave=False) as bar):
        futures = [pool.submit(compile_pdf, engine, texdir, name, env) for name, engine in engines.items()]
        try:
            for future in as_completed(futures):
                future.result()
                bar.update()
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise


def _located(exc: TexError, codes: dict) -> QbankError:
    """Name the version and question of a TeX failure and keep its log outside the output folder."""
    try:
        kept = Path(tempfile.mkdtemp(prefix="qbank-failed-"))
        for suffix in (".log", ".tex"):
            source = exc.log_path.with_suffix(suffix)
            if source.exists():
                shutil.copy(source, kept / source.name)
        if not (kept / exc.log_path.name).exists():  # TeX died before writing a log: keep what it printed
            (kept / exc.log_path.name).write_text(exc.output, encoding="utf-8")
        kept_at = f"; log kept at {kept / exc.log_path.name}"
    except OSError:
        kept_at = ""
    where = ""
    code = codes.get(exc.name)
    if code is not None:
        where = f" (version {code}{_question_at(exc.log_path.with_suffix('.tex'), exc.line)})"
    return QbankError(f"LaTeX failed on {exc.name}.tex{where}: {exc.error}{kept_at}")


def _question_at(tex_path: Path, line: int | None) -> str:
    if line is None or not tex_path.exists():
        return ""
    lines = tex_path.read_text(encoding="utf-8").splitlines()[:line]
    for text in reversed(lines):
        match = re.match(r"% question (\d+): ([^%\s]+)", text)
        if match:
            return f", question {match.group(1)} ({match.group(2)})"
    return ""
