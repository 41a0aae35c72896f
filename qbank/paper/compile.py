"""Running pdflatex ourselves: safe flags, paranoid file access, errors that say where."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from qbank.core.errors import QbankError

INSTALL_HINT = ("install TeX Live (Debian/Ubuntu: apt-get install texlive-latex-base texlive-latex-recommended "
                "texlive-latex-extra texlive-fonts-recommended lmodern), or run 'make exam' which does it")
FLAGS = ("-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "-file-line-error")
TIMEOUT = 600  # seconds for one TeX run: the largest document takes a few
_PAGES = re.compile(r"Output written on .*?\((\d+) pages?")


class TexError(QbankError):
    """TeX failed on one document; the log is kept at log_path."""

    def __init__(self, name: str, line: int | None, error: str, log_path: Path, output: str = ""):
        self.name, self.line, self.error, self.log_path, self.output = name, line, error, log_path, output
        super().__init__(f"LaTeX failed on {name}.tex: {error}")


LUALATEX_HINT = ("install LuaLaTeX and the Noto fonts (Debian/Ubuntu: apt-get install texlive-luatex "
                 "fonts-noto-core fonts-noto-cjk fontconfig), or run 'make exam' which does it")


def find_pdflatex() -> str:
    path = shutil.which("pdflatex")
    if not path:
        raise QbankError(f"pdflatex not found: {INSTALL_HINT}")
    return path


# The first line of a document that needs LuaLaTeX (latex.exam_document writes it).
LUALATEX_LINE = "% !TEX program = lualatex\n"


def engine_for(tex: str) -> str:
    """The TeX engine a document asks for on its first line (LUALATEX_LINE), as a path."""
    if tex.startswith(LUALATEX_LINE):
        path = shutil.which("lualatex")
        if not path:
            raise QbankError(f"lualatex not found, and the spec or roster has text that only it can print: "
                             f"{LUALATEX_HINT}")
        return path
    return find_pdflatex()


def tex_environment(source_date_epoch: str) -> dict:
    """Paranoid reads and writes (no absolute or parent paths, no dotfiles) and fixed dates."""
    return os.environ | {"openout_any": "p", "openin_any": "p", "shell_escape": "f",
                         "SOURCE_DATE_EPOCH": source_date_epoch, "FORCE_SOURCE_DATE": "1"}


def compile_pdf(pdflatex: str, workdir: Path, name: str, env: dict) -> int:
    """Compile workdir/name.tex into name.pdf in one pass; returns its page count. (One pass is
    enough: nothing refers forward; "Page x of y" is set when a version's last page is known.)"""
    try:
        proc = subprocess.run([pdflatex, *FLAGS, f"{name}.tex"], cwd=workdir, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise TexError(name, None, f"TeX ran for more than {TIMEOUT} s and was stopped",
                       workdir / f"{name}.log") from None
    log_path = workdir / f"{name}.log"
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    if proc.returncode != 0 or not (workdir / f"{name}.pdf").exists():
        output = (proc.stdout + proc.stderr).decode("utf-8", errors="replace")
        line, error = first_error(log or output)
        if error == NO_MESSAGE and proc.returncode < 0:
            error = f"TeX was killed by signal {-proc.returncode}"
        raise TexError(name, line, error, log_path, output)
    missing = re.search(r"Missing character: There is no (.+?) in font (.+?)!", log)
    if missing:  # a character would vanish from the page: never print that
        raise TexError(name, None, f"no glyph for {missing.group(1)} in the font {missing.group(2)}", log_path)
    match = _PAGES.search(log)
    return int(match.group(1)) if match else 0


def first_error(log: str) -> tuple[int | None, str]:
    """The first error in a TeX log or TeX's output: (line in the .tex, message)."""
    for text in log.splitlines():
        match = re.match(r"^\S*\.tex:(\d+): (.*)", text)
        if match:
            return int(match.group(1)), match.group(2).strip()
        if text.startswith("! "):
            return None, text[2:].strip()
        # fatal errors outside the document: a missing font or format, a full disk
        match = re.search(r"(I can't write on file .*|I can't find the format file .*|"
                          r"Font \S+ not loadable.*|kpathsea: .*|[Nn]o space left on device.*)", text)
        if match:
            return None, match.group(1).strip()
    return None, NO_MESSAGE


NO_MESSAGE = "TeX stopped without an error message (see the log)"
