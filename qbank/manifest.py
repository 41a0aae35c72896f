"""Reading a build's manifest.json back: versions rebuilt from stored params, no sampling."""

from __future__ import annotations

import json
from pathlib import Path

from qbank import registry
from qbank.errors import QbankError
from qbank.generator import render_variant, solve_variant
from qbank.model import Variant
from qbank.plan import Question, Version
from qbank.spec import ExamSpec, Student


def load(path: Path) -> tuple[ExamSpec, list[Version]]:
    """The exam and its versions; fails if a generator now gives different answers."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        versions = [_version(v, path) for v in data["versions"]]
        exam = data["exam"]
        spec = ExamSpec(str(path), data["spec"]["sha256"], exam["title"], exam["course"], exam["date"],
                        exam["instructions"], data["seed"], len(versions),
                        tuple(v.student for v in versions) if versions and versions[0].student else None, ())
    except FileNotFoundError:
        raise QbankError(f"{path}: no such manifest; give the manifest.json of a build") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise QbankError(f"{path}: not a qbank manifest ({type(exc).__name__}: {exc})") from None
    return spec, versions


def _version(data: dict, path) -> Version:
    student = Student(data["student"]["id"], data["student"]["name"]) if data["student"] else None
    questions = tuple(_question(q, path, data["code"]) for q in data["questions"])
    return Version(data["number"], data["code"], student, questions)


def _question(data: dict, path, code: str) -> Question:
    stored = Variant.from_json(data["variant"])
    gen = registry.get(stored.generator)
    where = f"{path}: version {code}, question {data['number']} ({stored.generator})"
    if gen.version != stored.version:
        raise QbankError(f"{where} was made by generator version {stored.version}, "
                         f"but version {gen.version} is installed; rebuild with the qbank that made it")
    variant = solve_variant(gen, stored.seed, stored.params)
    if variant.answers != stored.answers:
        raise QbankError(f"{where}: the generator now gives different answers than the manifest records")
    return Question(data["number"], data["points"], tuple(data["part_points"]), variant, render_variant(gen, variant))
