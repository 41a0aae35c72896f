"""Exam specs: a small TOML format read with the standard library.

    [exam]                      title, course, date, instructions, seed, versions, roster, calculator, secret
    [[question]]                generator or pool, points, part_points, params

Every problem is a QbankError naming the file and the key, found before any work: sizes are
bounded (qbank.core.limits), every pool member and every pin is checked when the spec is read, and
so is every slot's answer sheet: a pool whose members cannot give the same parts, points and answer
shapes is refused, naming the members and what differs.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from qbank.core import registry
from qbank.core.errors import QbankError
from qbank.core.generator import parse_params
from qbank.core.questionfile import read_question
from qbank.core.limits import (MAX_NESTING, MAX_POINTS, MAX_POOL, MAX_QUESTIONS, MAX_SECRET_BYTES, MAX_SEED,
                          MAX_SPEC_BYTES, MAX_TEXT_CHARS, MAX_VERSIONS, MIN_SECRET_CHARS, nesting)
from qbank.core.textfile import read_text, within
from qbank.exam import roster
from qbank.exam.roster import Student

EXAM_KEYS = {"title", "course", "date", "instructions", "seed", "versions", "roster", "calculator", "secret", "paper",
             "duration", "roster_columns", "formats", "fixed_layout", "honour_line"}
QUESTION_KEYS = {"generator", "pool", "file", "points", "part_points", "params", "answer_space", "section"}
PAPERS = ("a4", "letter")
# What a build can write: PDFs (exams and keys), Moodle XML, a Canvas QTI package.
FORMATS = ("pdf", "moodle", "canvas")
MAX_ANSWER_SPACE = 20  # cm: more than a page is no answer space


@dataclass(frozen=True)
class QuestionSpec:
    pool: tuple[str, ...]          # one id, or several of which each version draws one
    points: int
    part_points: tuple[int, ...] | None = None
    params: dict = field(default_factory=dict, hash=False)
    answer_space: float | None = None  # cm below each part of the exam; None: sized from the part
    section: str = ""              # a heading printed before the question ("Part I: Multiple choice")


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
    secret: "Secret | None" = None  # salts every seed, so codes and the master seed do not give the key away
    paper: str = "a4"              # every PDF, merged ones included: "a4" or "letter"
    duration: str = ""             # time allowed, printed on the cover ("90 minutes")
    formats: tuple[str, ...] = ("pdf",)  # what the build writes (FORMATS), in FORMATS order
    fixed_layout: bool = False     # every version's exam has each answer box on the same page and place
    honour_line: str = ""          # a pledge the student signs on the cover ("" for none)

    @property
    def master(self):
        """What every seed of the exam is derived from: the master seed, salted by the secret if any."""
        return self.seed if self.secret is None else [self.seed, self.secret.salt]


@dataclass(frozen=True)
class Secret:
    """Where the secret comes from ("env:NAME" or "file:PATH") and the salt made from it.

    The secret itself is never stored; `check` lets a rebuild tell a wrong secret from the right one."""

    source: str
    salt: str

    @property
    def check(self) -> str:
        return hashlib.sha256(f"qbank secret check {self.salt}".encode()).hexdigest()[:16]


def read_secret(source: str, base: Path, where: str) -> Secret:
    """The secret named by "env:NAME" or "file:PATH" (in the spec's folder); one line if it is missing."""
    kind, _, name = source.partition(":")
    if kind == "env" and name:
        value = os.environ.get(name, "")
        if not value:
            raise QbankError(f"{where}: the secret comes from the environment variable {name}, which is not set; "
                             f"set it to the exam's secret (the same one as for the original build)")
    elif kind == "file" and name:
        try:
            value = read_text(within(base, name, "secret file"), MAX_SECRET_BYTES, "secret",
                              "give a file holding only the secret").strip()
        except QbankError as exc:
            raise QbankError(f"{where}: {exc}") from None
    else:
        raise QbankError(f"{where}: secret = {source!r}; give \"env:NAME\" (an environment variable) or "
                         f"\"file:PATH\" (a file beside the spec), never the secret itself")
    if len(value) < MIN_SECRET_CHARS:
        raise QbankError(f"{where}: the secret from {source} has {len(value)} characters; use at least "
                         f"{MIN_SECRET_CHARS} (for example: python3 -c 'import secrets; print(secrets.token_hex(16))')")
    return Secret(source, hashlib.sha256(f"qbank secret {value}".encode()).hexdigest())


def default_spec_text() -> str:
    return resources.files("qbank").joinpath("data/default-exam.toml").read_text(encoding="utf-8")


def load(path: str | Path | None) -> ExamSpec:
    """Read a spec file, or qbank's built-in default exam when path is None."""
    if path is None:
        return parse(default_spec_text(), "built-in default exam", base=Path.cwd())
    path = Path(path)
    text = read_text(path, MAX_SPEC_BYTES, "spec", "give the path of an exam TOML file")
    return parse(text, str(path), base=path.parent)


def parse(text: str, source: str, base: Path) -> ExamSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise QbankError(f"{source}: TOML syntax error: {exc}") from None
    except ValueError as exc:  # an integer beyond Python's digit limit
        raise QbankError(f"{source}: TOML value out of range: {exc}") from None
    except RecursionError:
        raise QbankError(f"{source}: lists or tables nest too deeply; at most {MAX_NESTING} levels") from None
    if nesting(data) > MAX_NESTING:
        raise QbankError(f"{source}: lists or tables nest too deeply; at most {MAX_NESTING} levels")
    _only(data, {"exam", "question"}, source, "top level")
    exam = data.get("exam")
    if not isinstance(exam, dict):
        raise QbankError(f"{source}: missing [exam] table with at least a title")
    _only(exam, EXAM_KEYS, source, "[exam]")
    questions = data.get("question")
    if not isinstance(questions, list) or not questions:
        raise QbankError(f"{source}: no [[question]] entries; add at least one with generator = \"...\"")
    if len(questions) > MAX_QUESTIONS:
        raise QbankError(f"{source}: {len(questions)} questions; at most {MAX_QUESTIONS}")
    if "roster_columns" in exam and "roster" not in exam:
        raise QbankError(f"{source}: [exam] roster_columns without a roster; add roster = \"students.csv\"")
    columns = roster.columns_from_spec(exam["roster_columns"], f"{source}: [exam] roster_columns") \
        if "roster_columns" in exam else None
    students = roster.load(exam["roster"], base, source, columns) if "roster" in exam else None
    versions = _integer(exam, "versions", source, "[exam]", default=3)
    check_versions(versions, f"{source}: [exam] versions = {versions}")
    secret = exam.get("secret")
    if secret is not None and not isinstance(secret, str):
        raise QbankError(f"{source}: [exam] secret must be a string such as \"env:QBANK_SECRET\", not {secret!r}")
    paper = exam.get("paper", "a4")
    if paper not in PAPERS:
        raise QbankError(f"{source}: [exam] paper = {_brief(paper)}; give \"a4\" or \"letter\"")
    calculator = exam.get("calculator", False)
    if not isinstance(calculator, bool):
        raise QbankError(f"{source}: [exam] calculator must be true or false, not {calculator!r}")
    fixed_layout = exam.get("fixed_layout", False)
    if not isinstance(fixed_layout, bool):
        raise QbankError(f"{source}: [exam] fixed_layout must be true or false, not {_brief(fixed_layout)}")
    questions = tuple(_question(q, source, f"question {i}", base) for i, q in enumerate(questions, 1))
    _check_generators(questions, calculator, source)
    return _checked_slots(ExamSpec(
        source=source, sha256=hashlib.sha256(text.encode()).hexdigest(),
        title=_text(exam, "title", source, "[exam]", required=True),
        course=_text(exam, "course", source, "[exam]"), date=_text(exam, "date", source, "[exam]"),
        instructions=_text(exam, "instructions", source, "[exam]"),
        seed=_integer(exam, "seed", source, "[exam]", default=0),
        versions=len(students) if students else versions, students=students,
        questions=questions, calculator=calculator,
        secret=None if secret is None else read_secret(secret, base, f"{source}: [exam] secret"),
        paper=paper, duration=_text(exam, "duration", source, "[exam]"),
        formats=check_formats(exam.get("formats", ["pdf"]), f"{source}: [exam] formats"), fixed_layout=fixed_layout,
        honour_line=_honour_line(exam, source),
    ))


def _checked_slots(spec: ExamSpec) -> ExamSpec:
    """The spec, once every slot gives each version the same answer sheet: a pool's members the same
    parts, points and answer shapes, part_points one entry per part (qbank.exam.plan.check_slots).
    Forms come from the master seed, so a new seed is checked again."""
    from qbank.exam import plan  # plan reads ExamSpec: imported here, not at the top
    plan.check_slots(spec)
    return spec


# The pledge `honour_line = true` prints; a string prints as given.
HONOUR_LINE = "I have neither given nor received unauthorised help on this exam."


def _honour_line(exam: dict, source: str) -> str:
    """The pledge above the cover's signature line: true for qbank's, a string for the spec's own."""
    value = exam.get("honour_line", False)
    if isinstance(value, bool):
        return HONOUR_LINE if value else ""
    if not isinstance(value, str):
        raise QbankError(f"{source}: [exam] honour_line must be true, false or the pledge's text, not {_brief(value)}")
    pledge = _text(exam, "honour_line", source, "[exam]").strip()
    if not pledge:
        raise QbankError(f"{source}: [exam] honour_line is empty; give the pledge's text, true for qbank's "
                         "own, or leave it out")
    return pledge


def check_formats(value, where: str) -> tuple[str, ...]:
    """A list of format names, each one of FORMATS; returned in FORMATS order, once each."""
    if not isinstance(value, list) or not value or not all(isinstance(name, str) for name in value):
        raise QbankError(f"{where} must be a list of format names such as [\"pdf\", \"moodle\"], not {_brief(value)}")
    unknown = [name for name in value if name not in FORMATS]
    if unknown:
        raise QbankError(f"{where}: unknown format {_brief(unknown[0])}; choose from {', '.join(FORMATS)}")
    return tuple(name for name in FORMATS if name in value)


def check_versions(versions: int, where: str) -> None:
    if not 1 <= versions <= MAX_VERSIONS:
        raise QbankError(f"{where}; give 1 to {MAX_VERSIONS:,}")


def _check_generators(questions, calculator: bool, source: str) -> None:
    """Every generator (each pool member too) exists, takes the pins and fits the calculator policy,
    before any work: a typo is reported here, not when some version happens to draw it."""
    for number, question in enumerate(questions, 1):
        for gen_id in question.pool:
            try:
                gen = registry.get(gen_id)
            except QbankError as exc:
                raise QbankError(f"{source}: question {number}: {exc}") from None
            try:
                parse_params(gen, question.params)
            except QbankError as exc:
                raise QbankError(f"{source}: question {number} ({gen_id}) params: {exc}") from None
            if gen.calculator and not calculator:
                raise QbankError(f"{source}: question {number} ({gen_id}) needs a calculator, but the exam has none; "
                                 f"set calculator = true in [exam] (and say so in the instructions) or choose "
                                 f"another generator")


def with_overrides(spec: ExamSpec, versions: int | None, seed: int | None) -> ExamSpec:
    """Command-line flags override the spec."""
    if versions is not None:
        check_versions(versions, f"--versions {versions}")
        if spec.students:
            raise QbankError("--versions cannot be used with a roster: the roster sets one version per student")
        spec = replace(spec, versions=versions)
    return spec if seed is None or seed == spec.seed else _checked_slots(replace(spec, seed=seed))


def _question(q, source: str, where: str, base: Path) -> QuestionSpec:
    if not isinstance(q, dict):
        raise QbankError(f"{source}: {where} must be a table")
    _only(q, QUESTION_KEYS, source, where)
    if sum(key in q for key in ("generator", "pool", "file")) != 1:
        raise QbankError(f"{source}: {where} needs exactly one of generator = \"id\", file = \"questions/x.toml\" "
                         f"or pool = [\"id\", \"questions/x.toml\", ...]")
    if "pool" in q:
        pool = q["pool"]
        if not isinstance(pool, list) or not pool or not all(isinstance(g, str) for g in pool):
            raise QbankError(f"{source}: {where} pool must be a non-empty list of generator ids or question files")
        if len(pool) > MAX_POOL or len(set(pool)) != len(pool):
            raise QbankError(f"{source}: {where} pool must list up to {MAX_POOL} different generator ids")
        if "params" in q:
            raise QbankError(f"{source}: {where} pins params for a pool; pin them on a single generator instead")
    elif "file" in q:
        pool = [_text(q, "file", source, where, required=True)]
    else:
        pool = [_text(q, "generator", source, where, required=True)]
    pool = [_question_file(name, base, source, where) if name.endswith(".toml") or "file" in q else name
            for name in pool]
    points = _integer(q, "points", source, where, default=None)
    if points is None or not 1 <= points <= MAX_POINTS:
        raise QbankError(f"{source}: {where} needs points = a whole number from 1 to {MAX_POINTS}")
    part_points = q.get("part_points")
    if part_points is not None:
        if not isinstance(part_points, list) or not part_points \
                or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in part_points) \
                or sum(part_points) != points:
            raise QbankError(f"{source}: {where} part_points must be whole numbers that add up to points = {points}")
        part_points = tuple(part_points)
    params = q.get("params", {})
    if not isinstance(params, dict):
        raise QbankError(f"{source}: {where} params must be a table, e.g. params = {{ stride = 2 }}")
    space = q.get("answer_space")
    if not valid_answer_space(space):
        raise QbankError(f"{source}: {where} answer_space must be a number of centimetres from 0 to "
                         f"{MAX_ANSWER_SPACE}, not {_brief(space)}")
    section = _text(q, "section", source, where).strip()
    if "\n" in section or len(section) > MAX_SECTION_CHARS:
        raise QbankError(f"{source}: {where} section must be one line of at most {MAX_SECTION_CHARS} characters")
    return QuestionSpec(tuple(pool), points, part_points, params, None if space is None else float(space), section)


MAX_SECTION_CHARS = 100


def _question_file(name: str, base: Path, source: str, where: str) -> str:
    """The generator id of a question file the spec names (a path in its folder), read and registered."""
    try:
        path = within(base, name, "question file")
        gen = read_question(path, registry.FILE_PREFIX + name)
    except QbankError as exc:
        raise QbankError(f"{source}: {where}: {exc}") from None
    registry.register_file(gen)
    return gen.id


def valid_answer_space(space) -> bool:
    """None (sized from the part) or a number of centimetres from 0 to MAX_ANSWER_SPACE."""
    return space is None or (not isinstance(space, bool) and isinstance(space, (int, float))
                             and 0 <= space <= MAX_ANSWER_SPACE)


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
        raise QbankError(f"{source}: {where} {key} must be a string, not {_brief(value)}")
    if len(value) > MAX_TEXT_CHARS:
        raise QbankError(f"{source}: {where} {key} has {len(value):,} characters; at most {MAX_TEXT_CHARS:,}")
    return value


def _brief(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _integer(table: dict, key: str, source: str, where: str, default):
    value = table.get(key, default)
    if value is not default and (isinstance(value, bool) or not isinstance(value, int)):
        raise QbankError(f"{source}: {where} {key} must be a whole number, not {_brief(value)}")
    if key == "seed" and value is not None and not 0 <= value <= MAX_SEED:
        raise QbankError(f"{source}: {where} seed must be from 0 to {MAX_SEED}")
    return value
