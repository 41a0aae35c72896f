"""Names in any script: which characters print, and with which engine and font.

A document whose text (spec and roster) stays within what pdfLaTeX's font encodings declare is
made with pdfLaTeX, as always. One that holds any other character (Vietnamese, Greek, Cyrillic,
Chinese, Japanese, Korean, Arabic, Hebrew ...) is made with LuaLaTeX: the same Latin Modern text
and Computer Modern math, and each run of other characters set in the first Noto font that has
them (Arabic and Hebrew right to left, shaped by HarfBuzz). The fonts come from Debian's
fonts-noto-core and fonts-noto-cjk; their coverage is read with fontconfig's fc-query, so a
character no font has is refused before any TeX runs.
"""

from __future__ import annotations

import functools
import itertools
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# The font encodings pdfLaTeX documents load (pylatex's T1 with textcomp, and LaTeX's defaults).
ENCODING_FILES = ("t1enc.dfu", "ts1enc.dfu", "ot1enc.dfu", "omsenc.dfu")
INSTALL_HINT = "apt-get install texlive-luatex fonts-noto-core fonts-noto-cjk fontconfig (make exam does)"


@dataclass(frozen=True)
class Font:
    command: str       # the LaTeX command that selects it
    file: str          # the font file's name, found by fontconfig
    options: str       # fontspec options
    right_to_left: bool


# Tried in order: the first that has a character sets it.
FONTS = (
    Font("qbankLatinGreekCyrillic", "NotoSerif-Regular.ttf", "", False),
    Font("qbankArabic", "NotoNaskhArabic-Regular.ttf", "Renderer=HarfBuzz,Script=Arabic", True),
    Font("qbankHebrew", "NotoSerifHebrew-Regular.ttf", "Renderer=HarfBuzz,Script=Hebrew", True),
    Font("qbankCJK", "NotoSerifCJK-Regular.ttc", "FontIndex=2", False),  # face 2: Simplified Chinese
)


# Printable ASCII and whitespace: every text font prints them, so text made of them alone needs
# no look-up in the encoding files (a kpsewhich run of 27 ms per build).
ASCII = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}


@functools.cache
def pdflatex_characters() -> frozenset[int]:
    """Printable ASCII and whitespace, and every character the pdfLaTeX font encodings declare."""
    found = set(ASCII)
    kpsewhich = shutil.which("kpsewhich")
    paths = subprocess.run([kpsewhich, *ENCODING_FILES], capture_output=True, text=True).stdout.split() \
        if kpsewhich else []
    for path in paths:
        declared = re.findall(r"\\DeclareUnicodeCharacter\{([0-9A-Fa-f]+)\}", Path(path).read_text(encoding="latin-1"))
        found.update(int(code, 16) for code in declared)
    return frozenset(found)


@functools.cache
def installed_fonts() -> tuple[tuple[Font, Path, frozenset[int]], ...]:
    """The fonts of FONTS that are installed, with their files and the characters they have."""
    if not (shutil.which("fc-list") and shutil.which("fc-query") and shutil.which("lualatex")):
        return ()
    files = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True).stdout.split("\n")
    found = []
    for font in FONTS:
        path = next((Path(f) for f in sorted(files) if Path(f).name == font.file), None)
        if path is not None:
            found.append((font, path, _charset(path)))
    return tuple(found)


def _charset(path: Path) -> frozenset[int]:
    ranges = subprocess.run(["fc-query", "--format", "%{charset}", "-i", "0", str(path)],
                            capture_output=True, text=True).stdout.split()
    codes = set()
    for item in ranges:
        low, _, high = item.partition("-")
        codes.update(range(int(low, 16), int(high or low, 16) + 1))
    return frozenset(codes)


@functools.cache
def lualatex_main_characters() -> frozenset[int]:
    """What LuaLaTeX's own text font (Latin Modern, OpenType) has: Vietnamese among others."""
    kpsewhich = shutil.which("kpsewhich")
    found = subprocess.run([kpsewhich, MAIN_FONT], capture_output=True, text=True).stdout.strip() \
        if kpsewhich and installed_fonts() else ""
    return _charset(Path(found)) if found else frozenset()


MAIN_FONT = "lmroman10-regular.otf"


def font_for(char: str) -> tuple[Font, Path] | None:
    """The font that sets a character pdfLaTeX cannot, or None when no installed font has it."""
    return next(((font, path) for font, path, charset in installed_fonts() if ord(char) in charset), None)


def unprintable(text: str) -> str | None:
    """The first character of text that no installed font can print (None if all can, or when no
    TeX is installed to tell: the build then stops on the missing TeX instead)."""
    if not shutil.which("kpsewhich"):
        return None
    return next((char for char in text if not _in_text_font(char) and font_for(char) is None), None)


def needs_lualatex(texts) -> bool:
    return any(ord(c) not in ASCII and ord(c) not in pdflatex_characters() for text in texts for c in text)


def escaped(text: str) -> str:
    """User text as LaTeX that prints it literally: escaped, and each run of characters the text font
    lacks set in the font that has them (right to left where the script is). A word keeps one font
    where it can ("Γιώργος", not a Latin Modern Γ before Noto letters), and spaces between two
    characters of one font stay in its run, so "محمد أحمد" is one right-to-left run."""
    fonts = [_font(c) for c in text]
    for start, end in _words(text):
        word_fonts = [f for f in fonts[start:end] if f is not None]
        if word_fonts:
            font, charset = word_fonts[0], _charset_of(word_fonts[0])
            for i in range(start, end):
                if fonts[i] is None and ord(text[i]) in charset:
                    fonts[i] = font
    for i, char in enumerate(text):
        if char == " " and 0 < i and fonts[i - 1] is not None and fonts[i - 1] == _next_font(text, fonts, i):
            fonts[i] = fonts[i - 1]
    out = []
    for font, group in itertools.groupby(zip(text, fonts), key=lambda pair: pair[1]):
        body = _escape("".join(char for char, _ in group))
        direction = r"\textdir TRT " if font is not None and font.right_to_left else ""
        out.append(body if font is None else rf"{{\{font.command} {direction}{body}}}")
    return "".join(out)


def _in_text_font(char: str) -> bool:
    """Whether the document's own text font sets the character (pdfLaTeX's, or LuaLaTeX's)."""
    return ord(char) in ASCII or ord(char) in pdflatex_characters() or ord(char) in lualatex_main_characters()


def _font(char: str) -> Font | None:
    """The fallback font a character needs; None when the text font has it."""
    if _in_text_font(char):
        return None
    found = font_for(char)
    return found[0] if found else None


def _charset_of(font: Font) -> frozenset[int]:
    return next(charset for f, _, charset in installed_fonts() if f == font)


def _words(text: str):
    return ((m.start(), m.end()) for m in re.finditer(r"\S+", text))


def _next_font(text: str, fonts: list, i: int) -> Font | None:
    return next((fonts[j] for j in range(i + 1, len(text)) if text[j] != " "), None)


# TeX's ligatures of typed characters (`` '' !` ?` << >> ,, -- ---): a zero kern between the two
# keeps each as typed on both engines (LuaLaTeX joins across pylatex's {-}{-}, pdfLaTeX does not).
_LIGATURE_PAIR = re.compile(r"(?<=`)(?=`)|(?<=')(?=')|(?<=[!?])(?=`)|(?<=<)(?=<)|(?<=>)(?=>)|(?<=,)(?=,)|(?<=-)(?=-)")


def _escape(text: str) -> str:
    # pylatex here only: escaping is for PDFs, and an LMS-only build reads its roster through this module
    from pylatex.utils import escape_latex

    # pylatex writes ^ as an accent (\^{}); \textasciicircum is the caret itself
    escaped = escape_latex(text).replace(r"\^{}", r"\textasciicircum{}").replace("{-}", "-")
    return _LIGATURE_PAIR.sub(r"\\kern0pt{}", escaped)


def lualatex_preamble(texts) -> str:
    """fontspec (no change to math) and a family for each font that the texts need."""
    used = {font_for(c) for text in texts for c in text if _font(c) is not None}
    lines = [r"\usepackage[no-math]{fontspec}"]
    for font, path in sorted(used, key=lambda item: FONTS.index(item[0])):
        options = ",".join(filter(None, [f"Path={path.parent}/", font.options]))
        lines.append(rf"\newfontfamily\{font.command}{{{path.name}}}[{options}]")
    return "\n".join(lines)
