"""Reading a user's text file whole: bounded in size, UTF-8 with or without a byte-order mark, and
every failure one line naming the file."""

from __future__ import annotations

from pathlib import Path

from qbank.core.errors import QbankError


def read_text(path: Path, limit: int, what: str, hint: str) -> str:
    """A whole UTF-8 file of at most limit bytes (a byte-order mark is dropped); one line otherwise."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise QbankError(f"{path}: no such {what} file; {hint}") from None
    except IsADirectoryError:
        raise QbankError(f"{path}: is a folder, not a {what} file; {hint}") from None
    except OSError as exc:
        raise QbankError(f"{path}: cannot read the {what} ({exc.strerror}); {hint}") from None
    if len(data) > limit:
        raise QbankError(f"{path}: the {what} is larger than {limit:,} bytes; {hint}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QbankError(f"{path}: the {what} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
