"""`describe` tells the truth: every form choice it lists can be pinned by that name, and the minutes
it and the build state follow one calibration (Generator.minutes)."""

import json
import math
from pathlib import Path

import pytest

from qbank.cli import main
from qbank.core import registry
from qbank.core.errors import BadParam, QbankError
from qbank.core.generator import (MINUTES_PER_EXTRA_LINE, MINUTES_PER_WEIGHT, MINUTES_READING, make_variant,
                                  render_variant)
from qbank.core.params import Bool, Choice, Int, Vector
from qbank.exam import spec, timing
from qbank.exam.plan import plan, slot_form

GENERATORS = sorted(registry.registry())
SEEDS = range(12)  # forms drawn to find every form choice a generator makes


def listed_form_choices(gen_id: str, capsys) -> list[str]:
    """The names `describe` marks as form, parameters and form choices alike."""
    assert main(["describe", gen_id]) == 0
    out = capsys.readouterr().out
    return [line.split()[0] for line in out.splitlines() if line.startswith("  ") and line.split()[1:2] == ["form"]]


def plain(value):
    return json.loads(json.dumps(value, default=str))


def pin(decl, value):
    """A value as a spec writes it (TOML: lists, "1/2" strings), as its declaration reads it."""
    return plain(decl.dump(decl.parse(plain(value), "pin")))


def declared_values(decl) -> list:
    """The values a form choice's declaration allows, or a sample of them for a list."""
    if isinstance(decl, Bool):
        return [False, True]
    if isinstance(decl, Choice):
        return list(decl.options)
    if isinstance(decl, Int):
        return list(range(decl.lo, decl.hi + 1))
    if isinstance(decl, Vector):
        return [(decl.item.options[0],) * decl.min_len, tuple(decl.item.options[-1:]) * decl.max_len]
    raise AssertionError(f"no values for {decl!r}")


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_every_form_choice_a_generator_makes_is_declared_and_listed(gen_id, capsys):
    gen = registry.get(gen_id)
    made = set().union(*(make_variant(gen, seed).form for seed in SEEDS))
    undeclared = made - set(gen.params) - set(gen.forms) - set(gen.hidden_forms)
    assert not undeclared, f"{gen_id} draws form choices it does not declare in `forms`: {sorted(undeclared)}"
    assert not set(gen.forms) & set(gen.params), "a form choice that is a parameter is declared as a parameter only"
    listed = listed_form_choices(gen_id, capsys)
    assert set(gen.forms) <= set(listed) and set(listed) <= set(gen.params) | set(gen.forms)


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_every_listed_form_choice_can_be_pinned_to_each_of_its_values(gen_id, capsys):
    """Pinning a listed name to any of its values (a sample for lists and parameters) makes variants
    of that form: the name parses, the draw honours it, and the variant says it has that form."""
    gen = registry.get(gen_id)
    drawn = [make_variant(gen, seed).form for seed in SEEDS]
    for name in listed_form_choices(gen_id, capsys):
        decl = gen.forms.get(name) or gen.params[name]
        values = declared_values(decl) if name in gen.forms else sorted(
            {json.dumps(pin(decl, form[name])) for form in drawn if name in form})
        values = [json.loads(v) for v in values] if name not in gen.forms else [pin(decl, v) for v in values]
        assert values, f"{gen_id}: describe lists {name} as form but no draw makes it"
        for raw in values:
            for seed in (0, 1):
                try:
                    variant = make_variant(gen, seed, {name: raw})
                except QbankError as exc:
                    raise AssertionError(f"{gen_id}: pinning {name} = {raw!r} fails: {exc}") from None
                # a pinned form choice is the variant's form; a pinned parameter is its value
                got = variant.form[name] if name in gen.forms else gen.params[name].parse(variant.params[name], name)
                assert pin(decl, got) == raw, (gen_id, name, raw)


def test_pinning_kernel_size_fixes_the_form_and_every_version_draws_its_own_kernel():
    text = ('[exam]\ntitle = "t"\nversions = 6\n[[question]]\ngenerator = "conv.image_kernel"\npoints = 10\n'
            'params = { kernel_size = 2 }\n')
    versions = plan(spec.parse(text, "exam.toml", Path(".")))
    kernels = [tuple(map(tuple, v.questions[0].variant.params["kernel"])) for v in versions]
    assert all(len(k) == 2 and len(k[0]) == 2 for k in kernels)
    assert len(set(kernels)) > 1, "a pinned kernel size must not pin the kernel's values"
    assert len({json.dumps(v.questions[0].variant.form, sort_keys=True, default=str) for v in versions}) == 1


def test_a_form_choice_outside_its_values_is_refused_naming_it():
    gen = registry.get("conv.image_kernel")
    with pytest.raises(BadParam, match=r"'kernel_size': expected one of 2, 3, got 4"):
        make_variant(gen, 0, {"kernel_size": 4})


def test_a_form_choice_that_the_other_pins_leave_unused_is_refused_not_ignored():
    gen = registry.get("conv.image_kernel")
    with pytest.raises(QbankError, match=r"'kernel_size'.*does not use this form choice with the pinned kernel"):
        make_variant(gen, 0, {"kernel_size": 3, "kernel": [[1, 2], [3, 4]]})


def test_an_unknown_name_is_refused_at_load_with_the_close_form_choice():
    text = '[exam]\ntitle = "t"\n[[question]]\ngenerator = "conv.image_kernel"\npoints = 10\nparams = { kernel_sze = 2 }\n'
    with pytest.raises(QbankError, match=r"no such parameter or form choice; did you mean 'kernel_size'\?"):
        spec.parse(text, "exam.toml", Path("."))


def test_a_shape_option_is_pinned_as_a_list():
    gen = registry.get("conv.unknown_kernel")
    variant = make_variant(gen, 3, {"image_shape": [4, 4]})
    assert variant.form["image_shape"] == (4, 4) and len(variant.params["image"]) == 4


# --- time ---------------------------------------------------------------------------------------

def rule(parts) -> int:
    return math.ceil(MINUTES_READING + sum(MINUTES_PER_WEIGHT * p.weight
                                           + MINUTES_PER_EXTRA_LINE * max(0, (p.work or 0) - p.weight) for p in parts))


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_minutes_follow_the_one_calibration_and_the_form_alone(gen_id):
    gen = registry.get(gen_id)
    for seed in range(4):
        form = make_variant(gen, seed).form
        minutes = {gen.minutes(render_variant(gen, make_variant(gen, 100 + v, None, form)).parts) for v in range(3)}
        assert len(minutes) == 1, f"{gen_id}: versions of one form take different times {minutes}"
        (m,) = minutes
        assert m == rule(render_variant(gen, make_variant(gen, 100, None, form)).parts)
        assert 2 <= m <= 40, f"{gen_id}: {m} minutes is no exam question"


def test_describe_states_the_minutes(capsys):
    main(["describe", "conv.image_kernel"])
    line = capsys.readouterr().out.splitlines()[2]
    assert line.startswith("minutes for a prepared student: 16") and "1.5 per unit of part weight" in line


@pytest.mark.parametrize("text, minutes", [
    ("90 minutes", 90), ("1 h 30 min", 90), ("1.5 hours", 90), ("1:30", 90), ("60", 60), ("2 hours", 120),
    ("1 hour 15", 75), ("45 min.", 45), ("1h30m", 90), ("two hours", None), ("", None), ("10 30", None)])
def test_a_duration_is_read_as_minutes_where_it_says_them(text, minutes):
    assert timing.duration_minutes(text) == minutes


def midterm(duration: str) -> str:
    return (f'[exam]\ntitle = "Midterm"\nversions = 2\nformats = ["moodle"]\nduration = "{duration}"\n'
            '[[question]]\ngenerator = "conv.image_kernel"\npoints = 10\n'
            '[[question]]\npool = ["lstm.param_count", "rnn.params"]\npoints = 5\n'
            '[[question]]\ngenerator = "bn.statistics"\npoints = 7\n')


def test_the_exam_minutes_are_each_slot_form_summed_a_pool_counting_its_longest_member():
    exam = spec.parse(midterm("1 h"), "exam.toml", Path("."))
    minutes = timing.question_minutes(exam)
    pool = []
    for gen_id in ("lstm.param_count", "rnn.params"):
        gen = registry.get(gen_id)
        pool.append(gen.minutes(render_variant(gen, make_variant(gen, 0, None, slot_form(exam, 1, gen))).parts))
    assert minutes[1] == max(pool) and len(minutes) == 3
    # every version of the exam takes at most that long
    for version in plan(exam):
        assert sum(registry.get(q.variant.generator).minutes(q.rendered.parts) for q in version.questions) <= sum(minutes)


@pytest.mark.parametrize("duration, warned", [("1 h", False), ("20 minutes", True)])
def test_the_build_states_the_minutes_and_warns_past_the_duration(tmp_path, capsys, duration, warned):
    (tmp_path / "exam.toml").write_text(midterm(duration))
    assert main(["build", "exam", str(tmp_path / "exam.toml"), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    total = sum(timing.question_minutes(spec.load(tmp_path / "exam.toml")))
    allowed = timing.duration_minutes(duration)
    assert f"  time: about {total} minutes for a prepared student (" in captured.out
    assert f" of the {allowed} allowed" in captured.out
    warnings = [line for line in captured.err.splitlines() if "warning" in line]
    if warned:
        assert warnings == [f"qbank: warning: the questions need about {total} minutes, more than the {allowed} of "
                            f"duration = '{duration}'; drop a question, pin smaller forms or allow more time "
                            f"(python -m qbank describe ID shows each question's minutes)"]
    else:
        assert warnings == []
    assert (tmp_path / "out" / "midterm" / "moodle.xml").exists()


def test_a_duration_without_minutes_is_said_so_and_no_duration_asks_for_one():
    line, warning = timing.summary(spec.parse(midterm("a long time"), "exam.toml", Path(".")))
    assert "duration 'a long time' is not read as minutes" in line and warning is None
    line, warning = timing.summary(spec.parse(midterm(""), "exam.toml", Path(".")))
    assert line.endswith("set [exam] duration to check it against the time allowed") and warning is None
