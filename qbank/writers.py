"""Writers that only read finished versions: answer key CSV and manifest JSON."""

from __future__ import annotations

import csv
import io
import json

from qbank import __version__
from qbank.exact import to_text
from qbank.plan import Version
from qbank.spec import ExamSpec

KEY_COLUMNS = ("version", "student_id", "question", "part", "answer", "exact", "decimal", "asked", "tolerance",
               "points")


def answer_key_csv(versions: list[Version]) -> str:
    """One row per answer; a part's points stand on its first answer's row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(KEY_COLUMNS)
    for version in versions:
        for q in version.questions:
            for letter, part, points in zip("abcdefghijklmnopqrstuvwxyz", q.rendered.parts, q.part_points):
                for i, name in enumerate(part.answers):
                    answer = q.variant.answers[name]
                    writer.writerow((version.code, version.student.id if version.student else "", q.number, letter,
                                     name, _flat(to_text(answer.exact)), answer.decimal, _asked(part),
                                     answer.tolerance,
                                     points if i == 0 else ""))
    return out.getvalue()


def _asked(part) -> str:
    """What the part asks for, which is what the tolerance grades."""
    return "exact" if part.decimals is None else f"{part.decimals} decimals"


def _flat(value) -> str:
    return value if isinstance(value, str) else json.dumps(value).replace('"', "")


def manifest_json(spec: ExamSpec, versions: list[Version]) -> str:
    """Everything needed to rebuild any version without sampling."""
    data = {
        "qbank": __version__,
        "spec": {"source": spec.source, "sha256": spec.sha256},
        "exam": {"title": spec.title, "course": spec.course, "date": spec.date, "instructions": spec.instructions},
        "seed": spec.seed,
        "versions": [{
            "number": v.number, "code": v.code,
            "student": {"id": v.student.id, "name": v.student.name} if v.student else None,
            "questions": [{"number": q.number, "points": q.points, "part_points": list(q.part_points),
                           "variant": q.variant.to_json()} for q in v.questions],
        } for v in versions],
    }
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
