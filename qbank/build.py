"""Building an exam set: LaTeX for every version, compiled in parallel, moved into place whole.

Everything is made in a hidden staging folder beside the target and renamed
into place only when every document compiled, so a failed or interrupted build
leaves the previous build intact and nothing half-written.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import unicodedata
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path

from qbank.compile import TexError, compile_pdf, find_pdflatex, tex_environment
from qbank.errors import QbankError
from qbank.latex import exam_document, merged_document
from qbank.plan import Version
from qbank.spec import ExamSpec
from qbank.writers import answer_key_csv, manifest_json

KINDS = ("exam", "solutions")
MERGED = {"exam": "all-exams", "solutions": "all-solutions"}


def slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60] or "exam"


def source_date_epoch(spec: ExamSpec) -> str:
    """SOURCE_DATE_EPOCH from the environment, else the exam's ISO date, so PDFs are reproducible."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return os.environ["SOURCE_DATE_EPOCH"]
    try:
        return str(int(datetime.fromisoformat(spec.date).replace(tzinfo=timezone.utc).timestamp()))
    except ValueError:
        return "0"


def build(spec: ExamSpec, versions: list[Version], out_dir: Path, progress: bool = False) -> Path:
    """Write OUT/<slug>/ with PDFs, answer key, manifest and tex sources; returns that folder."""
    pdflatex = find_pdflatex()
    target = out_dir / slug(spec.title)
    staging = _staging_folder(out_dir, target.name)
    try:
        texdir = staging / "tex"
        texdir.mkdir()
        env = tex_environment(source_date_epoch(spec))
        jobs = {}
        for version in versions:
            for kind in KINDS:
                name = f"{kind}-{version.code}"
                (texdir / f"{name}.tex").write_text(exam_document(spec, version, kind == "solutions"), encoding="utf-8")
                jobs[name] = version
        pages = _compile_all(pdflatex, texdir, list(jobs), env, progress)
        for kind in KINDS:
            names = [f"{kind}-{v.code}" for v in versions]
            merged = MERGED[kind]
            (texdir / f"{merged}.tex").write_text(merged_document([(n, pages[n]) for n in names]), encoding="utf-8")
            compile_pdf(pdflatex, texdir, merged, env, passes=1)
            for name in [*names, merged]:
                (texdir / f"{name}.pdf").rename(staging / f"{name}.pdf")
        for leftover in texdir.iterdir():
            if leftover.suffix != ".tex":
                leftover.unlink()
        (staging / "answer-key.csv").write_text(answer_key_csv(versions), encoding="utf-8")
        (staging / "manifest.json").write_text(manifest_json(spec, versions), encoding="utf-8")
        _swap_into_place(staging, target)
    except TexError as exc:
        raise _located(exc, jobs) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _staging_folder(out_dir: Path, name: str) -> Path:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for stale in out_dir.glob(f".{name}.partial-*"):  # left by a killed build
            shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.partial-", dir=out_dir))
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the result should not be
        return staging
    except OSError as exc:
        raise QbankError(f"output folder {out_dir} is not writable ({exc.strerror}); choose another with --out") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _compile_all(pdflatex, texdir: Path, names: list[str], env: dict, progress: bool) -> dict[str, int]:
    """Every document on every core; stops at the first failure."""
    pages = {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = {pool.submit(compile_pdf, pdflatex, texdir, name, env): name for name in names}
        try:
            for done, future in enumerate(as_completed(futures), 1):
                pages[futures[future]] = future.result()
                if progress:
                    print(f"\rqbank: compiled {done}/{len(names)} documents", end="", file=sys.stderr, flush=True)
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
        finally:
            if progress:
                print(file=sys.stderr)
    return pages


def _swap_into_place(staging: Path, target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise QbankError(f"{target} exists and is not a folder; move it away or choose another --out")
    old = staging.with_name(staging.name.replace(".partial-", ".old-"))
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _located(exc: TexError, jobs: dict) -> QbankError:
    """Name the version and question of a TeX failure and keep its log outside the output folder."""
    kept = Path(tempfile.mkdtemp(prefix="qbank-failed-"))
    for suffix in (".log", ".tex"):
        source = exc.log_path.with_suffix(suffix)
        if source.exists():
            shutil.copy(source, kept / source.name)
    where = ""
    version = jobs.get(exc.name)
    if version is not None:
        where = f" (version {version.code}{_question_at(exc.log_path.with_suffix('.tex'), exc.line)})"
    return QbankError(f"LaTeX failed on {exc.name}.tex{where}: {exc.error}; log kept at {kept / (exc.name + '.log')}")


def _question_at(tex_path: Path, line: int | None) -> str:
    if line is None or not tex_path.exists():
        return ""
    lines = tex_path.read_text(encoding="utf-8").splitlines()[:line]
    for text in reversed(lines):
        match = re.match(r"% question (\d+): ([^%\s]+)", text)
        if match:
            return f", question {match.group(1)} ({match.group(2)})"
    return ""
