"""Questions written without Python: one TOML file per question, read as data (tomllib, bounded
like a spec, every problem one line naming the file and key), made into a generator.

    title = "..."              statement = "text with $math$, paragraphs by blank lines"
    [[option]] text, correct, reason (id)   plus show, exactly_one, scoring: a choice
    answer_space, rubric, model_answer      a written question, graded by a person
    answer (tolerance, decimals)            a fixed computed question

Plain text is escaped for LaTeX (& % # _ ~ ^ print as themselves); a backslash, a brace or an
unpaired $ outside math is refused, so no LaTeX command of a file runs except inside math, and
math may use only the commands of MATH_COMMANDS (what plaindoc, MathJax and amsmath all know).

The concept bank's statements (generators/concepts/*.toml) are written in the same format.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from pathlib import Path

from qbank.core import fonts, plaintex
from qbank.core.errors import IllPosed, QbankError
from qbank.core.exact import rational
from qbank.core.generator import Generator
from qbank.core.limits import MAX_NESTING, nesting
from qbank.core.model import LETTERS, SCORING_RULES, Answer, Choice, Option, Part, Rendered, Written
from qbank.core.params import Choice as OneOf, Int, Vector
from qbank.core.textfile import read_text

MAX_QUESTION_BYTES = 100_000
MAX_FIELD_CHARS = 2_000   # a statement, rubric or model answer
MAX_OPTION_CHARS = 400    # an option's text or reason
MAX_OPTIONS = 40          # options in one file
MAX_SHOWN = len(LETTERS)  # options one version shows
DEFAULT_SHOWN = 4
MAX_WRITTEN_CM = 20
FILE_KEYS = {"title", "statement", "topics", "minutes", "option", "show", "exactly_one", "scoring",
             "answer_space", "rubric", "model_answer", "answer", "tolerance", "decimals"}
OPTION_KEYS = {"id", "text", "correct", "reason"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_PLAIN_ESCAPES = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}"}
# Math commands a question file may use: symbols, fonts, functions, accents and sizes that plain
# text, MathJax 2.7 and 3 and amsmath all know, and a few structures.
MATH_COMMANDS = frozenset(plaintex.SYMBOLS) | frozenset(plaintex.SPACES) | frozenset(plaintex.FONTS) \
    | frozenset(plaintex.FUNCTIONS) | frozenset(plaintex.ACCENTS) | frozenset(plaintex.DELIMITER_SIZES) \
    | {"frac", "dfrac", "sqrt", "mathbb", "mathcal", "langle", "rangle", "lfloor", "rfloor", "lceil", "rceil",
       "sim", "propto", "circ", "ast", "star", "lim", "int", "neg", "forall", "exists", "subset", "subseteq",
       "cap", "cup", "Rightarrow", "Leftrightarrow", "leftarrow", "mapsto", "lVert", "rVert", "geqslant",
       "leqslant", "gg", "ll", "equiv", "cdotp", "tanh", "sigma"}
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
CHOICE_PROMPT = {True: "Check the one correct option.",
                 False: "Check every true statement; any number of them may be true, none included."}
SCORING_TEXT = {"all-or-nothing": "The points are earned only when every box is right.",
                "partial": "Each box that is right earns an equal share of the points.",
                "negative": "Each box that is right earns a share of the points and each wrong box costs one; "
                            "the question never scores below 0."}


class FileError(QbankError):
    """A problem of a question file: one line naming the file and the key."""

    def __init__(self, path, key: str, problem: str):
        super().__init__(f"{path}: {key}: {problem}")


def read_question(path: Path, gen_id: str) -> Generator:
    """The generator a question file describes, with id `gen_id`."""
    hint = "a question file is a TOML file of at most 100,000 bytes"
    text = read_text(path, MAX_QUESTION_BYTES, "question", hint)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise QbankError(f"{path}: not a valid TOML file ({exc})") from None
    return from_data(data, path, gen_id)


def from_data(data: dict, path, gen_id: str) -> Generator:
    """A generator from a question file's parsed TOML."""
    if nesting(data) > MAX_NESTING:
        raise FileError(path, "(file)", f"nests lists and tables more than {MAX_NESTING} deep")
    _only(data, FILE_KEYS, path, "(file)")
    kinds = [kind for kind, key in (("choice", "option"), ("written", "rubric"), ("number", "answer")) if key in data]
    if len(kinds) != 1:
        raise FileError(path, "(file)", "give exactly one of [[option]] tables (a choice), rubric = \"...\" "
                                        "(a written question) or answer = NUMBER (a computed one)")
    common = dict(id=gen_id, title=_plain_line(data, "title", path, 100, required=True),
                  statement=_latex(data, "statement", path, MAX_FIELD_CHARS, required=True),
                  topics=_topics(data, path), file_minutes=_minutes(data, path))
    misplaced = {"choice": {"answer_space", "model_answer", "tolerance", "decimals"},
                 "written": {"show", "exactly_one", "scoring", "tolerance", "decimals"},
                 "number": {"show", "exactly_one", "scoring", "answer_space", "model_answer"}}[kinds[0]] & set(data)
    if misplaced:
        raise FileError(path, sorted(misplaced)[0], f"has no meaning in a {kinds[0]} question; remove it")
    if kinds[0] == "choice":
        return _choice_question(data, path, common)
    if kinds[0] == "written":
        return _written_question(data, path, common)
    return _number_question(data, path, common)


def _choice_question(data: dict, path, common: dict) -> Generator:
    raw = data["option"]
    if not isinstance(raw, list) or not all(isinstance(o, dict) for o in raw):
        raise FileError(path, "option", "must be [[option]] tables")
    if not 2 <= len(raw) <= MAX_OPTIONS:
        raise FileError(path, "option", f"give 2 to {MAX_OPTIONS} [[option]] tables, not {len(raw)}")
    options = tuple(_option(o, path, n) for n, o in enumerate(raw, 1))
    ids = [o.id for o in options]
    twice = next((i for i in ids if ids.count(i) > 1), None)
    if twice:
        raise FileError(path, "option.id", f"'{twice}' names two options; give each its own id")
    exactly_one = _bool(data, "exactly_one", path, False)
    scoring = data.get("scoring", "all-or-nothing")
    if scoring not in SCORING_RULES:
        raise FileError(path, "scoring", f"must be one of {', '.join(SCORING_RULES)}, not {_brief(scoring)}")
    if exactly_one and scoring != "all-or-nothing":
        raise FileError(path, "scoring", "a question with exactly one correct option is scored all-or-nothing "
                                         "(the student checks one box); remove scoring or exactly_one")
    correct = sum(o.correct for o in options)
    show = data.get("show", min(DEFAULT_SHOWN, len(options)))
    if isinstance(show, bool) or not isinstance(show, int) or not 2 <= show <= min(MAX_SHOWN, len(options)):
        raise FileError(path, "show", f"must be a whole number from 2 to {min(MAX_SHOWN, len(options))} "
                                      f"(the options a version shows), not {_brief(show)}")
    if exactly_one and (correct < 1 or len(options) - correct < show - 1):
        raise FileError(path, "option", f"exactly_one needs at least 1 correct option and {show - 1} wrong ones "
                                        f"to show {show}; the file has {correct} correct and "
                                        f"{len(options) - correct} wrong")
    cls = type(ChoiceQuestion.__name__, (ChoiceQuestion,), {"__module__": ChoiceQuestion.__module__})
    return _made(cls, common, statements=options, exactly_one=exactly_one, default_scoring=scoring, default_show=show,
                 params={"show": Int(2, min(MAX_SHOWN, len(options)), default=show),
                         "scoring": OneOf(*SCORING_RULES, default=scoring),
                         "shown": Vector(OneOf(*ids), 2, MAX_SHOWN, default=None)})


def _written_question(data: dict, path, common: dict) -> Generator:
    space = data.get("answer_space", 6)
    if isinstance(space, bool) or not isinstance(space, (int, float)) or not 1 <= space <= MAX_WRITTEN_CM:
        raise FileError(path, "answer_space", f"must be the centimetres of answer space, 1 to {MAX_WRITTEN_CM}, "
                                              f"not {_brief(space)}")
    written = Written(_latex(data, "rubric", path, MAX_FIELD_CHARS, required=True),
                      _latex(data, "model_answer", path, MAX_FIELD_CHARS, required=True), float(space))
    cls = type(WrittenQuestion.__name__, (WrittenQuestion,), {"__module__": WrittenQuestion.__module__})
    return _made(cls, common, written=written, params={})


def _number_question(data: dict, path, common: dict) -> Generator:
    raw = data["answer"]
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise FileError(path, "answer", "must be a number, or an exact one as a string such as \"7/3\"")
    try:
        value = rational(raw if not isinstance(raw, float) else repr(raw), "answer")
    except QbankError as exc:
        raise FileError(path, "answer", str(exc).split(": ", 1)[-1]) from None
    decimals = data.get("decimals")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6):
        raise FileError(path, "decimals", f"must be the decimal places asked for, 0 to 6, not {_brief(decimals)}")
    tolerance = data.get("tolerance")
    if tolerance is not None and (isinstance(tolerance, bool) or not isinstance(tolerance, (int, float))
                                  or not 0 <= tolerance < max(1.0, abs(float(value)))):
        raise FileError(path, "tolerance", f"must be an absolute tolerance from 0 to below the answer's size, "
                                           f"not {_brief(tolerance)}")
    if decimals is not None and tolerance is None:
        tolerance = 0.5 * 10.0 ** -decimals
    cls = type(NumberQuestion.__name__, (NumberQuestion,), {"__module__": NumberQuestion.__module__})
    return _made(cls, common, value=value, decimals=decimals, answer_tolerance=tolerance, params={},
                 max_abs=math.inf, max_denominator=None)


def _made(cls, common: dict, **attributes) -> Generator:
    for name, value in (common | attributes).items():
        setattr(cls, name, value)
    return cls()


class FileQuestion(Generator):
    """What every question file's generator shares."""

    abstract = True
    statement: str = ""
    file_minutes: int | None = None

    def minutes(self, parts) -> int:
        return self.file_minutes if self.file_minutes is not None else super().minutes(parts)


class ChoiceQuestion(FileQuestion):
    abstract = True
    statements: tuple[Option, ...] = ()
    exactly_one = False
    default_show = DEFAULT_SHOWN
    default_scoring = "all-or-nothing"
    max_denominator = None

    def sample(self, d):
        show = d.default("show", self.default_show)
        return {"show": show, "scoring": d.default("scoring", self.default_scoring),
                "shown": d.value("shown", lambda: self._draw(d.rng, show))}

    def _draw(self, rng, show: int) -> tuple[str, ...]:
        """`show` options in a shuffled order: exactly one correct, or a number of correct ones drawn
        uniformly from every count the pool allows (0 included when it has enough wrong ones)."""
        right = [o.id for o in self.statements if o.correct]
        wrong = [o.id for o in self.statements if not o.correct]
        if self.exactly_one:
            count = 1
        else:
            low, high = max(0, show - len(wrong)), min(show, len(right))
            count = low + int(rng.integers(high - low + 1))
        picked = [right[i] for i in rng.choice(len(right), count, replace=False)] if count else []
        picked += [wrong[i] for i in rng.choice(len(wrong), show - count, replace=False)] if show > count else []
        return tuple(picked[i] for i in rng.permutation(len(picked)))

    def check(self, p):
        shown = p["shown"] or ()
        if len(shown) != p["show"]:
            raise IllPosed("shown", f"lists {len(shown)} options but show = {p['show']}")
        if len(set(shown)) != len(shown):
            raise IllPosed("shown", "lists an option twice")
        if self.exactly_one and sum(self._by_id()[i].correct for i in shown) != 1:
            raise IllPosed("shown", "must hold exactly one correct option (exactly_one)")
        if self.exactly_one and p["scoring"] != "all-or-nothing":
            raise IllPosed("scoring", "a question with exactly one correct option is scored all-or-nothing")

    def _by_id(self) -> dict[str, Option]:
        return {o.id: o for o in self.statements}

    def solve(self, p):
        by_id = self._by_id()
        return {"choice": Answer.of(Choice(tuple(by_id[i] for i in p["shown"]), p["scoring"], self.exactly_one))}

    def render(self, p, answers):
        choice = answers["choice"].exact
        prompt = CHOICE_PROMPT[self.exactly_one] + ("" if self.exactly_one else " " + SCORING_TEXT[choice.scoring])
        lines = [rf"({letter}) \textbf{{{'True' if o.correct else 'False'}.}} {o.reason}"
                 for letter, o in zip(LETTERS, choice.options)]
        key = ", ".join(choice.letters) or "none"
        return Rendered(self.statement, (Part(prompt, ("choice",), 1),),
                        rf"Correct: {key}.\\ " + r"\\ ".join(lines))


class WrittenQuestion(FileQuestion):
    abstract = True
    written: Written | None = None

    def sample(self, d):
        return {}

    def solve(self, p):
        return {"answer": Answer.of(self.written)}

    def render(self, p, answers):
        written = self.written
        return Rendered(self.statement, (Part("Answer in the space below.", ("answer",), 1),),
                        r"\textbf{Model answer.} " + written.model_answer + "\n\n" + r"\textbf{Rubric.} " + written.rubric)


class NumberQuestion(FileQuestion):
    abstract = True
    value = None
    decimals: int | None = None
    answer_tolerance: float | None = None

    def sample(self, d):
        return {}

    def solve(self, p):
        answer = Answer.of(self.value)
        if self.answer_tolerance is not None:
            answer = Answer(answer.exact, answer.decimal, float(self.answer_tolerance), answer.text)
        return {"answer": answer}

    def render(self, p, answers):
        prompt = (f"Give {self.decimals} decimal places." if self.decimals is not None else "Give the exact value.")
        return Rendered(self.statement, (Part(prompt, ("answer",), 1, decimals=self.decimals),),
                        f"The answer is ${answers['answer'].latex}$.")


def _option(raw: dict, path, number: int) -> Option:
    where = f"option {number}"
    _only(raw, OPTION_KEYS, path, where)
    text = _latex(raw, "text", path, MAX_OPTION_CHARS, required=True, where=where)
    reason = _latex(raw, "reason", path, MAX_OPTION_CHARS, required=True, where=where)
    if not isinstance(raw.get("correct"), bool):
        raise FileError(path, f"{where}.correct", "must be true or false")
    ident = raw.get("id", hashlib.sha256(raw["text"].encode()).hexdigest()[:8])
    if not isinstance(ident, str) or not _ID.match(ident):
        raise FileError(path, f"{where}.id", "must be lowercase letters, digits and dashes, at most 40")
    return Option(ident, text, raw["correct"], reason)


def _latex(table: dict, key: str, path, limit: int, required=False, where: str = "") -> str:
    """A text field as LaTeX: plain text escaped, $...$ math kept once checked."""
    name = f"{where}.{key}" if where else key
    value = table.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise FileError(path, name, "must be a non-empty string")
    if len(value) > limit:
        raise FileError(path, name, f"has {len(value):,} characters; at most {limit:,}")
    if value.count("$") % 2:
        raise FileError(path, name, "has an unpaired $; math goes between two $ signs (write a dollar as $\\$$)")
    pieces = value.split("$")
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append("$" + _math(piece, path, name) + "$")
        else:
            out.append(_plain(piece, path, name))
    return "".join(out).strip()


def _plain(text: str, path, name: str) -> str:
    bad = re.search(r"[\\{}]", text)
    if bad:
        raise FileError(path, name, f"has {bad.group(0)!r} outside $...$; LaTeX commands and braces go only "
                                    "inside math")
    unprintable = next((c for c in text if ord(c) not in fonts.pdflatex_characters()), None)
    if unprintable is not None:
        raise FileError(path, name, f"holds {unprintable!r} (U+{ord(unprintable):04X}), which the exam's font "
                                    "cannot print; write it in $...$ math or leave it out")
    return "".join(_PLAIN_ESCAPES.get(c, c) for c in text)


def _math(math_text: str, path, name: str) -> str:
    depth = 0
    for char in math_text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:
        raise FileError(path, name, f"has unbalanced braces in ${math_text[:40]}$")
    for command in _COMMAND.findall(math_text):
        if command.isalpha() and command not in MATH_COMMANDS:
            raise FileError(path, name, f"uses \\{command} in math, which qbank does not allow in question files; "
                                        "use plain symbols and \\frac, \\sqrt, \\sum, Greek letters ...")
    if not math_text.strip():
        raise FileError(path, name, "has empty math ($$)")
    if "\n\n" in math_text or any(ord(c) > 0x7E for c in math_text):
        raise FileError(path, name, "math must be ASCII LaTeX on one paragraph")
    return math_text


def _plain_line(table: dict, key: str, path, limit: int, required=False) -> str:
    value = table.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or "\n" in value or len(value) > limit:
        raise FileError(path, key, f"must be one line of text of at most {limit} characters")
    return value.strip()


def _topics(table: dict, path) -> tuple[str, ...]:
    topics = table.get("topics", [])
    if not isinstance(topics, list) or len(topics) > 5 or not all(
            isinstance(t, str) and re.fullmatch(r"[a-z][a-z0-9 -]{0,29}", t) for t in topics):
        raise FileError(path, "topics", "must be a list of up to 5 short lowercase words")
    return tuple(topics)


def _minutes(table: dict, path) -> int | None:
    minutes = table.get("minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 60):
        raise FileError(path, "minutes", f"must be a whole number of minutes from 1 to 60, not {_brief(minutes)}")
    return minutes


def _bool(table: dict, key: str, path, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise FileError(path, key, "must be true or false")
    return value


def _only(table: dict, allowed: set, path, where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise FileError(path, unknown[0] if where == "(file)" else f"{where}.{unknown[0]}",
                        "is not a key of a question file; allowed: " + ", ".join(sorted(allowed)))


def _brief(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
