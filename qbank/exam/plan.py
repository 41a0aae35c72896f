"""From a spec to versions: version keys and codes, per-slot seeds, pool draws, variants.

Seeds come from SHA-256 of (master seed, version key, slot): the version key is
the version number, or the student id with a roster, so a student keeps the
same exam when the roster grows. With a secret, the secret's salt joins the
master seed in every derivation (ExamSpec.master).

Versions are made one at a time (iter_plan), so a build of thousands streams.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from qbank.core import registry
from qbank.core.errors import BadParam, QbankError
from qbank.core.generator import make_variant, render_variant
from qbank.core.model import Rendered, Variant
from qbank.core.seeding import derive_seed
from qbank.exam.spec import ExamSpec, Student

# Crockford's base32 without I, L, O, U: codes survive being read aloud or handwritten.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 4


@dataclass(frozen=True)
class Question:
    number: int
    points: int
    part_points: tuple[int, ...]
    variant: Variant
    rendered: Rendered
    space: float | None = None  # cm of answer space below each part; None: sized from the part


@dataclass(frozen=True)
class Version:
    number: int
    code: str
    student: Student | None
    questions: tuple[Question, ...]

    @property
    def points(self) -> int:
        return sum(q.points for q in self.questions)


def version_keys(spec: ExamSpec) -> list:
    return [s.id for s in spec.students] if spec.students else list(range(1, spec.versions + 1))


def version_codes(spec: ExamSpec) -> list[str]:
    """Short codes from the seed and version key; a clash is re-drawn deterministically."""
    codes: list[str] = []
    taken: set[str] = set()
    for key in version_keys(spec):
        salt = 0
        while (code := _code(derive_seed("code", spec.master, key, salt))) in taken:
            salt += 1
        codes.append(code)
        taken.add(code)
    return codes


def _code(number: int) -> str:
    return "".join(CODE_ALPHABET[(number >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def plan(spec: ExamSpec) -> list[Version]:
    """Every version with its variants: the same spec and seed always give the same plan."""
    return list(iter_plan(spec))


def iter_plan(spec: ExamSpec) -> Iterator[Version]:
    """The versions of plan(), made one at a time."""
    forms: dict = {}  # (slot, generator id) -> the form every version of that slot keeps
    codes = version_codes(spec)
    for index in range(len(codes)):
        yield _version(spec, index, codes[index], forms)


def _version(spec: ExamSpec, index: int, code: str, forms: dict) -> Version:
    student = spec.students[index] if spec.students else None
    key = student.id if student else index + 1  # as version_keys() has it
    questions = tuple(_question(spec, key, code, slot, forms) for slot in range(len(spec.questions)))
    return Version(index + 1, code, student, questions)


def slot_form(spec: ExamSpec, slot: int, gen) -> dict:
    """The form of one slot (per pool member): drawn once from the master seed and the slot."""
    return make_variant(gen, derive_seed("form", spec.master, slot, gen.id), spec.questions[slot].params).form


def _question(spec: ExamSpec, key, code: str, slot: int, forms: dict) -> Question:
    qspec = spec.questions[slot]
    where = f"{spec.source}: question {slot + 1}"
    pool = qspec.pool
    gen_id = pool[derive_seed("pool", spec.master, key, slot) % len(pool)] if len(pool) > 1 else pool[0]
    try:
        gen = registry.get(gen_id)
        if (slot, gen_id) not in forms:
            forms[slot, gen_id] = slot_form(spec, slot, gen)
        variant = make_variant(gen, derive_seed("question", spec.master, key, slot), qspec.params, forms[slot, gen_id])
    except BadParam as exc:
        raise QbankError(f"{where} ({gen_id}) params: {exc}") from None
    except QbankError as exc:
        raise QbankError(f"{where}: {exc}") from None
    rendered = render_variant(gen, variant)
    return Question(slot + 1, qspec.points, _part_points(qspec, rendered, where, code), variant, rendered,
                    qspec.answer_space)


def _part_points(qspec, rendered: Rendered, where: str, code: str) -> tuple[int, ...]:
    parts = rendered.parts
    if qspec.part_points is not None:
        if len(qspec.part_points) != len(parts):
            raise QbankError(f"{where}: part_points has {len(qspec.part_points)} entries but version {code}'s "
                             f"question has {len(parts)} parts; remove part_points or match the parts")
        return qspec.part_points
    if qspec.points < len(parts):
        raise QbankError(f"{where}: {qspec.points} point{'' if qspec.points == 1 else 's'} cannot go round "
                         f"version {code}'s {len(parts)} parts; give points = {len(parts)} or more, or part_points")
    return split_points(qspec.points, [p.weight for p in parts])


def split_points(points: int, weights: list[int]) -> tuple[int, ...]:
    """Whole points in proportion to the weights, summing to points (largest remainder), and at
    least 1 for every part while there are points to go round: a part worth 0 asks for work that
    earns nothing (a point comes from the part worth most, the first of equals)."""
    shares = [Fraction(points * w, sum(weights)) for w in weights]
    floors = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in by_remainder[: points - sum(floors)]:
        floors[i] += 1
    while 0 in floors and max(floors) > 1:
        floors[floors.index(max(floors))] -= 1
        floors[floors.index(0)] += 1
    return tuple(floors)


def find_version(spec: ExamSpec, code: str) -> Version:
    """The version with this code, or of the student with this id, made without making the others."""
    codes = version_codes(spec)
    wanted = code.strip().upper()
    if wanted in codes:
        return _version(spec, codes.index(wanted), wanted, {})
    ids = [s.id for s in spec.students or ()]
    if code.strip() in ids:
        index = ids.index(code.strip())
        return _version(spec, index, codes[index], {})
    known = ", ".join(codes[:10]) + (" ..." if len(codes) > 10 else "")
    student = " and no student with that id" if ids else ""
    raise QbankError(f"no version with code '{code}'{student} in this spec and seed; its codes are {known}")
