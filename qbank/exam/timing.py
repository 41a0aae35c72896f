"""How long an exam takes: the minutes a prepared student needs for each question (Generator.minutes
on the slot's form; a pool slot counts its longest member), summed and set against the spec's
free-text `duration` ("90 minutes", "1 h 30 min", "1.5 hours", "1:30").
"""

from __future__ import annotations

import re
import sys

from qbank.core import registry
from qbank.core.generator import make_variant, render_variant
from qbank.exam.plan import slot_form
from qbank.exam.spec import ExamSpec

_HOURS = r"h|hr|hrs|hour|hours"
_MINUTES = r"m|min|mins|minute|minutes"
_AMOUNT = re.compile(rf"(\d+(?:[.,]\d+)?)\s*({_HOURS}|{_MINUTES})?(?![a-z])", re.IGNORECASE)
_CLOCK = re.compile(r"\s*(\d{1,2}):([0-5]\d)\s*(?:h|hours?)?\s*")


def duration_minutes(text: str) -> int | None:
    """The minutes a duration says, or None when it says none that can be read ("two hours", "")."""
    if clock := _CLOCK.fullmatch(text):
        return int(clock[1]) * 60 + int(clock[2])
    amounts = _AMOUNT.findall(text)
    if not amounts:
        return None
    total, after_hours = 0.0, False
    for number, unit in amounts:
        value = float(number.replace(",", "."))
        if unit and unit.lower() in _HOURS.split("|"):
            total, after_hours = total + 60 * value, True
        elif unit or after_hours or len(amounts) == 1:  # "1 h 30": the 30 are minutes; "60": minutes
            total += value
        else:
            return None  # numbers without units beside each other: not a duration to guess at
    return round(total)


def slot_minutes(spec: ExamSpec, slot: int) -> int:
    """The minutes of one slot: its form's, the longest member's for a pool."""
    longest = 0
    for gen_id in dict.fromkeys(spec.questions[slot].pool):
        gen = registry.get(gen_id)
        form = slot_form(spec, slot, gen)
        variant = make_variant(gen, 0, spec.questions[slot].params, form)
        longest = max(longest, gen.minutes(render_variant(gen, variant).parts))
    return longest


def question_minutes(spec: ExamSpec, versions=None) -> list[int]:
    """Each question's minutes: from the spec's slots, or (a manifest's exam, which keeps no slots)
    from the versions, the longest version's for each question."""
    if spec.questions:
        return [slot_minutes(spec, slot) for slot in range(len(spec.questions))]
    longest: list[int] = []
    for version in versions if isinstance(versions, (list, tuple)) else ():
        for i, question in enumerate(version.questions):
            minutes = registry.get(question.variant.generator).minutes(question.rendered.parts)
            if i == len(longest):
                longest.append(minutes)
            longest[i] = max(longest[i], minutes)
    return longest


def summary(spec: ExamSpec, versions=None) -> tuple[str, str | None]:
    """The build's line about time, and a warning when the questions need more than the duration."""
    minutes = question_minutes(spec, versions)
    total = sum(minutes)
    each = f" ({' + '.join(map(str, minutes))})" if 1 < len(minutes) <= 12 else ""
    line = f"  time: about {total} minutes for a prepared student{each}"
    allowed = duration_minutes(spec.duration)
    if not spec.duration:
        return line + "; set [exam] duration to check it against the time allowed", None
    if allowed is None:
        return line + f"; duration {spec.duration!r} is not read as minutes (write it like \"90 minutes\" " \
                      f"or \"1 h 30 min\")", None
    line += f" of the {allowed} allowed"
    if total <= allowed:
        return line, None
    return line, (f"qbank: warning: the questions need about {total} minutes, more than the {allowed} of "
                  f"duration = {spec.duration!r}; drop a question, pin smaller forms or allow more time "
                  f"(python -m qbank describe ID shows each question's minutes)")


def report(spec: ExamSpec, versions=None) -> None:
    """Print the time line, and the warning, if any, on stderr (the build goes on)."""
    line, warning = summary(spec, versions)
    print(line)
    if warning:
        print(warning, file=sys.stderr)
