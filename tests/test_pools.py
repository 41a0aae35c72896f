"""Fair pools: every member of a pool gives a slot's versions the same parts, points and answer
shapes (the first member draws the slot's form, the others a form with the same answer sheet), or
the spec is refused when read, naming the members and what differs."""

import json
from pathlib import Path

import pytest
from conftest import answer_box_layouts, run_qbank

from qbank.core import registry
from qbank.core.errors import QbankError
from qbank.exam import plan, spec

# pools of real generators whose forms can give one answer sheet: counting questions of 3 parts
# (attn.kv_cache has one form, the others several), and two questions of 3 scalar parts
COUNTING = ["attn.kv_cache", "gru.param_count", "rnn.params"]
PARAM_COUNTS = ["lstm.param_count", "gru.param_count", "rnn.params"]


def pool_spec(pool, points=8, exam="", question="", versions=12, seed=3):
    return (f'[exam]\ntitle = "Pools"\nseed = {seed}\nversions = {versions}\n{exam}\n'
            f'[[question]]\npool = {json.dumps(pool)}\npoints = {points}\n{question}')


def parse(text: str):
    return spec.parse(text, "exam.toml", Path("."))


def sheet_of(question) -> tuple:
    """What a version's answer sheet shows for a question: per part the answer shapes and points."""
    return tuple((tuple(plan.answer_shape(question.variant.answers[name].exact) for name in part.answers), points)
                 for part, points in zip(question.rendered.parts, question.part_points))


def test_a_pool_whose_members_have_other_numbers_of_parts_is_refused_naming_them():
    with pytest.raises(QbankError) as refused:
        parse(pool_spec(["conv.receptive_field", "bn.statistics"]))
    message = str(refused.value)
    assert message.startswith("exam.toml: question 1: the pool's members give versions different questions")
    assert "conv.receptive_field has 1 part, bn.statistics 4" in message
    assert message.endswith("make a pool of members with the same parts and answer shapes (python -m qbank "
                            "describe ID lists them), or give each member its own question")
    assert "\n" not in message


def test_a_pool_whose_members_ask_for_other_shapes_is_refused_naming_the_parts_and_shapes():
    """The example spec's old pool: four parts each, but vectors and matrices where the other has scalars."""
    with pytest.raises(QbankError, match=r"question 1: .*part \(b\) asks for a scalar in rnn.relu_derivatives but "
                                         r"a \d-vector in bn.statistics; .*none of 100 forms of bn.statistics "
                                         r"matches rnn.relu_derivatives, the first member"):
        parse(pool_spec(["rnn.relu_derivatives", "bn.statistics"]))


def test_a_pool_whose_members_split_the_points_otherwise_is_refused_until_part_points_sets_them():
    """graph.skip_connection and vit.patch_embedding ask for three scalars, weighted 1, 2, 2 and 1, 1, 2."""
    pool = ["graph.skip_connection", "vit.patch_embedding"]
    with pytest.raises(QbankError, match=r"its parts get 2, 3, 3 points in graph.skip_connection \(weights 1, 2, 2\) "
                                         r"but 2, 2, 4 in vit.patch_embedding \(weights 1, 1, 2\).*; give "
                                         r"part_points = \[\.\.\.\] \(3 entries adding up to 8\)$"):
        parse(pool_spec(pool))
    versions = plan.plan(parse(pool_spec(pool, question="part_points = [2, 3, 3]\n")))
    assert {v.questions[0].variant.generator for v in versions} == set(pool)
    assert {v.questions[0].part_points for v in versions} == {(2, 3, 3)}


@pytest.mark.parametrize("pool", [COUNTING, PARAM_COUNTS])
@pytest.mark.parametrize("seed", range(8))
def test_every_version_of_a_pool_slot_gets_one_answer_sheet_whatever_member_it_draws(pool, seed):
    versions = plan.plan(parse(pool_spec(pool, seed=seed, versions=16)))
    assert len({v.questions[0].variant.generator for v in versions}) > 1  # the pool does mix
    sheets = {sheet_of(v.questions[0]) for v in versions}
    assert len(sheets) == 1, f"seed {seed}: {sorted(sheets)}"


def test_part_points_on_a_pool_go_to_every_member_and_a_wrong_length_is_refused_when_read():
    versions = plan.plan(parse(pool_spec(COUNTING, question="part_points = [2, 3, 3]\n")))
    assert {v.questions[0].part_points for v in versions} == {(2, 3, 3)}
    assert len({v.questions[0].variant.generator for v in versions}) > 1
    with pytest.raises(QbankError, match=r"^exam.toml: question 1: part_points has 2 entries but the question "
                                         r"\(pool\) has 3 parts in this exam; give 3 entries or remove part_points$"):
        parse(pool_spec(COUNTING, question="part_points = [4, 4]\n"))


def test_a_new_seed_is_checked_again_since_forms_come_from_the_master_seed():
    """init.variance has forms of 2 and 3 parts, train.batches of 3 and 4: some exams can pool them."""
    text = lambda seed: pool_spec(["init.variance", "train.batches"], seed=seed)  # noqa: E731
    outcomes = {}
    for seed in range(40):
        try:
            parse(text(seed))
            outcomes.setdefault("built", seed)
        except QbankError:
            outcomes.setdefault("refused", seed)
    assert set(outcomes) == {"built", "refused"}
    exam = parse(text(outcomes["built"]))
    with pytest.raises(QbankError, match="the pool's members give versions different questions"):
        spec.with_overrides(exam, None, outcomes["refused"])


def test_forms_of_single_generators_are_as_before():
    """A slot's form is drawn from the same seed as before pools were matched (only members after
    the first draw again), so an exam without pools keeps its forms."""
    exam = parse('[exam]\ntitle = "t"\nseed = 7\n[[question]]\ngenerator = "conv.output_shape"\npoints = 5\n')
    gen = registry.get("conv.output_shape")
    from qbank.core.generator import make_variant
    from qbank.core.seeding import derive_seed
    assert plan.slot_form(exam, 0, gen) == make_variant(gen, derive_seed("form", exam.master, 0, gen.id)).form
    assert plan.plan(exam)[0].questions[0].variant.form == plan.slot_form(exam, 0, gen)


def test_fixed_layout_puts_every_answer_box_of_a_pool_on_the_same_page_at_the_same_place(tmp_path):
    """A pool slot between two single ones, built with fixed_layout and read back with pdftotext
    -bbox: each "Question N (x): answer" label is on the same page at the same place in every
    version, whichever member a version drew."""
    (tmp_path / "exam.toml").write_text(
        "[exam]\ntitle = 'Fixed pools'\nversions = 6\nseed = 9\nfixed_layout = true\n"
        "[[question]]\ngenerator = 'conv.transposed'\npoints = 5\n"
        f"[[question]]\npool = {json.dumps(COUNTING)}\npoints = 8\npart_points = [4, 2, 2]\n"
        f"[[question]]\npool = {json.dumps(PARAM_COUNTS)}\npoints = 6\n"
        "[[question]]\ngenerator = 'bn.statistics'\npoints = 7\n")
    result = run_qbank("build", "exam", "exam.toml", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (folder,) = [p for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")]
    manifest = json.loads((folder / "manifest.json").read_text())
    for slot in (1, 2):  # both pools mix their members
        assert len({v["questions"][slot]["variant"]["generator"] for v in manifest["versions"]}) > 1
    assert len(answer_box_layouts(folder)) == 1  # the same pages and places in every version
    assert len(list(folder.glob("exam-*.pdf"))) == 6
