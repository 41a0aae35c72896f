"""A build's PDFs: LaTeX for every version, typeset in batches, cut apart, merged; and the key by
question across every version.

A batch of BATCH versions is one exam, one solutions and one summary document (qbank.paper.keys),
each typeset by one TeX run while the next batch is made; the per-version PDFs are cut out of it by page range and the
merged PDFs are assembled from the same pages (pikepdf), so a version costs what TeX spends on its
pages and little more. The key by question (KEY) collects every version's answers as they pass and
is typeset once the last version is in, beside the last batches. qbank.build imports this module only for a build that makes PDFs.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pikepdf
from tqdm import tqdm

from qbank.core import fonts
from qbank.core.errors import QbankError
from qbank.exam.plan import Version
from qbank.exam.spec import ExamSpec
from qbank.paper.compile import TexError, compile_pdf, engine_for, find_pdflatex, tex_environment
from qbank.paper.keys import KeyByQuestion, summary_document
from qbank.paper.latex import VERSION_BEGINS, VERSION_PAGES, batch_document, check_printable, user_texts
from qbank.paper.pages import write_pages

PROGRESS_DELAY = 2  # seconds
KINDS = ("exam", "solutions", "summary")
MERGED = {"exam": "all-exams", "solutions": "all-solutions", "summary": "all-summaries"}
KEY = "key-by-question"
# Versions per TeX run: TeX's start-up (about 0.1 s) is paid once per 50 versions, and a batch's
# generation overlaps the previous batch's typesetting (25 and 100 measured slower or no faster on
# 50 and 500 versions). A fixed number, not one batch per core, so that the PDFs are the same bytes
# whatever machine builds them.
BATCH = 50
# what pdfTeX accepts as SOURCE_DATE_EPOCH: whole seconds up to the end of year 9999
MAX_EPOCH = 253402300799


def prepare(spec: ExamSpec) -> dict:
    """Before any work: every character of the spec and roster prints and pdflatex is installed;
    the environment TeX runs in."""
    check_printable(spec)
    find_pdflatex()
    return tex_environment(source_date_epoch(spec))


def source_date_epoch(spec: ExamSpec) -> str:
    """SOURCE_DATE_EPOCH from the environment, else the exam's ISO date, so PDFs are reproducible."""
    given = os.environ.get("SOURCE_DATE_EPOCH")
    if given is not None and given != "":
        # the length first: int() of a 5,000-digit string raises past Python's digit limit
        if not given.isdigit() or not given.isascii() or len(given) > len(str(MAX_EPOCH)) or int(given) > MAX_EPOCH:
            raise QbankError(f"SOURCE_DATE_EPOCH={given[:40]!r} is not a time in whole seconds since 1970 "
                             f"(0 to {MAX_EPOCH}); fix it or unset it to use the exam's date")
        return given
    try:
        return str(int(datetime.fromisoformat(spec.date).replace(tzinfo=timezone.utc).timestamp()))
    except (ValueError, OverflowError, OSError):
        return "0"


class Typesetter:
    """Collects versions into batches (one per TeX engine the text needs: a roster name in another
    script needs LuaLaTeX), typesets each batch's two documents on a pool of `jobs` threads and cuts
    them into per-version PDFs. `pages` maps "exam-CODE" to (batch PDF, first page, page count).
    A TeX failure is raised as a QbankError naming the version and question, its log kept."""

    def __init__(self, spec: ExamSpec, staging: Path, env: dict, jobs: int, progress: bool):
        self.spec, self.staging, self.texdir, self.env = spec, staging, staging / "tex", env
        self.texdir.mkdir()
        self.pool = ThreadPoolExecutor(max_workers=jobs)
        self.bar = tqdm(total=len(KINDS) * spec.versions + 1, unit="doc", desc="qbank: typesetting", file=sys.stderr,
                        disable=not progress, delay=PROGRESS_DELAY, leave=False)
        self.waiting: dict[bool, list[Version]] = {False: [], True: []}  # needs LuaLaTeX -> versions
        self.futures: list[Future] = []
        self.pages: dict[str, tuple[Path, int, int]] = {}
        self.batches = 0
        self.key = KeyByQuestion(spec)

    def __enter__(self):
        return self

    def add(self, version: Version) -> None:
        group = self.waiting[fonts.needs_lualatex(user_texts(self.spec, version))]
        group.append(version)
        self.key.add(version)
        if len(group) == BATCH:
            self._submit(group)

    def _submit(self, versions: list[Version]) -> None:
        for future in self.futures:  # stop making versions once a batch has failed
            if future.done() and future.exception() is not None:
                raise future.exception()
        self.batches += 1
        for kind in KINDS:
            name = f"batch-{self.batches:03d}-{kind}"
            tex = (summary_document(self.spec, versions) if kind == "summary"
                   else batch_document(self.spec, versions, kind == "solutions"))
            (self.texdir / f"{name}.tex").write_text(tex, encoding="utf-8")
            self.futures.append(self.pool.submit(self._typeset, engine_for(tex), name, kind))
        versions.clear()

    def _typeset(self, engine: str, name: str, kind: str) -> None:
        """Compile one batch document and cut it into its versions' PDFs (in a pool thread)."""
        try:
            total = compile_pdf(engine, self.texdir, name, self.env)
            log = (self.texdir / f"{name}.log").read_text(encoding="utf-8", errors="replace")
            counts = [(code, int(pages)) for code, pages in VERSION_PAGES.findall(log)]
            if sum(pages for _, pages in counts) != total:
                raise TexError(name, None, f"the log names {sum(p for _, p in counts)} pages of versions, "
                               f"the PDF has {total}", self.texdir / f"{name}.log")
        except TexError as exc:
            raise _located(exc) from None
        pdf, first = self.texdir / f"{name}.pdf", 0
        for code, pages in counts:
            self.pages[f"{kind}-{code}"] = (pdf, first, pages)
            first += pages
        with pikepdf.open(pdf) as source:
            for code, pages in counts:
                write_pages(self.staging / f"{kind}-{code}.pdf", [(source, *self.pages[f"{kind}-{code}"][1:])])
        self.bar.update(len(counts))

    def _typeset_key(self, engine: str) -> None:
        """Compile the key by question and write it out whole (in a pool thread)."""
        try:
            total = compile_pdf(engine, self.texdir, KEY, self.env)
        except TexError as exc:
            raise _located(exc) from None
        with pikepdf.open(self.texdir / f"{KEY}.pdf") as source:
            write_pages(self.staging / f"{KEY}.pdf", [(source, 0, total)])
        self.bar.update(1)

    def __exit__(self, kind, exc, traceback):
        try:
            if exc is None:
                for group in self.waiting.values():
                    if group:
                        self._submit(group)
                tex = self.key.document()
                (self.texdir / f"{KEY}.tex").write_text(tex, encoding="utf-8")
                self.futures.append(self.pool.submit(self._typeset_key, engine_for(tex)))
                for future in self.futures:
                    future.result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.bar.close()

    def merge(self, order: list[str]) -> None:
        """The merged PDFs of every version in `order`; tex/ is left holding the sources only."""
        for kind in KINDS:
            _assemble(self.staging / f"{MERGED[kind]}.pdf", [self.pages[f"{kind}-{code}"] for code in order])
        for leftover in self.texdir.iterdir():
            if leftover.suffix != ".tex":
                leftover.unlink()


def _assemble(path: Path, ranges: list[tuple[Path, int, int]]) -> None:
    """One PDF of the given page ranges of batch PDFs, in order (the merged PDFs), one batch PDF
    open at a time."""
    def opened():
        source = None
        try:
            for pdf, first, count in ranges:
                if source is None or source.filename != str(pdf):
                    if source is not None:
                        source.close()
                    source = pikepdf.open(pdf)
                yield source, first, count
        finally:
            if source is not None:
                source.close()
    write_pages(path, opened())


def _located(exc: TexError) -> QbankError:
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
    return QbankError(f"LaTeX failed on {exc.name}.tex{_where(exc)}: {exc.error}{kept_at}")


def _where(exc: TexError) -> str:
    """" (version CODE, question N (generator))" from the markers above the failing line of the
    source, or " (version CODE)" from the last version the log saw begin; "" when neither says."""
    tex_path, log_path = exc.log_path.with_suffix(".tex"), exc.log_path
    if exc.line is not None and tex_path.exists():
        question = ""
        for text in reversed(tex_path.read_text(encoding="utf-8").splitlines()[:exc.line]):
            match = re.match(r"% question (\d+): ([^%\s]+)", text)
            if match and not question:
                question = f", question {match.group(1)} ({match.group(2)})"
            match = re.match(r"% version (\S+)$", text)
            if match:
                return f" (version {match.group(1)}{question})"
    if log_path.exists():
        begun = VERSION_BEGINS.findall(log_path.read_text(encoding="utf-8", errors="replace"))
        if begun:
            return f" (version {begun[-1]})"
    return ""
