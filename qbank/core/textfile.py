"""Reading a user's text file whole: bounded in size, UTF-8 with or without a byte-order mark, and
every failure one line naming the file; and the rule for files a spec or manifest names."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from qbank.core.errors import QbankError


def read_text(path: Path, limit: int, what: str, hint: str) -> str:
    """A whole UTF-8 file of at most limit bytes (a byte-order mark is dropped); one line otherwise."""
    try:
        # non-blocking: a FIFO opens at once instead of waiting for a writer, then is refused below
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError
            if not stat.S_ISREG(mode):  # /dev/zero, a FIFO, a socket: no end, or no end yet
                raise QbankError(f"{path}: is not a regular file (a device, pipe or socket); {hint}")
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


def within(folder: Path, name: str, what: str) -> Path:
    """folder/name, refused in one line unless it lies in folder or below (".." and symbolic links
    resolved): a spec names only files of its own folder, so one that was handed around cannot
    read, or quote in an error, any other file of the machine."""
    path = folder / name
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a symbolic-link loop
        inside = False
    if not inside:
        shown = name if len(name) <= 80 else f"{name[:80]}..."
        place = "the current folder" if str(folder) == "." else f"the folder {folder}"
        raise QbankError(f"the {what} {shown!r} is not in {place} or below; a spec names only files of its "
                         f"own folder: move or copy the file there")
    return path
