"""Every answer in the key is named in the statement's notation: each answer a generator gives has a
label, and no key line leads with a bare code name (values, gib, head_dim) that the statement never uses."""

import re

import pytest

from qbank.core import registry
from qbank.core.generator import make_variant, render_variant
from qbank.core.model import entry_labels
from qbank.paper.latex import _answer_line

# enough seeds that every drawn form (frameworks, optional parts, trainable extras) turns up
SEEDS = range(24)
GENERATORS = sorted(registry.registry())


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_every_answer_is_keyed_by_its_label_not_its_code_name(gen_id):
    gen = registry.get(gen_id)
    for seed in SEEDS:
        variant = make_variant(gen, seed)
        unlabelled = sorted(set(variant.answers) - set(gen.labels))
        assert unlabelled == [], f"{gen_id} seed {seed}: no label for {', '.join(unlabelled)}"
        for part in render_variant(gen, variant).parts:
            for name in part.answers:
                label, answer = gen.labels[name], variant.answers[name]
                line = _answer_line(name, answer, part.decimals, label)
                # the label comes first; the code name only in parentheses, for answer-key.csv
                assert line.startswith("$") and not line.startswith(r"\texttt"), f"{gen_id}: {line}"
                assert not re.search(r"(?<!\()\\texttt\{", line), f"{gen_id}: {line}"
                assert entry_labels(label, answer.exact), f"{gen_id}: {name} has an empty label"
                assert label.count("{") == label.count("}"), f"{gen_id}: {name}'s label {label} is unbalanced"
