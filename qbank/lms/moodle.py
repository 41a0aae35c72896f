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
from fractions import Fraction

from lxml import etree as ET

from qbank.core.model import Written
from qbank.exam.plan import Question, Version
from qbank.exam.spec import ExamSpec
from qbank.lms import fields
from qbank.lms.html import to_html

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
    asked = fields.choice_part(question)
    if asked is not None:
        return _choice_or_essay(spec, version, question, asked)
    parts = fields.parts(question)
    entries = [entry for part in parts for entry in part.entries]
    single = fields.one_number(entries)
    element = ET.Element("question", type="numerical" if single else "cloze")
    _head(element, spec, version, question)
    text = fields.statement(question, parts)
    if single:
        text += "".join(part.prompt for part in parts)
    else:
        cloze = iter(cloze_field(entry, weight) for entry, weight in zip(entries, weights(entries)))
        text += '<ol type="a">' + "".join(
            f"<li>{part.prompt}<br>" + "<br>".join(f"{entry.label} = {next(cloze)}" for entry in part.entries) + "</li>"
            for part in parts) + "</ol>"
    _body(element, version, question, text)
    if single:
        (entry,) = entries
        answer = ET.SubElement(element, "answer", fraction="100", format="moodle_auto_format")
        _text(answer, entry.value)
        ET.SubElement(answer, "tolerance").text = entry.tolerance
        _text(ET.SubElement(answer, "feedback", format="html"), "")
        for tag, value in (("unitgradingtype", "0"), ("unitpenalty", "0"), ("showunits", "3"), ("unitsleft", "0")):
            ET.SubElement(element, tag).text = value
    return element


def _head(element: ET.Element, spec: ExamSpec, version: Version, question: Question) -> None:
    variant = question.variant
    _text(ET.SubElement(element, "name"), f"{spec.title[:NAME_CHARS]} - Q{question.number} version {version.code} "
                                          f"({variant.generator} v{variant.version} seed {variant.seed})")


def _body(element: ET.Element, version: Version, question: Question, text: str) -> None:
    _text(ET.SubElement(element, "questiontext", format="html"), text)
    _text(ET.SubElement(element, "generalfeedback", format="html"), fields.feedback(question))
    ET.SubElement(element, "defaultgrade").text = str(question.points)
    ET.SubElement(element, "penalty").text = "0"
    ET.SubElement(element, "hidden").text = "0"
    ET.SubElement(element, "idnumber").text = f"{version.code}-{question.number}"


def _choice_or_essay(spec: ExamSpec, version: Version, question: Question, asked) -> ET.Element:
    """A written part as an `essay` (graded by hand, its rubric as the grader's information); a choice
    with one correct option as a single-answer `multichoice`; one with any number correct, scored
    partial, as a `cloze` of a true/false menu per option, else as a single-answer `multichoice`
    among every set of boxes, each set's fraction the rule's score (fields.combinations)."""
    statement = fields.statement(question, []) + fields.choice_prompt(question)
    if isinstance(asked, Written):
        element = ET.Element("question", type="essay")
        _head(element, spec, version, question)
        _body(element, version, question, statement)
        for tag, value in (("responseformat", "editor"), ("responserequired", "1"), ("responsefieldlines", "12"),
                           ("attachments", "0"), ("attachmentsrequired", "0")):
            ET.SubElement(element, tag).text = value
        _text(ET.SubElement(element, "graderinfo", format="html"),
              "<p><b>Rubric.</b></p>" + to_html(asked.rubric) + "<p><b>Model answer.</b></p>" + to_html(asked.model_answer))
        _text(ET.SubElement(element, "responsetemplate", format="html"), "")
        return element
    if fields.menu_per_option(asked):
        element = ET.Element("question", type="cloze")
        _head(element, spec, version, question)
        menus = "".join(f"<li>{to_html(option.text)} {{1:MULTICHOICE:{'=' if option.correct else ''}True~"
                        f"{'' if option.correct else '='}False}}</li>" for option in asked.options)
        _body(element, version, question, statement + f'<ol type="A">{menus}</ol>')
        return element
    element = ET.Element("question", type="multichoice")
    _head(element, spec, version, question)
    listed, picks = fields.picks(asked)
    _body(element, version, question, statement + listed)
    for tag, value in (("single", "true"), ("shuffleanswers", "0"),
                       ("answernumbering", "ABCD" if asked.exactly_one else "none"), ("showstandardinstruction", "0")):
        ET.SubElement(element, tag).text = value
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text(ET.SubElement(element, tag, format="html"), "")
    for text, share, reason in picks:
        answer = ET.SubElement(element, "answer", fraction=_fraction(share), format="html")
        _text(answer, text)
        _text(ET.SubElement(answer, "feedback", format="html"), reason)
    return element


def _fraction(share: Fraction) -> str:
    """A share as Moodle's percentage: whole where it is, else to Moodle's 5 places (33.33333)."""
    percent = share * 100
    return str(int(percent)) if percent.denominator == 1 else f"{float(percent):.5f}"


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
