"""How a question's points go to its parts and how much room each part gets on paper."""

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qbank.core import registry
from qbank.core.errors import QbankError
from qbank.core.generator import make_variant, params_of
from qbank.core.model import Part
from qbank.exam import plan, spec
from qbank.paper.latex import SPACE_CEILING_CM, SPACE_FLOOR_CM, SQUEEZE, answer_space, squeezable


@given(st.lists(st.integers(1, 5), min_size=1, max_size=8), st.integers(0, 60))
def test_points_go_to_every_part_in_proportion_and_add_up(weights, extra):
    points = len(weights) + extra
    split = plan.split_points(points, weights)
    assert sum(split) == points
    assert min(split) >= 1  # no part asks for work that earns nothing
    for share, weight in zip(split, weights):  # each part within a point (or two, for the minimum) of its share
        assert abs(share - Fraction(points * weight, sum(weights))) < 2


def test_a_question_with_fewer_points_than_parts_is_refused_naming_the_question():
    exam = spec.ExamSpec("exam.toml", "", "T", "", "", "", 0, 1, None,
                         (spec.QuestionSpec(("train.batches",), 10), spec.QuestionSpec(("train.batches",), 2)))
    with pytest.raises(QbankError, match=r"exam.toml: question 2: 2 points cannot go round .* parts; give points"):
        plan.plan(exam)


def _parts(gen_id: str, seed: int):
    gen = registry.get(gen_id)
    variant = make_variant(gen, seed)
    return variant, gen.render(params_of(gen, variant), variant.answers).parts


@pytest.mark.parametrize("gen_id", sorted(registry.registry()))
def test_every_part_gets_room_by_its_work_within_the_floor_and_ceiling_and_the_same_in_every_version(gen_id):
    """The room depends on the slot's form only (so fixed_layout boxes line up) and grows with the
    work: a part declaring more lines of working never gets less room than one of its weight."""
    rooms = set()
    for seed in range(12):
        variant, parts = _parts(gen_id, seed)
        sizes = []
        for part in parts:
            answers = [variant.answers[name] for name in part.answers]
            room = answer_space(part, answers)
            assert SPACE_FLOOR_CM <= room <= SPACE_CEILING_CM
            assert answer_space(Part(part.prompt, part.answers, part.weight, part.decimals,
                                     (part.work or part.weight) + 2), answers) >= room
            assert 0 <= squeezable(room) <= SQUEEZE * room + 1e-9 and room - squeezable(room) >= SPACE_FLOOR_CM - 1e-9
            sizes.append(room)
        rooms.add((json.dumps(variant.form, sort_keys=True, default=str), tuple(sizes)))
    forms = {form for form, _ in rooms}
    assert len(rooms) == len(forms), f"{gen_id}: one form, different answer space: {sorted(rooms, key=str)}"
