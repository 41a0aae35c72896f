"""Reading a build's manifest.json back: versions rebuilt from stored params, no sampling.

A manifest is data from someone else's machine. Every field is checked against the schema
below (types, sizes, ranges, version codes in the code alphabet) before anything is built,
and an error names the field; exact values are read by qbank's own grammar (exact.from_text),
never evaluated.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from qbank.core import registry
from qbank.core.errors import QbankError
from qbank.core.exact import from_text
from qbank.core.generator import render_variant, solve_variant
from qbank.core.limits import (MAX_ANSWER_ITEMS, MAX_ANSWERS, MAX_ID_CHARS, MAX_MANIFEST_BYTES, MAX_NAME_CHARS,
                          MAX_NESTING, MAX_POINTS, MAX_QUESTIONS, MAX_SEED, MAX_TEXT_CHARS, MAX_VERSIONS, nesting)
from qbank.core.model import LETTERS, SCORING_RULES, Variant
from qbank.core.textfile import read_text, within
from qbank.exam.plan import CODE_ALPHABET, CODE_LENGTH, Question, Version
from qbank.exam.roster import Student
from qbank.exam.spec import MAX_ANSWER_SPACE, PAPERS, ExamSpec, check_formats, read_secret, valid_answer_space

_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
_TOP_KEYS = {"qbank", "spec", "exam", "seed", "secret", "versions"}
# fields that manifests of older qbank versions lack
_OPTIONAL_KEYS = {"secret", "paper", "duration", "answer_space", "formats", "fixed_layout", "section"}


class _Bad(Exception):
    """A field that breaks the schema: where it is and what is wrong."""


def load(path: Path, with_secret: bool = True) -> tuple[ExamSpec, list[Version]]:
    """The exam and its versions; fails if a generator now gives different answers.

    with_secret=False (looking a version up, not rebuilding): a build's secret is not read, since
    the manifest records every code; the exam's secret is then None."""
    path = Path(path)
    data = _read(path)
    try:
        return _manifest(data, path, with_secret)
    except _Bad as exc:
        raise QbankError(f"{path}: {exc}; give the manifest.json a build wrote, unedited") from None


def holds(path: Path, code: str) -> bool:
    """Whether the manifest at path names a version with this code or a student with this id: a
    quick look before `load` checks the whole manifest and re-solves its versions."""
    data = _read(Path(path))
    versions = data.get("versions") if isinstance(data, dict) else None
    if not isinstance(versions, list):
        return True  # not a manifest's shape: `load` says what is wrong
    for entry in versions:
        if not isinstance(entry, dict):
            return True
        student = entry.get("student")
        if entry.get("code") == code.strip().upper() or (
                isinstance(student, dict) and student.get("id") == code.strip()):
            return True
    return False


def codes(path: Path) -> list[str]:
    """The version codes a manifest records (a quick look, for a message)."""
    data = _read(Path(path))
    versions = data.get("versions") if isinstance(data, dict) else None
    return [str(v["code"]) for v in versions if isinstance(v, dict) and isinstance(v.get("code"), str)] \
        if isinstance(versions, list) else []


def find(versions: list[Version], code: str) -> Version | None:
    """The version with this code (any case) or of the student with this id."""
    for version in versions:
        if version.code == code.strip().upper() or (version.student and version.student.id == code.strip()):
            return version
    return None


def _read(path: Path):
    text = read_text(path, MAX_MANIFEST_BYTES, "manifest", "give the manifest.json of a build")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # also integers past Python's digit limit
        raise QbankError(f"{path}: not a qbank manifest (not JSON: {str(exc)[:120]})") from None


def _manifest(data, path: Path, with_secret: bool = True) -> tuple[ExamSpec, list[Version]]:
    if nesting(data) > MAX_NESTING:
        raise _Bad(f"nests more than {MAX_NESTING} levels deep")
    _table(data, _TOP_KEYS, "the manifest")
    _string(data["qbank"], "qbank", 40)
    spec_data = _table(data["spec"], {"source", "sha256"}, "spec")
    exam = _table(data["exam"], {"title", "course", "date", "instructions", "paper", "duration", "formats",
                                 "fixed_layout", "honour_line"}, "exam")
    texts = {key: _string(exam.get(key, ""), f"exam.{key}", MAX_TEXT_CHARS) for key in exam
             if key not in ("formats", "fixed_layout")}
    fixed_layout = exam.get("fixed_layout", False)
    if not isinstance(fixed_layout, bool):
        raise _Bad("exam.fixed_layout must be true or false")
    try:
        formats = check_formats(exam.get("formats", ["pdf"]), "exam.formats")
    except QbankError as exc:
        raise _Bad(str(exc)) from None
    paper = exam.get("paper", "a4")
    if paper not in PAPERS:
        raise _Bad(f"exam.paper must be one of {', '.join(PAPERS)}")
    seed = _integer(data["seed"], "seed", 0, MAX_SEED)
    secret = _secret(data.get("secret"), spec_data, path) if with_secret else _no_secret(data.get("secret"))
    versions_data = _list(data["versions"], "versions", MAX_VERSIONS)
    versions = [_version(v, i, path) for i, v in enumerate(versions_data)]
    _same_exam(versions)
    students = tuple(v.student for v in versions) if versions[0].student else None
    if len({s.id for s in students or ()}) != len(students or ()):
        raise _Bad("two versions have the same student id")
    twice = sorted(code for code, count in Counter(v.code for v in versions).items() if count > 1)
    if twice:  # each code names one exam-CODE.pdf: a second version of it would replace the first's
        raise _Bad(f"two versions have the same code {twice[0]}")
    spec = ExamSpec(_string(spec_data["source"], "spec.source", 4096), _string(spec_data["sha256"], "spec.sha256", 64),
                    texts["title"], texts["course"], texts["date"], texts["instructions"], seed, len(versions),
                    students, (), secret=secret, paper=paper, duration=texts.get("duration", ""), formats=formats,
                    fixed_layout=fixed_layout, honour_line=texts.get("honour_line", ""))
    return spec, versions


def _no_secret(data) -> None:
    """A secret's record checked for shape only (show-version needs no secret: the codes are stored)."""
    if data is not None:
        _string(_table(data, {"source", "check"}, "secret")["source"], "secret.source", 200)
    return None


def _secret(data, spec_data: dict, path: Path):
    """A build made with a secret is rebuilt only with the same secret at hand."""
    if data is None:
        return None
    data = _table(data, {"source", "check"}, "secret")
    source = _string(data["source"], "secret.source", 200)
    where = f"{path}: this build was made with a secret"
    try:  # the spec's folder as the manifest records it: the current folder or below, as for a spec
        base = within(Path("."), str(Path(str(spec_data.get("source", ""))).parent), "spec folder")
    except QbankError as exc:
        raise QbankError(f"{where}: {exc}; run qbank from a folder that holds it") from None
    secret = read_secret(source, base, where)
    if secret.check != data["check"]:
        raise QbankError(f"{path}: the secret from {source} is not the one this build was made with; "
                         f"set the original secret")
    return secret


def _version(data, index: int, path: Path) -> Version:
    where = f"versions[{index}]"
    data = _table(data, {"number", "code", "student", "questions"}, where)
    if _integer(data["number"], f"{where}.number", 1, MAX_VERSIONS) != index + 1:
        raise _Bad(f"{where}.number is {data['number']}, expected {index + 1}")
    code = _string(data["code"], f"{where}.code", CODE_LENGTH)
    if not _CODE.fullmatch(code):
        raise _Bad(f"{where}.code {code!r} is not a version code ({CODE_LENGTH} of {CODE_ALPHABET})")
    student = None
    if data["student"] is not None:
        s = _table(data["student"], {"id", "name"}, f"{where}.student")
        student = Student(_string(s["id"], f"{where}.student.id", MAX_ID_CHARS, empty=False),
                          _string(s["name"], f"{where}.student.name", MAX_NAME_CHARS))
    questions = _list(data["questions"], f"{where}.questions", MAX_QUESTIONS)
    return Version(index + 1, code, student,
                   tuple(_question(q, i, f"{where}.questions[{i}]", path, code) for i, q in enumerate(questions)))


def _question(data, index: int, where: str, path: Path, code: str) -> Question:
    data = _table(data, {"number", "points", "part_points", "answer_space", "section", "variant"}, where)
    if _integer(data["number"], f"{where}.number", 1, MAX_QUESTIONS) != index + 1:
        raise _Bad(f"{where}.number is {data['number']}, expected {index + 1}")
    points = _integer(data["points"], f"{where}.points", 1, MAX_POINTS)
    part_points = tuple(_integer(p, f"{where}.part_points", 0, points)
                        for p in _list(data["part_points"], f"{where}.part_points", 26))
    if sum(part_points) != points:
        raise _Bad(f"{where}.part_points add up to {sum(part_points)}, not to points = {points}")
    space = data.get("answer_space")
    if not valid_answer_space(space):
        raise _Bad(f"{where}.answer_space must be null or centimetres from 0 to {MAX_ANSWER_SPACE}")
    stored = _variant(data["variant"], f"{where}.variant")
    named = f"{path}: version {code}, question {index + 1} ({stored.generator})"
    try:
        gen = registry.get(stored.generator)
    except QbankError as exc:
        raise QbankError(f"{path}: {where}.variant.generator: {exc}") from None
    if gen.version != stored.version:
        raise QbankError(f"{named} was made by generator version {stored.version}, "
                         f"but version {gen.version} is installed; rebuild with the qbank that made it")
    try:
        variant = solve_variant(gen, stored.seed, stored.params)
    except QbankError as exc:
        raise QbankError(f"{named}: {exc}") from None
    if variant.answers != stored.answers:
        raise QbankError(f"{named}: the generator now gives different answers than the manifest records")
    rendered = render_variant(gen, variant)
    if len(part_points) != len(rendered.parts):
        raise _Bad(f"{where}.part_points has {len(part_points)} entries, but the question has "
                   f"{len(rendered.parts)} parts")
    section = _string(data.get("section", ""), f"{where}.section", 100)
    return Question(index + 1, points, part_points, variant, rendered, None if space is None else float(space),
                    section)


def _variant(data, where: str) -> Variant:
    data = _table(data, {"generator", "version", "seed", "params", "answers"}, where)
    _string(data["generator"], f"{where}.generator", 100)
    _integer(data["version"], f"{where}.version", 1, 10_000)
    _integer(data["seed"], f"{where}.seed", 0, MAX_SEED)
    if not isinstance(data["params"], dict):
        raise _Bad(f"{where}.params must be an object")
    answers = data["answers"]
    if not isinstance(answers, dict) or not answers:
        raise _Bad(f"{where}.answers must be a non-empty object")
    if len(answers) > MAX_ANSWERS:  # bounded before the walk (1,000,000 answers once took 88 s)
        raise _Bad(f"{where}.answers has {len(answers):,} entries; a variant has at most {MAX_ANSWERS}")
    for name, answer in answers.items():
        if isinstance(answer, dict) and isinstance(answer.get("exact"), dict):
            _kind(answer["exact"], f"{where}.answers.{name[:40]}.exact")
        elif not isinstance(answer, dict) or not _is_exact_text(answer.get("exact")):
            raise _Bad(f"{where}.answers.{name[:40]}.exact must be an exact value or a list of them")
    return Variant.from_json(data)


def _kind(data: dict, where: str) -> None:
    """A choice or written answer as Choice.to_json and Written.to_json write it, bounded."""
    if data.get("kind") == "choice":
        _table(data, {"kind", "scoring", "exactly_one", "options"}, where)
        if data["scoring"] not in SCORING_RULES or not isinstance(data["exactly_one"], bool):
            raise _Bad(f"{where} has an unknown scoring rule")
        for i, option in enumerate(_list(data["options"], f"{where}.options", len(LETTERS))):
            option = _table(option, {"id", "text", "correct", "reason"}, f"{where}.options[{i}]")
            for key in ("id", "text", "reason"):
                _string(option[key], f"{where}.options[{i}].{key}", 2_000)
            if not isinstance(option["correct"], bool):
                raise _Bad(f"{where}.options[{i}].correct must be true or false")
    elif data.get("kind") == "written":
        _table(data, {"kind", "rubric", "model_answer", "space"}, where)
        _string(data["rubric"], f"{where}.rubric", 5_000)
        _string(data["model_answer"], f"{where}.model_answer", 5_000)
        if isinstance(data["space"], bool) or not isinstance(data["space"], (int, float)) or not 0 < data["space"] <= 20:
            raise _Bad(f"{where}.space must be centimetres from 0 to 20")
    else:
        raise _Bad(f"{where} must be an exact value or a list of them (or a choice or written answer)")


def _is_exact_text(value, inside_list: bool = False) -> bool:
    """What exact.to_text writes: a string (a number, or a text answer), or (nested) non-empty lists
    of numbers."""
    if isinstance(value, list):
        return 0 < len(value) <= MAX_ANSWER_ITEMS and all(_is_exact_text(item, True) for item in value)
    return isinstance(value, str) and (not inside_list or not isinstance(from_text(value), str))


def _same_exam(versions: list[Version]) -> None:
    """Every version has the same questions' points and either every version a student or none."""
    first = versions[0]
    for version in versions[1:]:
        if [q.points for q in version.questions] != [q.points for q in first.questions]:
            raise _Bad(f"version {version.code} has other questions or points than version {first.code}")
        if (version.student is None) != (first.student is None):
            raise _Bad(f"version {version.code} and version {first.code} differ in having a student")


def _table(data, keys: set, where: str) -> dict:
    if not isinstance(data, dict):
        raise _Bad(f"{where} must be an object")
    unknown = sorted(set(data) - keys)
    missing = sorted(keys - set(data) - _OPTIONAL_KEYS)
    if unknown or missing:
        raise _Bad(f"{where} has the unknown field {unknown[0][:40]!r}" if unknown else
                   f"{where} lacks the field {missing[0]!r}")
    return data


def _list(data, where: str, most: int) -> list:
    if not isinstance(data, list) or not 1 <= len(data) <= most:
        raise _Bad(f"{where} must be a list of 1 to {most:,} entries")
    return data


def _string(data, where: str, most: int, empty: bool = True) -> str:
    if not isinstance(data, str) or len(data) > most or (not empty and not data):
        raise _Bad(f"{where} must be a{'' if empty else ' non-empty'} string of at most {most:,} characters")
    if any(ord(c) < 0x20 and c not in "\n\t" for c in data):
        raise _Bad(f"{where} holds a control character")
    return data


def _integer(data, where: str, least: int, most: int) -> int:
    if isinstance(data, bool) or not isinstance(data, int) or not least <= data <= most:
        raise _Bad(f"{where} must be a whole number from {least:,} to {most:,}")
    return data
