"""The hostile-input battery: what an attacker or a careless user gives qbank.

Every case runs the command line (in this process, so a traceback would fail the test rather
than be printed) in a temporary folder that already holds a previous build. Each must end with
exit status 2 and one line on stderr that names the problem, no traceback, the previous build
byte for byte intact, and nothing else written but the output folder's lock file.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from conftest import good_manifest, nested
from qbank import cli

TITLE = "Exam"
QUESTION = '[[question]]\ngenerator = "lstm.param_count"\npoints = 2\n'


def exam_spec(exam: str = "", question: str = "", questions: str | None = None) -> str:
    return f'[exam]\ntitle = "{TITLE}"\nversions = 1\n{exam}\n' + (QUESTION + question if questions is None
                                                                     else questions)


def roster(text: str | bytes) -> dict:
    return {"exam.toml": exam_spec('roster = "students.csv"'), "students.csv": text}


BUILD = ["build", "exam", "exam.toml", "--out", "out"]

# name: (files to write, argv, environment additions, what the one line must say)
SPEC_CASES = {
    "toml syntax": ({"exam.toml": "[exam]\ntitle = = 1\n"}, BUILD, {}, "TOML syntax error"),
    "format a path": ({"exam.toml": exam_spec("formats = ['pdf', '/etc/passwd']")}, BUILD, {},
                      "[exam] formats: unknown format '/etc/passwd'"),
    "fixed layout a number": ({"exam.toml": exam_spec("fixed_layout = 1")}, BUILD, {},
                              "[exam] fixed_layout must be true or false"),
    "5000-digit integer": ({"exam.toml": exam_spec("seed = " + "9" * 5000)}, BUILD, {}, "TOML value out of range"),
    "arrays nested 2000 deep": ({"exam.toml": exam_spec(question="params = { x = " + nested(2000) + " }\n")},
                                BUILD, {}, "nest"),
    "arrays nested 25 deep": ({"exam.toml": exam_spec(question="params = { x = " + nested(25) + " }\n")},
                              BUILD, {}, "at most 20 levels"),
    "unknown exam key": ({"exam.toml": exam_spec("titel = 'x'")}, BUILD, {}, "unknown key 'titel'"),
    "unknown top-level table": ({"exam.toml": exam_spec() + "[extra]\n"}, BUILD, {}, "unknown key 'extra'"),
    "exam not a table": ({"exam.toml": "exam = 3\n" + QUESTION}, BUILD, {}, "missing [exam] table"),
    "question not a table": ({"exam.toml": f'question = [3]\n[exam]\ntitle = "{TITLE}"\n'}, BUILD, {},
                             "question 1 must be a table"),
    "no questions": ({"exam.toml": f'[exam]\ntitle = "{TITLE}"\n'}, BUILD, {}, "no [[question]] entries"),
    "101 questions": ({"exam.toml": exam_spec(questions=QUESTION * 101)}, BUILD, {}, "at most 100"),
    "versions zero": ({"exam.toml": exam_spec().replace("versions = 1", "versions = 0")}, BUILD, {},
                      "versions = 0; give 1 to 10,000"),
    "versions a billion": ({"exam.toml": exam_spec().replace("versions = 1", "versions = 1000000000")}, BUILD, {},
                           "give 1 to 10,000"),
    "versions a string": ({"exam.toml": exam_spec().replace("versions = 1", 'versions = "3"')}, BUILD, {},
                          "versions must be a whole number"),
    "versions true": ({"exam.toml": exam_spec().replace("versions = 1", "versions = true")}, BUILD, {},
                      "versions must be a whole number"),
    "seed negative": ({"exam.toml": exam_spec("seed = -1")}, BUILD, {}, "seed must be from 0 to"),
    "seed a float": ({"exam.toml": exam_spec("seed = 1.5")}, BUILD, {}, "seed must be a whole number"),
    "seed past 64 bits": ({"exam.toml": exam_spec("seed = 99999999999999999999")}, BUILD, {}, "TOML"),
    "points zero": ({"exam.toml": exam_spec(questions=QUESTION.replace("2", "0"))}, BUILD, {}, "from 1 to 1000"),
    "points a million": ({"exam.toml": exam_spec(questions=QUESTION.replace("2", "1000000"))}, BUILD, {},
                         "from 1 to 1000"),
    "points a string": ({"exam.toml": exam_spec(questions=QUESTION.replace("2", '"2"'))}, BUILD, {},
                        "points must be a whole number"),
    "part_points wrong sum": ({"exam.toml": exam_spec(question="part_points = [1, 5]\n")}, BUILD, {},
                              "add up to points = 2"),
    "part_points wrong length": ({"exam.toml": exam_spec(question="part_points = [1, 1, 0, 0, 0, 0, 0]\n")},
                                 BUILD, {}, "part_points has 7 entries"),
    "part_points booleans": ({"exam.toml": exam_spec(question="part_points = [true, true]\n")}, BUILD, {},
                             "part_points must be whole numbers"),
    "part_points with TeX": ({"exam.toml": exam_spec(question="part_points = ['\\\\input{/etc/passwd}']\n")},
                             BUILD, {}, "part_points must be whole numbers"),
    "typo in a pool's second member": (
        {"exam.toml": exam_spec(questions='[[question]]\npool = ["lstm.param_count", "bn.statistcs"]\npoints = 2\n')},
        BUILD, {}, "unknown generator 'bn.statistcs'"),
    "empty pool": ({"exam.toml": exam_spec(questions="[[question]]\npool = []\npoints = 2\n")}, BUILD, {},
                   "pool must be a non-empty list"),
    "pool repeats a member": (
        {"exam.toml": exam_spec(questions='[[question]]\npool = ["bn.statistics", "bn.statistics"]\npoints = 2\n')},
        BUILD, {}, "up to 100 different generator ids"),
    "pool of members with other parts": (
        {"exam.toml": exam_spec(questions='[[question]]\npool = ["conv.receptive_field", "bn.statistics"]\npoints = 8\n')},
        BUILD, {}, "conv.receptive_field has 1 part, bn.statistics 4"),
    "params on a pool": (
        {"exam.toml": exam_spec(questions='[[question]]\npool = ["bn.statistics"]\npoints = 2\nparams = {}\n')},
        BUILD, {}, "pins params for a pool"),
    "pin out of range": ({"exam.toml": exam_spec(question="params = { hidden_size = 0 }\n")}, BUILD, {},
                         "parameter 'hidden_size': 0 is outside"),
    "pin 1e999999999": ({"exam.toml": exam_spec(question='params = { hidden_size = "1e999999999" }\n')}, BUILD,
                        {}, "parameter 'hidden_size'"),
    "pin 1e5000": ({"exam.toml": exam_spec(question='params = { hidden_size = "1e5000" }\n')}, BUILD, {},
                   "parameter 'hidden_size'"),
    "pin of 5000 digits": ({"exam.toml": exam_spec(question=f'params = {{ hidden_size = "{"7" * 5000}" }}\n')},
                           BUILD, {}, "parameter 'hidden_size'"),
    "pin float 1e300": ({"exam.toml": exam_spec(question="params = { hidden_size = 1e300 }\n")}, BUILD, {},
                        "too large"),
    "pin inf": ({"exam.toml": exam_spec(question="params = { hidden_size = inf }\n")}, BUILD, {},
                "parameter 'hidden_size'"),
    "pin misspelt": ({"exam.toml": exam_spec(question="params = { hiden_size = 3 }\n")}, BUILD, {},
                     "did you mean 'hidden_size'?"),
    "pin of the wrong type": ({"exam.toml": exam_spec(question="params = { hidden_size = [3] }\n")}, BUILD, {},
                              "parameter 'hidden_size'"),
    "pin vector of 1000 entries": (
        {"exam.toml": exam_spec(questions='[[question]]\ngenerator = "bn.statistics"\npoints = 2\n'
                                          f'params = {{ gamma = {[1] * 1000} }}\n')},
        BUILD, {}, "parameter 'gamma': has 1000 entries"),
    "pin symbol name 1000 letters": (
        {"exam.toml": exam_spec(questions='[[question]]\ngenerator = "conv.unknown_kernel"\npoints = 2\n'
                                          f'params = {{ kernel = [["{"x" * 1000}"]] }}\n')},
        BUILD, {}, "too long"),
    "title not a string": ({"exam.toml": exam_spec().replace(f'title = "{TITLE}"', "title = 3")}, BUILD, {},
                           "title must be a string"),
    "title of a million characters": (
        {"exam.toml": exam_spec().replace(f'title = "{TITLE}"', f'title = "{"x" * 999_000}"')}, BUILD, {},
        "title has 999,000 characters; at most 5,000"),
    "title with a character no font has": ({"exam.toml": exam_spec('course = "Deep learning \U0001F600"')}, BUILD, {},
                                           "[exam] course holds '\U0001F600' (U+1F600), which no installed font"),
    "paper a5": ({"exam.toml": exam_spec('paper = "a5"')}, BUILD, {}, 'paper = \'a5\'; give "a4" or "letter"'),
    "duration not a string": ({"exam.toml": exam_spec("duration = 90")}, BUILD, {}, "duration must be a string"),
    "honour line a number": ({"exam.toml": exam_spec("honour_line = 1")}, BUILD, {},
                             "[exam] honour_line must be true, false or the pledge's text, not 1"),
    "honour line empty": ({"exam.toml": exam_spec('honour_line = "  "')}, BUILD, {},
                          "[exam] honour_line is empty; give the pledge's text"),
    "fewer points than parts": ({"exam.toml": exam_spec(questions='[[question]]\ngenerator = "train.batches"\n'
                                                        'points = 2\n')}, BUILD, {},
                                "question 1: 2 points cannot go round"),
    "answer space negative": ({"exam.toml": exam_spec(question="answer_space = -1\n")}, BUILD, {},
                              "answer_space must be a number of centimetres from 0 to 20"),
    "answer space with TeX": ({"exam.toml": exam_spec(question="answer_space = '\\\\vspace{1km}'\n")}, BUILD, {},
                              "answer_space must be a number"),
    "calculator not a boolean": ({"exam.toml": exam_spec('calculator = "yes"')}, BUILD, {},
                                 "calculator must be true or false"),
    "calculator question without calculators": (
        {"exam.toml": exam_spec(questions='[[question]]\ngenerator = "optim.adam_step"\npoints = 2\n')}, BUILD, {},
        "needs a calculator"),
    "secret written into the spec": ({"exam.toml": exam_spec('secret = "hunter2hunter2hunter2"')}, BUILD, {},
                                     'give "env:NAME"'),
    "secret variable unset": ({"exam.toml": exam_spec('secret = "env:QBANK_TEST_UNSET"')}, BUILD, {},
                              "QBANK_TEST_UNSET, which is not set"),
    "secret too short": ({"exam.toml": exam_spec('secret = "env:QBANK_TEST_SECRET"')}, BUILD,
                         {"QBANK_TEST_SECRET": "short"}, "use at least 16"),
    "secret file missing": ({"exam.toml": exam_spec('secret = "file:no-such-secret"')}, BUILD, {},
                            "no-such-secret: no such secret file"),
    "secret not a string": ({"exam.toml": exam_spec("secret = 42")}, BUILD, {}, "secret must be a string"),
    "spec is a folder": ({"exam.toml/": None}, BUILD, {}, "is a folder, not a spec file"),
    "spec not UTF-8": ({"exam.toml": b"[exam]\ntitle = \"\xff\xfe\"\n"}, BUILD, {}, "is not UTF-8 text"),
    "spec over a megabyte": ({"exam.toml": exam_spec() + "#" * 1_000_001}, BUILD, {},
                             "larger than 1,000,000 bytes"),
    "spec missing": ({}, BUILD, {}, "exam.toml: no such spec file"),
}

ROSTER_CASES = {
    "roster missing": ({"exam.toml": exam_spec('roster = "absent.csv"')}, BUILD, {}, "absent.csv: no such roster"),
    "roster not a string": ({"exam.toml": exam_spec("roster = 3")}, BUILD, {}, "roster must be the path"),
    "roster without header": (roster("s1,Ada\n"), BUILD, {}, "needs a header line 'id,name'"),
    "roster header only": (roster("id,name\n"), BUILD, {}, "has a header but no students"),
    "roster repeats an id": (roster("id,name\ns1,A\ns1,B\n"), BUILD, {}, "line 3 repeats student id 's1'"),
    "roster empty id": (roster("id,name\n,Ada\n"), BUILD, {}, "line 2 has no student id"),
    "roster control character": (roster("id,name\ns1,\"Ada\x1b[31m\"\n"), BUILD, {}, "control character U+001B"),
    "roster line break in a name": (roster('id,name\ns1,"Ada\nLovelace"\n'), BUILD, {}, "control character U+000A"),
    "roster name of 1000 characters": (roster("id,name\ns1," + "a" * 1000 + "\n"), BUILD, {}, "at most 200"),
    "roster id of 100 characters": (roster("id,name\n" + "1" * 100 + ",Ada\n"), BUILD, {}, "at most 64"),
    "roster of 10,001 students": (roster("id,name\n" + "".join(f"s{i},N\n" for i in range(10_001))), BUILD, {},
                                  "more than 10,000 students"),
    "roster name no font has": (roster("id,name\ns1,Ada \U0001F600\n"), BUILD, {},
                                "line 2: the name holds '\U0001F600' (U+1F600)"),
    "roster not UTF-8": (roster(b"id,name\ns1,Jos\xe9\n"), BUILD, {}, "is not UTF-8 text"),
    "roster unterminated quote": (roster('id,name\ns1,"Ada\n'), BUILD, {}, "roster"),
}

SHOW = ["show", "bn.statistics"]
CLI_CASES = {
    "params not JSON": ({}, [*SHOW, "--params", "{bad"], {}, "not valid JSON"),
    "params a list": ({}, [*SHOW, "--params", "[1]"], {}, "expected a JSON object"),
    "params nested 100000 deep": ({}, [*SHOW, "--params", '{"gamma": ' + nested(100_000) + "}"], {},
                                  "nests too deeply"),
    "params nested 25 deep": ({}, [*SHOW, "--params", '{"gamma": ' + nested(25) + "}"], {},
                              "more than 20 levels"),
    "params integer of 5000 digits": ({}, [*SHOW, "--params", '{"eps": ' + "9" * 5000 + "}"], {},
                                      "number too long"),
    "params 1e999999999": ({}, [*SHOW, "--params", '{"eps": "1e999999999"}'], {}, "parameter 'eps'"),
    "params NaN": ({}, [*SHOW, "--params", '{"eps": NaN}'], {}, "parameter 'eps'"),
    "params unknown name": ({}, [*SHOW, "--params", '{"gama": [1]}'], {}, "did you mean 'gamma'?"),
    "seed negative": ({}, [*SHOW, "--seed", "-1"], {}, "expected a whole number from 0"),
    "seed past 64 bits": ({}, [*SHOW, "--seed", "99999999999999999999"], {}, "expected a whole number from 0"),
    "versions not a number": ({"exam.toml": exam_spec()}, [*BUILD, "--versions", "abc"], {},
                              "expected a whole number"),
    "versions a trillion": ({"exam.toml": exam_spec()}, [*BUILD, "--versions", "1000000000000"], {},
                            "give 1 to 10,000"),
    "versions with a roster": (roster("id,name\ns1,Ada\n"), [*BUILD, "--versions", "2"], {},
                               "cannot be used with a roster"),
    "unknown command": ({}, ["frobnicate"], {}, "invalid choice"),
    "unknown generator": ({}, ["show", "conv.image_kernl"], {}, "did you mean conv.image_kernel"),
    "manifest with a spec": ({"exam.toml": exam_spec()}, [*BUILD, "--from-manifest", "m.json"], {},
                             "give no SPEC"),
    "unknown version code": ({"exam.toml": exam_spec()}, ["show-version", "ZZZZ", "--spec", "exam.toml"], {},
                             "no version with code 'ZZZZ'"),
    "jobs of 5000 digits": ({"exam.toml": exam_spec()}, [*BUILD, "--jobs", "9" * 5000], {},
                            "expected a whole number from 1"),
    # a nested table's fields are type-checked before use (a list as a layer type was unhashable)
    "layer type a list": ({}, ["show", "conv.network_summary", "--params", '{"layers": [{"type": []}]}'], {},
                          "parameter 'layers[1].type'"),
    "layer type a table in the spec": ({"exam.toml": exam_spec(questions='[[question]]\ngenerator = '
                                                                   '"conv.network_summary"\npoints = 2\n'
                                                                   'params = { layers = [{ type = {} }] }\n')},
                                       BUILD, {}, "layers[1].type"),
    # an unknown's name is typeset as written: a Latin letter with an optional index, checked when read
    **{f"unknown named {name!r}": ({"exam.toml": exam_spec(questions='[[question]]\ngenerator = '
                                                                    '"conv.unknown_kernel"\npoints = 2\n'
                                                                    f'params = {{ kernel = [["{name}", 1], [1, 1]] }}\n')},
                                   BUILD, {}, "is not a Latin letter with an optional index")
       for name in ("α", "ｘ", "x__1", "_", "x1_")},
}

FILE_CASES = {
    "out is a file": ({"exam.toml": exam_spec(), "file": "x"}, [*BUILD[:3], "--out", "file"], {},
                      "output folder file cannot be made"),
    "out below a file": ({"exam.toml": exam_spec(), "file": "x"}, [*BUILD[:3], "--out", "file/out"], {},
                         "output folder file/out is not writable"),
    "out a dangling link": ({"exam.toml": exam_spec(), "dangling@": "nowhere"}, [*BUILD[:3], "--out", "dangling"],
                            {}, "cannot be made"),
    "target a link to the user's folder": ({"exam.toml": exam_spec(), "mine/notes.txt": "mine",
                                            "out2/exam@": "../mine"}, [*BUILD[:3], "--out", "out2"], {},
                                           "is a symbolic link"),
    "target the user's own folder": ({"exam.toml": exam_spec(), "out2/exam/notes.txt": "mine"},
                                     [*BUILD[:3], "--out", "out2"], {}, "was not made by qbank, so it is left alone"),
    "target a file": ({"exam.toml": exam_spec(), "out2/exam": "mine"}, [*BUILD[:3], "--out", "out2"], {},
                      "exists and is not a folder"),
    "SOURCE_DATE_EPOCH not a number": ({"exam.toml": exam_spec()}, BUILD, {"SOURCE_DATE_EPOCH": "abc"},
                                       "SOURCE_DATE_EPOCH='abc' is not a time"),
    "SOURCE_DATE_EPOCH negative": ({"exam.toml": exam_spec()}, BUILD, {"SOURCE_DATE_EPOCH": "-1"},
                                   "is not a time in whole seconds"),
    "SOURCE_DATE_EPOCH past year 9999": ({"exam.toml": exam_spec()}, BUILD, {"SOURCE_DATE_EPOCH": "9" * 20},
                                         "is not a time in whole seconds"),
    "SOURCE_DATE_EPOCH of 5,000 digits": ({"exam.toml": exam_spec()}, BUILD, {"SOURCE_DATE_EPOCH": "9" * 5000},
                                          "is not a time in whole seconds"),
    "manifest missing": ({}, ["build", "exam", "--from-manifest", "m.json", "--out", "out"], {},
                         "m.json: no such manifest"),
    # every file qbank reads is a regular file read with a cap: no device without end, no pipe
    # without writer (file:/dev/zero read until memory ran out, a FIFO hung)
    "secret file /dev/zero": ({"exam.toml": exam_spec('secret = "file:/dev/zero"')}, BUILD, {},
                              "secret file '/dev/zero' is not in the"),
    # a spec names only files of its own folder (".." and links resolved), so a spec or manifest
    # handed around can neither read another file of the machine nor quote it in an error
    "roster outside the spec's folder": ({"exam.toml": exam_spec('roster = "../../../../../../etc/passwd"')},
                                         BUILD, {}, "roster '../../../../../../etc/passwd' is not in the"),
    "roster an absolute path": ({"exam.toml": exam_spec('roster = "/etc/passwd"')}, BUILD, {},
                                "roster '/etc/passwd' is not in the"),
    "roster a link out of the folder": ({"exam.toml": exam_spec('roster = "students.csv"'),
                                         "students.csv@": "/etc/passwd"}, BUILD, {},
                                        "roster 'students.csv' is not in the"),
    "roster a link loop": ({"exam.toml": exam_spec('roster = "loop.csv"'), "loop.csv@": "loop.csv"}, BUILD, {},
                           "roster 'loop.csv' is not in the"),
    "secret file outside the spec's folder": ({"exam.toml": exam_spec('secret = "file:../../../../etc/passwd"')},
                                              BUILD, {}, "is not in the"),
    "secret file a link out of the folder": ({"exam.toml": exam_spec('secret = "file:key"'), "key@": "/etc/passwd"},
                                             BUILD, {}, "secret file 'key' is not in the"),
    "secret file with a NUL byte": ({"exam.toml": exam_spec('secret = "file:a\\u0000b"')}, BUILD, {},
                                    "is not in the"),
    "secret file a FIFO": ({"exam.toml": exam_spec('secret = "file:pipe"'), "pipe|": ""}, BUILD, {},
                           "pipe: is not a regular file"),
    "secret file too large": ({"exam.toml": exam_spec('secret = "file:big"'), "big": "s" * 5000}, BUILD, {},
                              "the secret is larger than 4,096 bytes"),
    "roster a FIFO": ({"exam.toml": exam_spec('roster = "pipe"'), "pipe|": ""}, BUILD, {},
                      "pipe: is not a regular file"),
    "spec a FIFO": ({"exam.toml|": ""}, BUILD, {}, "exam.toml: is not a regular file"),
    "spec /dev/zero": ({}, [*BUILD[:2], "/dev/zero", *BUILD[3:]], {}, "/dev/zero: is not a regular file"),
    "manifest a FIFO": ({"m.json|": ""}, ["build", "exam", "--from-manifest", "m.json", "--out", "out"], {},
                        "m.json: is not a regular file"),
    "lock a link to plant a file": ({"exam.toml": exam_spec(), "out/.qbank.lock@": "../planted"}, BUILD, {},
                                    "output folder out is not writable"),
}


def manifest_case(change) -> tuple:
    data = good_manifest()
    text = change(data)
    return {"m.json": text if isinstance(text, str) else json.dumps(data)}, \
        ["build", "exam", "--from-manifest", "m.json", "--out", "out"], {}


def _set(path: str, value):
    """A change to the manifest: the field at a dotted path (numbers index lists) gets value."""
    def change(data):
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value
    return change


def _sets(*changes):
    """Several changes to the manifest at once, each (dotted path, value)."""
    def change(data):
        for path, value in changes:
            _set(path, value)(data)
    return change


VARIANT = "versions.0.questions.0.variant"
ANSWER = VARIANT + ".answers.total.exact"
MANIFEST_CASES = {
    "not JSON": (lambda data: "{", "not JSON"),
    "a list": (lambda data: "[]", "the manifest must be an object"),
    "nested 100000 deep": (lambda data: nested(100_000), "not JSON"),
    "nested 25 deep": (_set("exam.title", json.loads(nested(25))), "nests more than 20 levels"),
    "integer of 5000 digits": (lambda data: json.dumps(data).replace('"seed": ', '"seed": ' + "9" * 5000 + "0*", 1)
                               .replace("0*", "", 1), "not JSON"),
    "exact calls __import__": (_set(ANSWER, "__import__('os').system('touch pwned')"), "different answers"),
    "exact reaches __globals__": (_set(ANSWER, "(lambda: 0).__globals__['__builtins__']"), "different answers"),
    "exact raises a huge power": (_set(ANSWER, "2**10**10**10"), "different answers"),
    "exact of 100,000 characters": (_set(ANSWER, "1+" * 50_000 + "1"), "different answers"),
    "exact past 4,300 digits": (_set(ANSWER, "(3**1000)**10"), "different answers"),
    "exact a tower of powers": (_set(ANSWER, "((3**1000)**1000)**1000"), "different answers"),
    "exact a product past 4,300 digits": (_set(ANSWER, "*".join(["3**1000"] * 8)), "different answers"),
    "a variant with 100,000 answers": (_set(VARIANT + ".answers", {f"a{i}": {"exact": "1", "value": 1}
                                                                    for i in range(100_000)}),
                                       "answers has 100,000 entries"),
    "an answer list of 100,000 entries": (_set(ANSWER, ["1"] * 100_000), "must be an exact value or a list"),
    "two versions with one code": (lambda data: data["versions"][1].update(code=data["versions"][0]["code"]),
                                   "two versions have the same code"),
    "exact an object": (_set(ANSWER, {"a": 1}), "must be an exact value or a list of them"),
    "exact a list of words": (_set(ANSWER, ["one", "two"]), "must be an exact value or a list of them"),
    "code ../x": (_set("versions.0.code", "../x"), "is not a version code"),
    "code with TeX": (_set("versions.0.code", "\\def"), "is not a version code"),
    "points with TeX": (_set("versions.0.questions.0.points", "\\input{x}"), "points must be a whole number"),
    "points negative": (_set("versions.0.questions.0.points", -1), "points must be a whole number"),
    "part_points too long": (_set("versions.0.questions.0.part_points", [1, 1, 0, 0, 0, 0]),
                             "part_points has 6 entries"),
    "part_points wrong sum": (_set("versions.0.questions.0.part_points", [1, 0]), "add up to 1, not to points"),
    "part_points a string": (_set("versions.0.questions.0.part_points", "12"), "must be a list"),
    "unknown field": (_set("versions.0.extra", 1), "unknown field 'extra'"),
    "missing field": (lambda data: data["versions"][0].pop("code") and None, "lacks the field 'code'"),
    "number out of order": (_set("versions.0.number", 7), "number is 7, expected 1"),
    "seed negative": (_set("seed", -5), "seed must be a whole number"),
    "variant seed a float": (_set(VARIANT + ".seed", 1.5), "seed must be a whole number"),
    "generator version changed": (_set(VARIANT + ".version", 99), "generator version 99"),
    "generator unknown": (_set(VARIANT + ".generator", "os.system"), "unknown generator 'os.system'"),
    "params out of range": (_set(VARIANT + ".params.hidden_size", 10**9), "parameter 'hidden_size'"),
    "params a list": (_set(VARIANT + ".params", [1]), "params must be an object"),
    "student id empty": (_set("versions.0.student.id", ""), "student.id must be a non-empty string"),
    "student name with a control character": (_set("versions.0.student.name", "A\x00"), "control character"),
    "student name no font has": (_set("versions.0.student.name", "Ada \U0001F600"), "holds '\U0001F600'"),
    "title of a million characters": (_set("exam.title", "x" * 1_000_000), "exam.title must be a string"),
    "secret missing at rebuild": (_set("secret", {"source": "env:QBANK_TEST_UNSET", "check": "0"}),
                                  "made with a secret: the secret comes from the environment variable"),
    "secret file outside the spec's folder": (_set("secret", {"source": "file:../../../etc/passwd", "check": "0"}),
                                              "secret file '../../../etc/passwd' is not in the"),
    "spec folder elsewhere, to read its files": (_sets(("spec.source", "/etc/exam.toml"),
                                                       ("secret", {"source": "file:passwd", "check": "0"})),
                                                 "spec folder '/etc' is not in the"),
    "versions empty": (_set("versions", []), "versions must be a list of 1"),
    "paper unknown": (_set("exam.paper", "\\relax"), "exam.paper must be one of a4, letter"),
    "answer space a string": (_set("versions.0.questions.0.answer_space", "9cm"), "answer_space must be null"),
    "format unknown": (_set("exam.formats", ["pdf", "../../x"]), "exam.formats: unknown format '../../x'"),
    "formats not a list": (_set("exam.formats", "moodle"), "exam.formats must be a list of format names"),
    "fixed layout a string": (_set("exam.fixed_layout", "yes"), "exam.fixed_layout must be true or false"),
}


def all_cases():
    cases = {**SPEC_CASES, **ROSTER_CASES, **CLI_CASES, **FILE_CASES}
    for name, (change, message) in MANIFEST_CASES.items():
        cases["manifest: " + name] = (*manifest_case(change), message)
    return cases


CASES = all_cases()


def test_the_battery_has_over_150_cases():
    assert len(CASES) > 150


def write_files(root: Path, files: dict) -> None:
    for name, content in files.items():
        path = root / name.rstrip("/@|")
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith("/"):
            path.mkdir()
        elif name.endswith("|"):  # a named pipe nobody writes to
            os.mkfifo(path)
        elif name.endswith("@"):
            path.symlink_to(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def snapshot(root: Path) -> dict:
    """Every path under root with its content's digest or its link target (the lock file aside)."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.name == ".qbank.lock":
            continue
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[key] = "dir"
    return found


def previous_build(root: Path) -> None:
    """What an earlier build of the same exam left: it must survive every failed attempt."""
    folder = root / "out" / "exam"
    folder.mkdir(parents=True)
    (folder / ".qbank-build").write_text(json.dumps({"qbank": "0.1.0", "title": TITLE}))
    (folder / "all-exams.pdf").write_bytes(b"%PDF previous build")


def run_cli(argv, capsys) -> tuple[int, str, str]:
    try:
        status = cli.main(argv)
    except SystemExit as exc:  # argparse's own exits
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_is_one_line_exit_2_and_changes_nothing(case, tmp_path, monkeypatch, capsys):
    files, argv, env, message = CASES[case]
    previous_build(tmp_path)
    write_files(tmp_path, files)
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status, out, err = run_cli(argv, capsys)
    lines = err.strip().splitlines()
    assert status == 2, err
    assert len(lines) == 1 and lines[0].startswith("qbank: error: "), err
    assert message in lines[0]
    assert "Traceback" not in err and out == ""
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "pwned").exists()
    assert "root:" not in err  # nothing of /etc/passwd is quoted
