"""moodle.xml: every version's variant of each question slot as a Moodle question, in one
category per slot, so that a Moodle quiz draws one random question per category.

A question with one field is a `numerical` question (absolute tolerance); any other is a `cloze`
question with one NUMERICAL field per entry (a MULTICHOICE menu for an answer in words), weighted
by its points. Math is \\( \\) for Moodle's MathJax filter; the worked solution is the general feedback;
the name and ID number say the exam, slot, version, generator and seed, so a grader finds the
variant. Versions stream: each writes a category switch and its questions as it comes.
"""

from __future__ import annotations

import html
import math

from lxml import etree as ET

from qbank.exam.plan import Question, Version
from qbank.exam.spec import ExamSpec
from qbank.lms import fields

NAME_CHARS = 100  # of the exam title in names and categories (Moodle allows 255 in all)


class MoodleWriter:
    def __init__(self, handle, spec: ExamSpec):
        self._handle, self._spec = handle, spec
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')

    def add(self, version: Version) -> None:
        for question in version.questions:
            self._write(_category(self._spec, question.number))
            self._write(question_element(self._spec, version, question))

    def close(self) -> None:
        self._handle.write("</quiz>\n")

    def _write(self, element: ET.Element) -> None:
        ET.indent(element, space=" ", level=1)
        self._handle.write(" " + ET.tostring(element, encoding="unicode") + "\n")


def _category(spec: ExamSpec, slot: int) -> ET.Element:
    # a slash inside a category's name is written twice (a single one separates categories)
    title = spec.title[:NAME_CHARS].replace("/", "//")
    element = ET.Element("question", type="category")
    _text(ET.SubElement(element, "category"), f"$course$/top/{title}/Question {slot}")
    return element


def question_element(spec: ExamSpec, version: Version, question: Question) -> ET.Element:
    parts = fields.parts(question)
    entries = [entry for part in parts for entry in part.entries]
    variant = question.variant
    single = fields.one_number(entries)
    element = ET.Element("question", type="numerical" if single else "cloze")
    _text(ET.SubElement(element, "name"), f"{spec.title[:NAME_CHARS]} - Q{question.number} version {version.code} "
                                          f"({variant.generator} v{variant.version} seed {variant.seed})")
    text = fields.statement(question, parts)
    if single:
        text += "".join(part.prompt for part in parts)
    else:
        cloze = iter(cloze_field(entry, weight) for entry, weight in zip(entries, weights(entries)))
        text += '<ol type="a">' + "".join(
            f"<li>{part.prompt}<br>" + "<br>".join(f"{entry.label} = {next(cloze)}" for entry in part.entries) + "</li>"
            for part in parts) + "</ol>"
    _text(ET.SubElement(element, "questiontext", format="html"), text)
    _text(ET.SubElement(element, "generalfeedback", format="html"), fields.feedback(question))
    ET.SubElement(element, "defaultgrade").text = str(question.points)
    ET.SubElement(element, "penalty").text = "0"
    ET.SubElement(element, "hidden").text = "0"
    ET.SubElement(element, "idnumber").text = f"{version.code}-{question.number}"
    if single:
        (entry,) = entries
        answer = ET.SubElement(element, "answer", fraction="100", format="moodle_auto_format")
        _text(answer, entry.value)
        ET.SubElement(answer, "tolerance").text = entry.tolerance
        _text(ET.SubElement(answer, "feedback", format="html"), "")
        for tag, value in (("unitgradingtype", "0"), ("unitpenalty", "0"), ("showunits", "3"), ("unitsleft", "0")):
            ET.SubElement(element, tag).text = value
    return element


def cloze_field(entry: fields.Entry, weight: int) -> str:
    if entry.options:  # a words answer: a menu of its options, in their order
        return f"{{{weight}:MULTICHOICE:" + "~".join(
            ("=" if option == entry.value else "") + _cloze_text(option) for option in entry.options) + "}"
    return f"{{{weight}:NUMERICAL:={entry.value}:{entry.tolerance}}}"


def _cloze_text(option: str) -> str:
    """An option as Moodle's cloze syntax reads it: its marks (~ = # } / " \\) escaped by a backslash,
    then as HTML text."""
    escaped = "".join("\\" + char if char in '~=#}/"\\' else char for char in option)
    return html.escape(escaped, quote=False)


def _text(parent: ET.Element, value: str) -> None:
    ET.SubElement(parent, "text").text = value


def weights(entries: list[fields.Entry]) -> list[int]:
    """Cloze weights: the fields' points, scaled to whole numbers (Moodle's mark is their sum)."""
    scale = math.lcm(*(entry.points.denominator for entry in entries))
    return [int(entry.points * scale) for entry in entries]
