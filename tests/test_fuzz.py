"""Fuzzing the three parsers of other people's input: spec files, --params and manifests.

Whatever hypothesis writes, each parser either accepts it or raises QbankError (a one-line
message); any other exception is a traceback a user would see, and fails the test.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from conftest import good_manifest
from qbank import cli
from qbank.core import registry
from qbank.core.errors import QbankError
from qbank.core.generator import make_variant, render_variant
from qbank.exam import plan, spec
from qbank.output import manifest

GENERATORS = sorted(registry.registry())

scalars = st.one_of(
    st.integers(), st.integers(-5, 40), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=20), st.sampled_from(["3/2", "1e999999999", "1e5000", "-0.5", "x", "", "env:HOME", "\\input{x}",
                                           "students.csv", "9" * 50]),
    st.sampled_from(GENERATORS),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=12)


def toml_value(value) -> str:
    """A value as TOML text (inline arrays and tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def table(keys: list[str]):
    """A TOML table of some of the known keys (and now and then an unknown one) with any values."""
    return st.dictionaries(st.sampled_from(keys + ["junk"]), values, max_size=len(keys))


def pins_of(gen_id: str):
    names = sorted(registry.get(gen_id).params) + ["junk"]
    return st.dictionaries(st.sampled_from(names), values, max_size=4)


@st.composite
def spec_texts(draw) -> str:
    exam = draw(table(sorted(spec.EXAM_KEYS)))
    lines = ["[exam]"] + [f"{key} = {toml_value(value)}" for key, value in exam.items()]
    for _ in range(draw(st.integers(0, 3))):
        question = draw(table(sorted(spec.QUESTION_KEYS)))
        if draw(st.booleans()):
            question["generator"] = draw(st.sampled_from(GENERATORS))
            question["params"] = draw(pins_of(question["generator"]))
        lines += ["[[question]]"] + [f"{key} = {toml_value(value)}" for key, value in question.items()]
    return "\n".join(lines) + "\n"


@given(spec_texts())
def test_any_spec_is_read_or_refused_in_one_line(text):
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "students.csv").write_text("id,name\ns1,Ada\n")
        try:
            exam = spec.parse(text, "fuzz.toml", base=Path(folder))
            next(plan.iter_plan(exam))  # the first version too: planning reads the pins
        except QbankError as exc:
            assert "\n" not in str(exc).strip()


@given(st.text(max_size=300))
def test_any_text_as_a_spec_is_read_or_refused(text):
    try:
        spec.parse(text, "fuzz.toml", base=Path("."))
    except QbankError:
        pass


@given(st.sampled_from(GENERATORS).flatmap(lambda gen_id: st.tuples(st.just(gen_id), pins_of(gen_id))),
       st.integers(0, 2**63 - 1))
def test_any_params_are_answered_or_refused_in_one_line(gen_and_pins, seed):
    gen_id, pins = gen_and_pins
    gen = registry.get(gen_id)
    try:
        variant = make_variant(gen, seed, cli._json_object(json.dumps(pins)))
        render_variant(gen, variant)
    except QbankError as exc:
        assert "\n" not in str(exc).strip()
    except cli.argparse.ArgumentTypeError:
        pass  # refused by the --params reader itself: argparse prints it as one line


def json_paths(value, prefix=()):
    """Every path into a JSON value, so a mutation can reach any field."""
    yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from json_paths(item, (*prefix, key))


GOOD_MANIFEST = good_manifest()
PATHS = list(json_paths(GOOD_MANIFEST))


@given(st.lists(st.tuples(st.sampled_from(PATHS), st.sampled_from(["set", "delete", "add"]), values),
                min_size=1, max_size=3))
def test_any_changed_manifest_is_rebuilt_or_refused_in_one_line(changes):
    data = json.loads(json.dumps(GOOD_MANIFEST))
    for path, action, value in changes:
        _change(data, path, action, value)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "manifest.json")
        path.write_text(json.dumps(data), encoding="utf-8")
        try:
            manifest.load(path)
        except QbankError as exc:
            assert "\n" not in str(exc).strip()


def _change(data, path: tuple, action: str, value) -> None:
    """Set, delete or add beside the field at path, if an earlier change left the way there."""
    parent, key = _reach(data, path[:-1]), path[-1] if path else None
    if not _holds(parent, key):
        return
    if action == "set":
        parent[key] = value
    elif action == "delete":
        del parent[key]
    elif isinstance(parent, dict):
        parent["junk"] = value
    else:
        parent.append(value)


def _reach(node, path: tuple):
    for key in path:
        if not _holds(node, key):
            return None
        node = node[key]
    return node


def _holds(node, key) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(node, list) and isinstance(key, int) and key < len(node)
