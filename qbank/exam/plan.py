"""From a spec to versions: version keys and codes, per-slot seeds, pool draws, variants.

Seeds come from SHA-256 of (master seed, version key, slot): the version key is
the version number, or the student id with a roster, so a student keeps the
same exam when the roster grows. With a secret, the secret's salt joins the
master seed in every derivation (ExamSpec.master).

A slot has one form, so every version of it has the same parts, points and answer shapes: a
pool's first member draws the slot's form, every other member draws a form that gives the same
answer sheet (slot_forms), and a pool none of whose forms can is refused when the spec is read
(check_slots).

Versions are made one at a time (iter_plan), so a build of thousands streams.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from qbank.core import registry
from qbank.core.errors import BadParam, QbankError
from qbank.core.generator import make_variant, render_variant
from qbank.core.model import Rendered, Variant, kind_of
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
    section: str = ""  # the heading printed before the question, if the spec gives one


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
    forms: dict = {}  # slot -> {generator id: the form every version of that slot keeps}
    codes = version_codes(spec)
    for index in range(len(codes)):
        yield _version(spec, index, codes[index], forms)


def _version(spec: ExamSpec, index: int, code: str, forms: dict) -> Version:
    student = spec.students[index] if spec.students else None
    key = student.id if student else index + 1  # as version_keys() has it
    questions = tuple(_question(spec, key, code, slot, forms) for slot in range(len(spec.questions)))
    return Version(index + 1, code, student, questions)


# A pool member other than the first draws forms until one gives the first member's answer sheet,
# at most this many times (a form of three equally likely ones is missed with chance (2/3)^100).
FORM_DRAWS = 100


@dataclass(frozen=True)
class SheetPart:
    """What one part puts on a version's answer sheet: the shape of each answer it asks for, its
    points (None when part_points sets them) and the lines of working its answer box is sized for
    (None unless fixed_layout sizes boxes by the part)."""

    shapes: tuple[str, ...]
    points: int | None  # the question's points split by the part weights
    lines: int | None
    weight: int = field(default=1, compare=False)  # for messages: equal points are fair whatever the weights


def slot_form(spec: ExamSpec, slot: int, gen) -> dict:
    """The form of one slot for one generator (per pool member), the same in every version."""
    return slot_forms(spec, slot, [gen.id])[gen.id]


def slot_forms(spec: ExamSpec, slot: int, members=None) -> dict:
    """The form of one slot for each pool member (or for the given members), from the master seed and
    the slot: the first member draws the slot's form, every other member the first of its draws that
    gives the same answer sheet (sheet()); a member with none among FORM_DRAWS is refused."""
    pool = spec.questions[slot].pool
    first = _form_variant(spec, slot, registry.get(pool[0]), 0)
    wanted = sheet(spec, slot, registry.get(pool[0]), first)
    forms = {pool[0]: first.form}
    for gen_id in pool[1:] if members is None else [m for m in members if m != pool[0]]:
        gen = registry.get(gen_id)
        drawn = [_form_variant(spec, slot, gen, 0)]
        while sheet(spec, slot, gen, drawn[-1]) != wanted and len(drawn) < FORM_DRAWS:
            drawn.append(_form_variant(spec, slot, gen, len(drawn)))
        if sheet(spec, slot, gen, drawn[-1]) != wanted:
            raise QbankError(_unfair_pool(spec, slot, (pool[0], wanted), (gen_id, sheet(spec, slot, gen, drawn[0]))))
        forms[gen_id] = drawn[-1].form
    return forms


def _form_variant(spec: ExamSpec, slot: int, gen, draw: int) -> Variant:
    # the first draw's seed is the one every slot had before pools were matched: forms stay as built
    parts = ("form", spec.master, slot, gen.id) + ((draw,) if draw else ())
    return make_variant(gen, derive_seed(*parts), spec.questions[slot].params)


def sheet(spec: ExamSpec, slot: int, gen, variant: Variant) -> tuple[SheetPart, ...]:
    """What a version's answer sheet gets from this variant's form: per part the answer shapes, the
    points and, with fixed_layout, the box's lines of working (the same for every variant of a form)."""
    qspec = spec.questions[slot]
    parts = render_variant(gen, variant).parts
    weights = [part.weight for part in parts]
    split = split_points(qspec.points, weights) if qspec.points >= len(parts) else weights
    sized = spec.fixed_layout and qspec.answer_space is None
    return tuple(SheetPart(tuple(answer_shape(variant.answers[name].exact) for name in part.answers),
                           None if qspec.part_points is not None else points,
                           (part.work if part.work is not None else part.weight) if sized else None, part.weight)
                 for part, points in zip(parts, split))


def answer_shape(value) -> str:
    """An answer's shape as a student sees it: "a scalar", "a 3-vector", "a 2x2 matrix", "words", "a
    choice of 4 (partial)" or "a written answer (6 cm)"."""
    kind = kind_of(value)
    if kind == "choice":
        return f"a choice of {len(value.options)} ({'exactly one' if value.exactly_one else value.scoring})"
    if kind == "written":
        return f"a written answer ({value.space:g} cm)"
    if kind == "words":
        return "words"
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return f"a {len(value)}x{len(value[0])} matrix"
    return f"a {len(value)}-vector" if isinstance(value, tuple) else "a scalar"


def _unfair_pool(spec: ExamSpec, slot: int, first: tuple, other: tuple) -> str:
    """One line: which members differ and how (parts, answer shapes, points, box heights), and the fix."""
    (first_id, want), (other_id, got) = first, other
    letters = "abcdefghijklmnopqrstuvwxyz"
    if len(want) != len(got):
        differs = [f"{first_id} has {_count(len(want), 'part')}, {other_id} {len(got)}"]
    else:
        differs = [f"part ({letters[i]}) asks for {' and '.join(a.shapes)} in {first_id} but "
                   f"{' and '.join(b.shapes)} in {other_id}" for i, (a, b) in enumerate(zip(want, got))
                   if a.shapes != b.shapes]
        if len(differs) > 2:
            differs[2:] = [f"{len(differs) - 2} more parts differ"]
    fix = ("make a pool of members with the same parts and answer shapes (python -m qbank describe ID "
           "lists them), or give each member its own question")
    if not differs and [p.points for p in want] != [p.points for p in got]:
        differs = [f"its parts get {_listed(p.points for p in want)} points in {first_id} (weights "
                   f"{_listed(p.weight for p in want)}) but {_listed(p.points for p in got)} in {other_id} "
                   f"(weights {_listed(p.weight for p in got)})"]
        fix = f"give part_points = [...] ({len(want)} entries adding up to {spec.questions[slot].points})"
    elif not differs:
        differs = [f"part ({letters[i]})'s answer box is sized for {a.lines} lines of working in {first_id} but "
                   f"{b.lines} in {other_id}" for i, (a, b) in enumerate(zip(want, got)) if a.lines != b.lines]
        fix = "give answer_space = CM (the same height for every part's box)"
    return (f"{spec.source}: question {slot + 1}: the pool's members give versions different questions in this "
            f"exam: {'; '.join(differs)} (none of {FORM_DRAWS} forms of {other_id} matches {first_id}, the "
            f"first member, whose form is the slot's); {fix}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _listed(values) -> str:
    return ", ".join(str(v) for v in values)


def check_slots(spec: ExamSpec) -> None:
    """What the spec is refused for when read: a pool whose members cannot all give the first
    member's answer sheet, and part_points whose entries are not the slot's parts."""
    for slot, qspec in enumerate(spec.questions):
        if len(qspec.pool) == 1 and qspec.part_points is None:
            continue
        where = f"{spec.source}: question {slot + 1}"
        gen_id = qspec.pool[0]
        try:
            gen = registry.get(gen_id)
            slot_forms(spec, slot)
            if qspec.part_points is not None:
                parts = sheet(spec, slot, gen, _form_variant(spec, slot, gen, 0))
                if len(qspec.part_points) != len(parts):
                    raise QbankError(f"{where}: part_points has {len(qspec.part_points)} entries but the question "
                                     f"({'pool' if len(qspec.pool) > 1 else gen_id}) has {_count(len(parts), 'part')} "
                                     f"in this exam; give {len(parts)} entries or remove part_points")
        except BadParam as exc:
            raise QbankError(f"{where} ({gen_id}) params: {exc}") from None


def _question(spec: ExamSpec, key, code: str, slot: int, forms: dict) -> Question:
    qspec = spec.questions[slot]
    where = f"{spec.source}: question {slot + 1}"
    pool = qspec.pool
    gen_id = pool[derive_seed("pool", spec.master, key, slot) % len(pool)] if len(pool) > 1 else pool[0]
    try:
        gen = registry.get(gen_id)
        if slot not in forms:
            forms[slot] = {}
        if gen_id not in forms[slot]:
            forms[slot] |= slot_forms(spec, slot, [gen_id])
        variant = make_variant(gen, derive_seed("question", spec.master, key, slot), qspec.params, forms[slot][gen_id])
    except BadParam as exc:
        raise QbankError(f"{where} ({gen_id}) params: {exc}") from None
    except QbankError as exc:
        raise QbankError(exc if str(exc).startswith(where) else f"{where}: {exc}") from None
    rendered = render_variant(gen, variant)
    return Question(slot + 1, qspec.points, _part_points(qspec, rendered, where, code), variant, rendered,
                    qspec.answer_space, qspec.section)


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


# A question previewed alone (`show`, `show --pdf`) is worth this, split by its part weights.
PREVIEW_POINTS = 10


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
    exam = "the built-in default exam" if spec.source == "built-in default exam" else spec.source
    fix = ("give --spec with the exam's spec file" if spec.source == "built-in default exam" else
           "check the spec") + " (and --seed if the build overrode it), or --manifest with its build's manifest.json"
    raise QbankError(f"no version with code '{code}'{student} in {exam} with seed {spec.seed}; its codes are "
                     f"{known}; {fix}")
