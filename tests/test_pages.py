"""Page ranges joined into one PDF as they are read (qbank.paper.pages), checked by reading the
result back with poppler and qpdf: the same pixels and text as the source pages, shared objects
written once, strings that look like references kept, inherited attributes carried."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from qbank.paper.compile import compile_pdf, find_pdflatex, tex_environment
from qbank.paper.pages import write_pages

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


def pixels(pdf: Path, page: int) -> bytes:
    """Page `page` (from 1) as raw grey pixels at 40 dpi."""
    return subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", str(page), "-l", str(page), str(pdf)],
                          capture_output=True, check=True).stdout


def text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, check=True, text=True).stdout


@pytest.fixture(scope="module")
def typeset(tmp_path_factory) -> Path:
    """Four pages from pdfTeX (object streams, a page tree of several levels, shared fonts)."""
    folder = tmp_path_factory.mktemp("typeset")
    pages = "\n\\newpage\n".join(f"Page {n}: $\\sum_i x_i^{n} = \\frac{{{n}}}{{7}}$ \\textbf{{bold}} \\texttt{{mono}}"
                                 for n in range(1, 5))
    (folder / "source.tex").write_text(f"\\documentclass{{article}}\\begin{{document}}{pages}\\end{{document}}\n")
    compile_pdf(find_pdflatex(), folder, "source", tex_environment("0"))
    return folder / "source.pdf"


def test_joined_pages_look_and_read_like_their_sources(typeset, tmp_path):
    joined = tmp_path / "joined.pdf"
    with pikepdf.open(typeset) as source:
        write_pages(joined, [(source, 2, 2), (source, 0, 1)])
    with pikepdf.open(joined) as result:
        assert len(result.pages) == 3 and result.check_pdf_syntax() == []
    for page, from_page in enumerate([3, 4, 1], start=1):
        assert pixels(joined, page) == pixels(typeset, from_page)
        assert text(joined, page) == text(typeset, from_page) and f"Page {from_page}" in text(joined, page)


def test_objects_shared_by_pages_are_written_once_and_the_bytes_repeat(typeset, tmp_path):
    with pikepdf.open(typeset) as source:
        write_pages(tmp_path / "one.pdf", [(source, 0, 4)])
        write_pages(tmp_path / "two.pdf", [(source, 0, 4)])
        write_pages(tmp_path / "twice.pdf", [(source, 0, 4), (source, 0, 4)])
    assert (tmp_path / "one.pdf").read_bytes() == (tmp_path / "two.pdf").read_bytes()
    with pikepdf.open(tmp_path / "one.pdf") as one, pikepdf.open(tmp_path / "twice.pdf") as twice:
        fonts = [sum(1 for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font")
                 for pdf in (one, twice)]
        assert fonts[0] > 0 and fonts[0] == fonts[1] and len(twice.pages) == 8


def test_inherited_attributes_strings_like_references_and_links_out_of_the_range(tmp_path):
    made = pikepdf.new()
    for n in range(3):
        made.add_blank_page(page_size=(200, 100))
        page = made.pages[n].obj
        page.Contents = made.make_stream(f"BT /F1 12 Tf 10 50 Td (page {n} \\(1 0 R\\)) Tj ET".encode())
        del page["/MediaBox"]
        if "/Resources" in page:
            del page["/Resources"]
    tree = made.Root.Pages
    tree.MediaBox = [0, 0, 200, 100]  # on the page tree, not the pages: a joined page must carry them
    tree.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=made.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))))
    tricky = "a (2 0 R) ) \\ 3 0 R ( <4 0 R>"
    link = made.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                                                 Rect=[0, 0, 10, 10], Contents=pikepdf.String(tricky),
                                                 Dest=[made.pages[0].obj, pikepdf.Name.Fit]))
    made.pages[1].obj.Annots = made.make_indirect([link])
    made.save(tmp_path / "made.pdf")
    with pikepdf.open(tmp_path / "made.pdf") as source:
        write_pages(tmp_path / "joined.pdf", [(source, 1, 2)])
    with pikepdf.open(tmp_path / "joined.pdf") as result:
        assert result.check_pdf_syntax() == [] and len(result.pages) == 2
        first = result.pages[0].obj
        assert [float(x) for x in first.MediaBox] == [0, 0, 200, 100]
        (annotation,) = first.Annots
        assert str(annotation.Contents) == tricky
        assert annotation.Dest[0] is None or annotation.Dest[0] == pikepdf.Object.parse(b"null")  # page 0 left out
    assert text(tmp_path / "made.pdf", 2).strip() == text(tmp_path / "joined.pdf", 1).strip() == "page 1 (1 0 R)"
    assert pixels(tmp_path / "joined.pdf", 2) == pixels(tmp_path / "made.pdf", 3)
