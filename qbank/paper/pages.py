"""Page ranges of PDFs written as one PDF as they are read, so memory stays flat in the pages.

pikepdf (qpdf) reads the sources; every object a chosen page needs is written out, renumbered, as
soon as it is read, and only an offset per object is kept. qpdf's own writer holds every copied
object until the end: the merged PDFs of 10,000 versions took 1 GB that way. The objects are
written as qpdf prints them (its canonical syntax: literal strings with every parenthesis escaped,
references as "N G R"), so a reference is found in that text by a pattern that skips strings.

Writes go through Python's file object, so a full disk is an OSError like any other write (qpdf's
writer aborted the process on one). The same pages give the same bytes: no dates, an ID made from
the content.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Iterable
from pathlib import Path

import pikepdf

# strings first, so "1 0 R" inside a string is passed over; then a reference
_REFERENCE = re.compile(rb"\((?:\\.|[^\\()])*\)|<[0-9A-Fa-f\s]*>|(\d+) (\d+) R")
_CATALOG, _PAGES = 1, 2  # the joined file's own objects, written last


def write_pages(path: Path, ranges: Iterable[tuple[pikepdf.Pdf, int, int]]) -> None:
    """One PDF of the page ranges (open source, first page, count), in order."""
    try:
        with open(path, "wb") as handle:
            joined = _Joined(handle)
            for source, first, count in ranges:
                joined.add(source, first, count)
            joined.close()
    except OSError as exc:  # a write's error names no file: name the one being written
        raise OSError(exc.errno, exc.strerror, str(path)) from None


class _Joined:
    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.md5(usedforsecurity=False)
        self.offsets = array("Q", [0, 0, 0])  # by object number; 0 unused, then catalog and page tree
        self.kids = array("Q")
        self.source: pikepdf.Pdf | None = None
        self.numbers: dict[tuple[int, int], int] = {}  # the current source's objects in the joined file
        self._write(b"%PDF-1.5\n%\xbf\xf7\xa2\xfe\n")

    def add(self, source: pikepdf.Pdf, first: int, count: int) -> None:
        if source is not self.source:  # objects shared within a source (fonts) are written once
            self.source, self.numbers = source, {}
        pages = [page.obj for page in source.pages[first:first + count]]
        for page in pages:
            self._adopt(page)
        waiting = []
        for page in pages:
            number = self.numbers[page.objgen]
            self.kids.append(number)
            self._object(number, self._renumbered(page.unparse(resolved=True), waiting))
        while waiting:
            objgen = waiting.pop()
            self._copy(source.get_object(objgen), self.numbers[objgen], waiting)

    def _adopt(self, page: pikepdf.Dictionary) -> None:
        """Give the page a number and its parents the joined page tree's. What it inherits from
        them (resources, media box) qpdf has put on the page itself when it listed the pages."""
        self.numbers[page.objgen] = self._number()
        parent = page.get("/Parent")
        while parent is not None:
            self.numbers[parent.objgen] = _PAGES
            parent = parent.get("/Parent")

    def _copy(self, obj, number: int, waiting: list) -> None:
        if isinstance(obj, pikepdf.Stream):
            raw = obj.read_raw_bytes()
            header = pikepdf.Dictionary(obj.stream_dict)
            header.Length = len(raw)
            self._object(number, self._renumbered(header.unparse(), waiting) + b"\nstream\n" + raw + b"\nendstream")
        elif isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Page":
            self._object(number, b"null")  # a page not chosen (a link's target): not dragged in
        else:
            self._object(number, self._renumbered(obj.unparse(resolved=True), waiting))

    def _renumbered(self, text: bytes, waiting: list) -> bytes:
        def replace(match: re.Match) -> bytes:
            if match.group(1) is None:
                return match.group(0)
            objgen = (int(match.group(1)), int(match.group(2)))
            if objgen not in self.numbers:
                self.numbers[objgen] = self._number()
                waiting.append(objgen)
            return b"%d 0 R" % self.numbers[objgen]
        return _REFERENCE.sub(replace, text)

    def _number(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _object(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.handle.tell()
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)

    def close(self) -> None:
        kids = b" ".join(b"%d 0 R" % kid for kid in self.kids)
        self._object(_PAGES, b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(self.kids), kids))
        self._object(_CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % _PAGES)
        start = self.handle.tell()
        identifier = self.digest.hexdigest().encode()
        entries = b"".join(b"%010d 00000 n \n" % offset for offset in self.offsets[1:])
        self.handle.write(b"xref\n0 %d\n0000000000 65535 f \n%strailer\n<< /Size %d /Root %d 0 R /ID [ <%s> <%s> ] >>\n"
                          b"startxref\n%d\n%%%%EOF\n" % (len(self.offsets), entries, len(self.offsets), _CATALOG,
                                                         identifier, identifier, start))
