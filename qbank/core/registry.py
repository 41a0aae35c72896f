"""Finding generators: the entry-point group `qbank.generators`.

Each entry point names a module; every Generator subclass defined in it is
registered and validated on load, so a broken bank fails at start with a clear
message. qbank's own bank registers itself the same way as a third-party one.
"""

from __future__ import annotations

import difflib
import inspect
import re
from functools import cache
from importlib.metadata import entry_points

from qbank.core.errors import QbankError
from qbank.core.generator import Generator
from qbank.core.params import Param

GROUP = "qbank.generators"
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@cache
def registry() -> dict[str, Generator]:
    """All generators by id, in id order."""
    found: dict[str, Generator] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: (e.name, e.value)):
        try:
            module = ep.load()
        except Exception as exc:  # a broken plugin must not take the whole tool down silently
            raise QbankError(f"generator bank '{ep.name}' ({ep.value}) failed to import: {exc}") from exc
        for cls in _generator_classes(module):
            _validate(cls, ep.value)
            if cls.id in found:
                raise QbankError(f"generator id '{cls.id}' is defined twice (second in {ep.value})")
            found[cls.id] = cls()
    if not found:
        raise QbankError(f"no generators found in entry-point group '{GROUP}'; install qbank with 'pip install .'")
    return dict(sorted(found.items()))


# Question files a spec names, by their id ("file:" and the path as the spec gives it): registered
# when the spec is read, the latest reading of a path winning (a spec read again after an edit).
_FILES: dict[str, Generator] = {}
FILE_PREFIX = "file:"


def register_file(gen: Generator) -> None:
    _FILES[gen.id] = gen


def get(generator_id: str) -> Generator:
    if generator_id.startswith(FILE_PREFIX):
        if generator_id in _FILES:
            return _FILES[generator_id]
        raise QbankError(f"the question file {generator_id.removeprefix(FILE_PREFIX)!r} has not been read; give "
                         "--spec with the spec that names it")
    generators = registry()
    if generator_id in generators:
        return generators[generator_id]
    close = (difflib.get_close_matches(generator_id, generators, n=3, cutoff=0.7)
             or [g for g in generators if g.startswith(generator_id.rstrip(".") + ".")][:4])  # a family name
    hint = f"did you mean {', '.join(close)}?" if close else "run 'python -m qbank list' to see them"
    raise QbankError(f"unknown generator '{generator_id}': {hint}")


def _generator_classes(module):
    for _, obj in sorted(vars(module).items()):
        if (inspect.isclass(obj) and issubclass(obj, Generator) and obj.__module__ == module.__name__
                and not vars(obj).get("abstract", False)):  # a shared base class, not a generator
            yield obj


def _validate(cls, where: str) -> None:
    problems = []
    if not isinstance(getattr(cls, "id", None), str) or not _ID.match(cls.id):
        problems.append("an id like 'family.name'")
    if not isinstance(cls.version, int) or cls.version < 1:
        problems.append("an integer version >= 1")
    if not isinstance(getattr(cls, "title", None), str):
        problems.append("a title")
    params = getattr(cls, "params", None)
    if not isinstance(params, dict) or not all(isinstance(p, Param) for p in params.values()):
        problems.append("params: a dict of Param declarations")
    for method in ("sample", "solve", "render"):
        if getattr(cls, method) is getattr(Generator, method):
            problems.append(f"a {method}() method")
    if problems:
        raise QbankError(f"generator {cls.__name__} in {where} needs " + "; ".join(problems))
