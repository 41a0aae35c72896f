"""Where a build lands: OUT/<slug>/, replaced only when qbank made it, swapped in crash-safe.

- A build is made in a staging folder `OUT/.<slug>.partial-<pid>-<random>` that its live build
  holds a lock on (flock on the folder's `.owner` file: released by the kernel however the
  process dies, so a killed build's folder is recognised as stale and a live one never is).
- Every finished build carries a marker file `.qbank-build` naming its title. An existing
  `OUT/<slug>` is replaced only if it carries the marker (or is a build of an older qbank, with
  its manifest); anything else is refused with one line and left alone. A build of another
  title whose slug is the same goes to `<slug>-<hash of the title>` instead.
- The swap exchanges the two folders in one step (renameat2 RENAME_EXCHANGE) where the system
  has it, so at every instant OUT/<slug> holds the old or the new build. Elsewhere it is two
  renames with Ctrl-C held off between them, and a later build puts back an old build whose
  new one never arrived (power cut).
- Everything that looks at or changes OUT's hidden folders holds OUT/.qbank.lock.
- A rebuild keeps what was handed out: the replaced build's manifest.json is copied into the new
  build's `manifests/` (named for the spec and the manifest's own content, so the same build is
  kept once and no clock is involved), with every file of the replaced build's `manifests/`.
  This happens in the staging folder before the swap, so it is published whole or not at all.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import unicodedata
from pathlib import Path

from qbank import __version__
from qbank.core.errors import QbankError
from qbank.core.textfile import read_text

MARKER = ".qbank-build"
MANIFEST = "manifest.json"
ARCHIVE = "manifests"  # the manifests of the builds a rebuild replaced
LOCK = ".qbank.lock"
OWNER = ".owner"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60] or "exam"


def folder_name(out_dir: Path, title: str) -> str:
    """The slug, unless OUT/<slug> holds a build of another title (told apart by a hash)."""
    name = slug(title)
    if _built_title(out_dir / name) not in (None, title):
        name = f"{name}-{hashlib.sha256(title.encode()).hexdigest()[:8]}"
    return name


@contextlib.contextmanager
def staging(out_dir: Path, name: str):
    """A fresh staging folder for OUT/<name>, removed on the way out unless published."""
    with _out_lock(out_dir):
        _clean_dead(out_dir, name)
        folder = out_dir / f".{name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
        _os_call(folder.mkdir, out_dir)
        owner = os.open(folder / OWNER, os.O_CREAT | os.O_WRONLY, 0o644)
        fcntl.flock(owner, fcntl.LOCK_EX)
    try:
        yield folder
    finally:
        os.close(owner)
        shutil.rmtree(folder, ignore_errors=True)


def publish(folder: Path, target: Path, title: str, secret_check: str | None = None) -> Path:
    """Move a finished staging folder to target, replacing target only if qbank made it; where it
    went (another title with the same slug published there meanwhile: beside it, by a hash).

    Ctrl-C is held off from here on: once the swap starts, the build finishes."""
    with _out_lock(target.parent), _signals_held():
        target = target.parent / folder_name(target.parent, title)
        check_replaceable(target, title)
        # the secret's check value (never the secret) lets show-version refuse a wrong secret
        marker = {"qbank": __version__, "title": title} | ({"secret": secret_check} if secret_check else {})
        (folder / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
        _keep_manifests(target, folder)
        (folder / OWNER).unlink()
        if not target.exists():
            folder.rename(target)
            return target
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
        if _exchange(folder, target):
            folder.rename(old)
        else:
            target.rename(old)
            folder.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        return target


def archived_name(manifest_bytes: bytes) -> str:
    """The archive's name for a manifest: its spec's hash, then its own (a deterministic name; the
    same manifest archived twice is one file)."""
    try:
        spec_sha = str(json.loads(manifest_bytes)["spec"]["sha256"])
    except (ValueError, KeyError, TypeError):
        spec_sha = ""
    spec_sha = spec_sha if re.fullmatch(r"[0-9a-f]{12,64}", spec_sha) else "unknown"
    return f"manifest-{spec_sha[:12]}-{hashlib.sha256(manifest_bytes).hexdigest()[:12]}.json"


def _keep_manifests(target: Path, folder: Path) -> None:
    """Copy into the staging folder the replaced build's archive and its manifest (unless the new
    build's manifest is the same, byte for byte)."""
    if not target.is_dir() or target.is_symlink():
        return
    old_archive, archive = target / ARCHIVE, folder / ARCHIVE
    old_manifest = target / MANIFEST
    try:
        if old_archive.is_dir() and not old_archive.is_symlink():
            # everything in it, the user's files too; links are copied as links, never followed
            shutil.copytree(old_archive, archive, symlinks=True, dirs_exist_ok=True)
        if old_manifest.is_file() and not old_manifest.is_symlink():
            data = old_manifest.read_bytes()
            new = folder / MANIFEST
            if not new.is_file() or data != new.read_bytes():
                archive.mkdir(exist_ok=True)
                kept = archive / archived_name(data)
                if not kept.exists():
                    shutil.copy2(old_manifest, kept)  # its time too: the archive's newest is the last build
    except OSError as exc:
        raise QbankError(f"cannot keep the previous build's manifest in {target / ARCHIVE} "
                         f"({exc.strerror or exc}); the previous build is untouched: free some space and "
                         f"build again") from None


def manifests(target: Path) -> list[Path]:
    """The manifests of the build in target: its manifest.json, then those it replaced, newest first."""
    found = [target / MANIFEST] if (target / MANIFEST).is_file() else []
    archive = target / ARCHIVE
    if archive.is_dir():
        kept = [path for path in archive.glob("*.json") if path.is_file()]
        found += sorted(kept, key=lambda path: (-path.stat().st_mtime_ns, path.name))
    return found


def check_replaceable(target: Path, title: str) -> None:
    """Refuse, in one line, a target that qbank may not replace."""
    if target.is_symlink():
        raise QbankError(f"{target} is a symbolic link; qbank replaces only folders it made: remove the link "
                         f"or choose another --out")
    if not target.exists():
        return
    if not target.is_dir():
        raise QbankError(f"{target} exists and is not a folder; move it away or choose another --out")
    built = _built_title(target)
    if built is None:
        raise QbankError(f"{target} exists and was not made by qbank, so it is left alone; move it away or "
                         f"choose another --out")
    if built != title:
        raise QbankError(f"{target} holds the build of '{built}', not of '{title}'; choose another --out")


def built_secret_check(out_dir: Path, title: str) -> str | None:
    """The secret check recorded by the build of title in out_dir; one line when there is no such
    build or it was made without a secret."""
    target = out_dir / folder_name(out_dir, title)
    try:
        marker = json.loads(read_text(target / MARKER, 10_000, "build marker", "rebuild the exam"))
    except (QbankError, ValueError):
        raise QbankError(f"no build of '{title}' in {out_dir} to check the secret against; give --out with the "
                         "folder the exam was built into") from None
    if not isinstance(marker, dict) or marker.get("title") != title or "secret" not in marker:
        raise QbankError(f"{target} was built without a secret (or by an older qbank); "
                         "give the spec's secret only if the build used it")
    return str(marker["secret"])


def _built_title(folder: Path) -> str | None:
    """The title of the qbank build in folder, or None when folder is not a qbank build."""
    if folder.is_symlink() or not folder.is_dir():
        return None
    for name, read in ((MARKER, lambda data: data["title"]), ("manifest.json", lambda data: data["exam"]["title"])):
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
            if name == MARKER or "qbank" in data:  # a manifest.json of an older qbank counts, another's not
                return str(read(data))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def _clean_dead(out_dir: Path, name: str) -> None:
    """Remove the staging folders of dead builds, and put back an old build whose swap was cut."""
    for folder in sorted(out_dir.glob(f".{name}.partial-*")):
        # only a folder with qbank's exact name and its owner file, never a look-alike of the user's
        if _made_here(folder, name, "partial") and (folder / OWNER).is_file() and not _is_live(folder):
            shutil.rmtree(folder, ignore_errors=True)
    target = out_dir / name
    for old in sorted(out_dir.glob(f".{name}.old-*")):
        if not (_made_here(old, name, "old") and _built_title(old) is not None):
            continue  # not a build qbank moved aside: the user's, left alone
        if not target.exists() and not target.is_symlink():
            old.rename(target)
        else:
            shutil.rmtree(old, ignore_errors=True)


def _made_here(folder: Path, name: str, kind: str) -> bool:
    """folder has the exact name qbank gives its staging (or swapped-out) folders: .<name>.<kind>-<pid>-<8 hex>."""
    return (re.fullmatch(rf"\.{re.escape(name)}\.{kind}-[0-9]+-[0-9a-f]{{8}}", folder.name) is not None
            and folder.is_dir() and not folder.is_symlink())


def _is_live(folder: Path) -> bool:
    try:
        owner = os.open(folder / OWNER, os.O_RDONLY)
    except OSError:
        return False  # no owner file: a build killed while making it, or one already published
    try:
        fcntl.flock(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(owner)


@contextlib.contextmanager
def _out_lock(out_dir: Path):
    _os_call(lambda: out_dir.mkdir(parents=True, exist_ok=True), out_dir)
    # O_NOFOLLOW: a link planted as the lock must not make qbank create a file at its target
    handle = _os_call(lambda: os.open(out_dir / LOCK, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o644), out_dir)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _os_call(call, out_dir: Path):
    try:
        return call()
    except FileExistsError:
        raise QbankError(f"output folder {out_dir} cannot be made: something else is in the way "
                         f"(a file or a broken link); choose another with --out") from None
    except OSError as exc:
        raise QbankError(f"output folder {out_dir} is not writable ({exc.strerror}); choose another with --out") \
            from None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2); False where the system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextlib.contextmanager
def _signals_held():
    """Ctrl-C and SIGTERM wait until the block is done; one that came meanwhile is then dropped,
    since what it would have stopped is finished (the block is the end of a build)."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        while signal.sigtimedwait(held, 0) is not None:
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
