"""Exam specs: a small TOML format read with the standard library.

    [exam]                      title, course, date, instructions, seed, versions, roster
    [[question]]                generator or pool, points, part_points, params

Every problem is a QbankError naming the file and the key.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from qbank import registry
from qbank.errors import QbankError

EXAM_KEYS = {"title", "course", "date", "instructions", "seed", "versions", "roster", "calculator"}
QUESTION_KEYS = {"generator", "pool", "points", "part_points", "params"}


@dataclass(frozen=True)
class Student:
    id: str
    name: str


@dataclass(frozen=True)
class QuestionSpec:
    pool: tuple[str, ...]          # one id, or several of which each version draws one
    points: int
    part_points: tuple[int, ...] | None = None
    params: dict = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ExamSpec:
    source: str                    # file name for messages ("built-in default exam" for the default)
    sha256: str
    title: str
    course: str
    date: str
    instructions: str
    seed: int
    versions: int
    students: tuple[Student, ...] | None
    questions: tuple[QuestionSpec, ...]
    calculator: bool = False       # whether students may use calculators: calculator questions need it


def default_spec_text() -> str:
    return resources.files("qbank").joinpath("data/default-exam.toml").read_text(encoding="utf-8")


def load(path: str | Path | None) -> ExamSpec:
    """Read a spec file, or qbank's built-in default exam when path is None."""
    if path is None:
        return parse(default_spec_text(), "built-in default exam", base=Path.cwd())
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QbankError(f"{path}: no such spec file; give the path of an exam TOML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QbankError(f"{path}: cannot read the spec ({exc})") from None
    return parse(text, str(path), base=path.parent)


def parse(text: str, source: str, base: Path) -> ExamSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise QbankError(f"{source}: TOML syntax error: {exc}") from None
    _only(data, {"exam", "question"}, source, "top level")
    exam = data.get("exam")
    if not isinstance(exam, dict):
        raise QbankError(f"{source}: missing [exam] table with at least a title")
    _only(exam, EXAM_KEYS, source, "[exam]")
    questions = data.get("question")
    if not isinstance(questions, list) or not questions:
        raise QbankError(f"{source}: no [[question]] entries; add at least one with generator = \"...\"")
    students = _roster(exam["roster"], source, base) if "roster" in exam else None
    versions = _integer(exam, "versions", source, "[exam]", default=3)
    if versions < 1:
        raise QbankError(f"{source}: [exam] versions = {versions}; give 1 or more")
    calculator = exam.get("calculator", False)
    if not isinstance(calculator, bool):
        raise QbankError(f"{source}: [exam] calculator must be true or false, not {calculator!r}")
    questions = tuple(_question(q, source, f"question {i}") for i, q in enumerate(questions, 1))
    _check_generators(questions, calculator, source)
    return ExamSpec(
        source=source, sha256=hashlib.sha256(text.encode()).hexdigest(),
        title=_text(exam, "title", source, "[exam]", required=True),
        course=_text(exam, "course", source, "[exam]"), date=_text(exam, "date", source, "[exam]"),
        instructions=_text(exam, "instructions", source, "[exam]"),
        seed=_integer(exam, "seed", source, "[exam]", default=0),
        versions=len(students) if students else versions, students=students,
        questions=questions, calculator=calculator,
    )


def _check_generators(questions, calculator: bool, source: str) -> None:
    """Every generator (each pool member too) exists, and fits the calculator policy, before any work."""
    for number, question in enumerate(questions, 1):
        for gen_id in question.pool:
            try:
                gen = registry.get(gen_id)  # an unknown id is reported here, not when some version draws it
            except QbankError as exc:
                raise QbankError(f"{source}: question {number}: {exc}") from None
            if gen.calculator and not calculator:
                raise QbankError(f"{source}: question {number} ({gen_id}) needs a calculator, but the exam has none; "
                                 f"set calculator = true in [exam] (and say so in the instructions) or choose "
                                 f"another generator")


def with_overrides(spec: ExamSpec, versions: int | None, seed: int | None) -> ExamSpec:
    """Command-line flags override the spec."""
    if versions is not None:
        if versions < 1:
            raise QbankError(f"--versions {versions}: give 1 or more")
        if spec.students:
            raise QbankError("--versions cannot be used with a roster: the roster sets one version per student")
        spec = replace(spec, versions=versions)
    return spec if seed is None else replace(spec, seed=seed)


def _question(q, source: str, where: str) -> QuestionSpec:
    if not isinstance(q, dict):
        raise QbankError(f"{source}: {where} must be a table")
    _only(q, QUESTION_KEYS, source, where)
    if ("generator" in q) == ("pool" in q):
        raise QbankError(f"{source}: {where} needs exactly one of generator = \"id\" or pool = [\"id\", ...]")
    if "pool" in q:
        pool = q["pool"]
        if not isinstance(pool, list) or not pool or not all(isinstance(g, str) for g in pool):
            raise QbankError(f"{source}: {where} pool must be a non-empty list of generator ids")
        if "params" in q:
            raise QbankError(f"{source}: {where} pins params for a pool; pin them on a single generator instead")
    else:
        pool = [_text(q, "generator", source, where, required=True)]
    points = _integer(q, "points", source, where, default=None)
    if points is None or points < 1:
        raise QbankError(f"{source}: {where} needs points = a whole number of at least 1")
    part_points = q.get("part_points")
    if part_points is not None:
        if not isinstance(part_points, list) or not all(isinstance(x, int) and x >= 0 for x in part_points) \
                or sum(part_points) != points:
            raise QbankError(f"{source}: {where} part_points must be whole numbers that add up to points = {points}")
        part_points = tuple(part_points)
    params = q.get("params", {})
    if not isinstance(params, dict):
        raise QbankError(f"{source}: {where} params must be a table, e.g. params = {{ stride = 2 }}")
    return QuestionSpec(tuple(pool), points, part_points, params)


def _roster(name, source: str, base: Path) -> tuple[Student, ...]:
    if not isinstance(name, str):
        raise QbankError(f"{source}: [exam] roster must be the path of a CSV file with columns id,name")
    path = base / name
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
            header = rows and list(rows[0]) or []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise QbankError(f"{path}: cannot read the roster ({exc}); give a CSV file with columns id,name") from None
    if not rows or not {"id", "name"} <= set(header):
        raise QbankError(f"{path}: the roster needs a header line 'id,name' and one student per line")
    students, seen = [], set()
    for line, row in enumerate(rows, 2):
        sid, sname = (row.get("id") or "").strip(), (row.get("name") or "").strip()
        if not sid:
            raise QbankError(f"{path}: line {line} has no student id")
        if sid in seen:
            raise QbankError(f"{path}: line {line} repeats student id '{sid}'; ids must be unique")
        seen.add(sid)
        students.append(Student(sid, sname))
    return tuple(students)


def _only(table: dict, allowed: set, source: str, where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        close = difflib.get_close_matches(unknown[0], allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(sorted(allowed))
        raise QbankError(f"{source}: unknown key '{unknown[0]}' in {where}; {hint}")


def _text(table: dict, key: str, source: str, where: str, required=False) -> str:
    if key not in table:
        if required:
            raise QbankError(f"{source}: {where} needs {key} = \"...\"")
        return ""
    value = table[key]
    if not isinstance(value, str):
        raise QbankError(f"{source}: {where} {key} must be a string, not {value!r}")
    return value


def _integer(table: dict, key: str, source: str, where: str, default):
    value = table.get(key, default)
    if value is not default and (isinstance(value, bool) or not isinstance(value, int)):
        raise QbankError(f"{source}: {where} {key} must be a whole number, not {value!r}")
    if key == "seed" and value is not None and value < 0:
        raise QbankError(f"{source}: {where} seed must be 0 or more")
    return value
