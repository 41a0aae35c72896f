"""canvas-qti.zip: the exam as a QTI 1.2 package as Canvas imports it (imsmanifest.xml, the
assessment, Canvas's quiz metadata), one question group per slot that picks 1 of its versions'
variants.

A variant with one field is a `numerical_question`: the exact value with the key's
tolerance as its margin. Any other is a `fill_in_multiple_blanks_question`, one blank per field:
Canvas's numerical questions take one number, and a group that picked fields of different variants
would ask nonsense, so a variant stays one item; a blank matches typed text, so it lists every
number with at most PLACES decimals within the tolerance in every way a student may write it
(fields.accepted_texts), and the statement says to type at most PLACES decimals with a dot. The
statement and the worked solution are boxed so that Canvas keeps them as HTML (HTML_BOX). The
assessment follows the IMS QTI 1.2.1 DTD (the tests validate it) but for Canvas's
`selection_extension` with `points_per_item`. Items stream to one temporary file per slot, joined when the build ends.
"""

from __future__ import annotations

import functools
import html
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

from lxml import etree as ET

from qbank.core.errors import QbankError
from qbank.core.model import Written
from qbank.exam.plan import Question, Version
from qbank.exam.spec import ExamSpec
from qbank.lms import fields
from qbank.lms.html import to_html

DOCTYPE = '<!DOCTYPE questestinterop SYSTEM "ims_qtiasiv1p2p1.dtd">'
# Every text/html mattext, in this box. QTIMigrationTool passes a text/html mattext on as escaped HTML
# in a <div class="html"> (text/plain as <div class="text">, stored as text); Canvas's importer
# (Qti::HtmlHelper#detect_html, for feedback) then unwraps a lone attribute-free <p>, <div> or <span>
# and stores text, escaped, where a single text node remains: a one-paragraph solution became "&amp;".
# A box with a class is not unwrapped, so feedback and statement are always stored as HTML.
HTML_BOX = '<div class="qbank">{}</div>'
# zip entries carry this time (the earliest a zip can hold), so the same build gives the same bytes
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class CanvasWriter:
    def __init__(self, path: Path, spec: ExamSpec):
        self._path, self._spec = path, spec
        self._quiz = fields.identifier(spec)
        self._slots: list = []  # per slot: (temporary file, its handle, points)
        self._work = path.with_name(path.name + ".parts")
        self._work.mkdir()

    def add(self, version: Version) -> None:
        if not self._slots:
            for question in version.questions:
                file = self._work / f"slot-{question.number}.xml"
                self._slots.append((file, open(file, "w", encoding="utf-8"), question.points))
        for question, (_, handle, _) in zip(version.questions, self._slots):
            ident = fields.member_identifier(self._quiz, version.code, question.number)
            element = item(self._spec, version, question, ident)
            handle.write("   " + ET.tostring(element, encoding="unicode") + "\n")  # one line an item

    def close(self) -> None:
        for _, handle, _ in self._slots:
            handle.close()
        with zipfile.ZipFile(self._path, "w", zipfile.ZIP_DEFLATED) as archive:
            _store(archive, "imsmanifest.xml", manifest(self._quiz))
            _store(archive, f"{self._quiz}/assessment_meta.xml", meta(self._spec, self._quiz,
                                                                      sum(p for _, _, p in self._slots)))
            with archive.open(_info(f"{self._quiz}/{self._quiz}.xml"), "w") as out:
                out.write(self._assessment_head().encode())
                for number, (file, _, points) in enumerate(self._slots, 1):
                    out.write(_group_head(self._quiz, number, points).encode())
                    with open(file, "rb") as part:
                        shutil.copyfileobj(part, out)
                    out.write(b"  </section>\n")
                out.write(b" </section>\n </assessment>\n</questestinterop>\n")
        shutil.rmtree(self._work)

    def _assessment_head(self) -> str:
        title = _attribute(self._spec.title)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n{DOCTYPE}\n<questestinterop>\n'
                f' <assessment ident="{self._quiz}" title="{title}">\n'
                f'  <qtimetadata><qtimetadatafield><fieldlabel>cc_maxattempts</fieldlabel>'
                f'<fieldentry>1</fieldentry></qtimetadatafield></qtimetadata>\n'
                f' <section ident="root_section">\n')


def _group_head(quiz: str, number: int, points: int) -> str:
    return (f'  <section ident="{quiz}-g{number}" title="Question {number}">\n'
            f'   <selection_ordering><selection><selection_number>1</selection_number>'
            f'<selection_extension><points_per_item>{points}</points_per_item></selection_extension>'
            f'</selection></selection_ordering>\n')


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def item(spec: ExamSpec, version: Version, question: Question, ident: str) -> ET.Element:
    asked = fields.choice_part(question)
    if asked is not None:
        return _choice_or_essay(version, question, ident, asked)
    parts = fields.parts(question)
    entries = [entry for part in parts for entry in part.entries]
    numerical = fields.one_number(entries)
    element = _item_head(version, question, ident, "numerical_question" if numerical
                         else "fill_in_multiple_blanks_question")
    presentation = ET.SubElement(element, "presentation")
    text = fields.statement(question, parts, blanks=not numerical)
    blanks = [f"b{i}" for i in range(1, len(entries) + 1)]
    if numerical:
        text += "".join(part.prompt for part in parts)
    else:
        names = iter(blanks)
        text += '<ol type="a">' + "".join(
            f"<li>{part.prompt}<br>" + "<br>".join(_blank_line(entry, next(names)) for entry in part.entries)
            + "</li>" for part in parts) + "</ol>"
    _material(presentation, text)
    processing = ET.SubElement(element, "resprocessing")
    outcomes = ET.SubElement(processing, "outcomes")
    ET.SubElement(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    if numerical:
        _numerical(presentation, processing, entries[0])
    else:
        # Canvas keeps no weight per blank: each counts 1/N of the item, as answer-key.csv's
        # canvas_points says; the file says the same
        for blank, entry in zip(blanks, entries):
            _blank(presentation, processing, blank, entry, fields.number(100 / len(entries)))
    feedback = ET.SubElement(element, "itemfeedback", ident="general_fb")
    _material(ET.SubElement(feedback, "flow_mat"), fields.feedback(question))
    return element


def _item_head(version: Version, question: Question, ident: str, kind: str) -> ET.Element:
    variant = question.variant
    element = ET.Element("item", ident=ident, title=f"Question {question.number}, version {version.code} "
                                                    f"({variant.generator} seed {variant.seed})")
    metadata = ET.SubElement(ET.SubElement(element, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", kind), ("points_possible", str(question.points)),
                         ("assessment_question_identifierref", ident + "-bank")):
        field = ET.SubElement(metadata, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = entry
    return element


def _choice_or_essay(version: Version, question: Question, ident: str, asked) -> ET.Element:
    """A written part as an `essay_question` (graded by hand); a choice with one correct option as a
    `multiple_choice_question`; one with any number correct as a `multiple_dropdowns_question` of a
    true/false menu per option, each an equal share, when scored partial, else as a
    `multiple_choice_question` among every set of boxes, the right set earning the points
    (all-or-nothing). Canvas cannot take points off per box (`negative`): such a build is refused
    in one line. Canvas's own `multiple_answers_question` is not used: it scores checked correct
    options minus checked wrong ones over the correct ones, which is none of the rules."""
    if not isinstance(asked, Written) and not asked.exactly_one and asked.scoring == "negative":
        raise QbankError(f"question {question.number} ({question.variant.generator}): Canvas cannot take points "
                         "off per box (scoring = \"negative\"); pin scoring = \"partial\" or \"all-or-nothing\", or "
                         "build without canvas")
    statement = fields.statement(question, []) + fields.choice_prompt(question)
    if isinstance(asked, Written):
        element = _item_head(version, question, ident, "essay_question")
        presentation = ET.SubElement(element, "presentation")
        _material(presentation, statement)
        response = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
        ET.SubElement(ET.SubElement(response, "render_fib"), "response_label", ident="answer1", rshuffle="No")
        _outcomes(element)
    elif fields.menu_per_option(asked):
        element = _item_head(version, question, ident, "multiple_dropdowns_question")
        presentation = ET.SubElement(element, "presentation")
        blanks = [f"s{i}" for i in range(1, len(asked.options) + 1)]
        _material(presentation, statement + '<ol type="A">' + "".join(
            f"<li>{to_html(o.text)} [{b}]</li>" for o, b in zip(asked.options, blanks)) + "</ol>")
        processing = _outcomes(element)
        share = fields.number(100 / len(blanks))
        for blank, option in zip(blanks, asked.options):
            _pick(presentation, processing, f"response_{blank}", blank, ["True", "False"],
                  0 if option.correct else 1, share, "Add")
    else:
        element = _item_head(version, question, ident, "multiple_choice_question")
        presentation = ET.SubElement(element, "presentation")
        listed, picks = fields.picks(asked)
        _material(presentation, statement + listed)
        right = next(i for i, (_, share, _) in enumerate(picks) if share == 1)
        _pick(presentation, _outcomes(element), "response1", None, [text for text, _, _ in picks], right, "100", "Set")
    feedback = ET.SubElement(element, "itemfeedback", ident="general_fb")
    _material(ET.SubElement(feedback, "flow_mat"), fields.feedback(question))
    return element


def _outcomes(element: ET.Element) -> ET.Element:
    processing = ET.SubElement(element, "resprocessing")
    outcomes = ET.SubElement(processing, "outcomes")
    ET.SubElement(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    return processing


def _pick(presentation: ET.Element, processing: ET.Element, response_id: str, blank: str | None, texts: list[str],
          right: int, score: str, action: str) -> None:
    """One pick among texts (a menu named `blank`, or the item's own choices); `score` when the right
    one is picked."""
    response = ET.SubElement(presentation, "response_lid", ident=response_id, rcardinality="Single")
    if blank:
        ET.SubElement(ET.SubElement(response, "material"), "mattext", texttype="text/plain").text = blank
    render = ET.SubElement(response, "render_choice")
    for number, text in enumerate(texts):
        label = ET.SubElement(render, "response_label", ident=f"{response_id}_{number}")
        ET.SubElement(ET.SubElement(label, "material"), "mattext",
                      texttype="text/plain" if blank else "text/html").text = text if blank else HTML_BOX.format(text)
    condition = ET.SubElement(processing, "respcondition", attrib={"continue": "Yes" if blank else "No"})
    ET.SubElement(ET.SubElement(condition, "conditionvar"), "varequal", respident=response_id).text = \
        f"{response_id}_{right}"
    ET.SubElement(condition, "setvar", action=action, varname="SCORE").text = score


def _blank_line(entry: fields.Entry, blank: str) -> str:
    """A blank after its label; a words answer's blank after its lettered options, for the letter."""
    if entry.options:
        return f"{entry.label}: {fields.lettered(entry.options)}<br>Type the letter of your answer: [{blank}]"
    return f"{entry.label} = [{blank}]"


def _material(parent: ET.Element, html_text: str) -> None:
    """HTML that Canvas stores as HTML: see HTML_BOX."""
    ET.SubElement(ET.SubElement(parent, "material"), "mattext", texttype="text/html").text = HTML_BOX.format(html_text)


def _numerical(presentation: ET.Element, processing: ET.Element, entry: fields.Entry) -> None:
    """One decimal field; full marks for the value, or anything within the margin."""
    response = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    ET.SubElement(ET.SubElement(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    condition = ET.SubElement(processing, "respcondition", attrib={"continue": "No"})
    either = ET.SubElement(ET.SubElement(condition, "conditionvar"), "or")
    ET.SubElement(either, "varequal", respident="response1").text = entry.value
    within = ET.SubElement(either, "and")
    low, high = _margin(entry)
    ET.SubElement(within, "vargte", respident="response1").text = low
    ET.SubElement(within, "varlte", respident="response1").text = high
    ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"


def _margin(entry: fields.Entry) -> tuple[str, str]:
    value, tolerance = Decimal(entry.value), Decimal(entry.tolerance)
    return fields.number(float(value - tolerance)), fields.number(float(value + tolerance))


def _blank(presentation: ET.Element, processing: ET.Element, blank: str, entry: fields.Entry, share: str) -> None:
    """A blank that accepts each of the entry's spellings; its share of the score when one matches
    (one condition a blank: a number has up to MAX_SPELLINGS spellings)."""
    response = ET.SubElement(presentation, "response_lid", ident=f"response_{blank}")
    ET.SubElement(ET.SubElement(response, "material"), "mattext", texttype="text/plain").text = blank
    texts = tuple(fields.choice_texts(entry) if entry.options else fields.accepted_texts(entry))
    choices, either = _choices(blank, texts)
    response.append(ET.fromstring(choices))
    condition = ET.SubElement(processing, "respcondition")
    ET.SubElement(condition, "conditionvar").append(ET.fromstring(either))
    ET.SubElement(condition, "setvar", action="Add", varname="SCORE").text = share


@functools.lru_cache(maxsize=4096)
def _choices(blank: str, texts: tuple[str, ...]) -> tuple[str, str]:
    """A blank's render_choice of its texts, and the condition that any is chosen, as XML (written
    as text, and the same blanks recur in every version: a blank lists up to MAX_SPELLINGS)."""
    labels = "".join(f'<response_label ident="{blank}_{number}"><material><mattext texttype="text/plain">'
                     f'{html.escape(text, quote=False)}</mattext></material></response_label>'
                     for number, text in enumerate(texts, 1))
    chosen = "".join(f'<varequal respident="response_{blank}">{blank}_{number}</varequal>'
                     for number in range(1, len(texts) + 1))
    return f"<render_choice>{labels}</render_choice>", f"<or>{chosen}</or>"


def manifest(quiz: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<manifest identifier="{quiz}-manifest" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">\n'
            f' <metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>\n'
            f' <organizations/>\n <resources>\n'
            f'  <resource identifier="{quiz}" type="imsqti_xmlv1p2">\n'
            f'   <file href="{quiz}/{quiz}.xml"/>\n   <dependency identifierref="{quiz}-meta"/>\n  </resource>\n'
            f'  <resource identifier="{quiz}-meta" type="associatedcontent/imscc_xmlv1p1/learning-application-resource"'
            f' href="{quiz}/assessment_meta.xml">\n   <file href="{quiz}/assessment_meta.xml"/>\n  </resource>\n'
            f' </resources>\n</manifest>\n')


def meta(spec: ExamSpec, quiz: str, points: int) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<quiz identifier="{quiz}" xmlns="http://canvas.instructure.com/xsd/cccv1p0">\n'
            # Canvas shows a title as text but a description as HTML: the course is escaped for HTML, then XML
            f' <title>{_attribute(spec.title)}</title>\n'
            f' <description>{_attribute(html.escape(spec.course))}</description>\n'
            f' <shuffle_answers>false</shuffle_answers>\n <scoring_policy>keep_highest</scoring_policy>\n'
            f' <quiz_type>assignment</quiz_type>\n <points_possible>{points}</points_possible>\n'
            f' <allowed_attempts>1</allowed_attempts>\n <show_correct_answers>false</show_correct_answers>\n'
            f'</quiz>\n')


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _store(archive: zipfile.ZipFile, name: str, text: str) -> None:
    archive.writestr(_info(name), text)
