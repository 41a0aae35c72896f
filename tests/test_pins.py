"""Pins never crash, hang or mislead: any pin within a generator's declared ranges (layer tables
and nulls inside them included) is answered (exactly) or rejected with an error naming a
parameter the user pinned."""

import signal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import pins_for

from qbank.core import registry
from qbank.core.errors import BadParam
from qbank.core.exact import is_exact
from qbank.core.generator import make_variant

GENERATORS = sorted(registry.registry())
# Not a speed target (that is benchmarks/pins.py): a pin that takes longer than this is a hang.
HANG_SECONDS = 20


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_pins_within_the_declared_ranges_are_answered_or_rejected_naming_a_pinned_parameter(gen_id):
    gen = registry.get(gen_id)

    @settings(max_examples=40)
    @given(pins=pins_for(gen), seed=st.integers(0, 2**32))
    def check(pins, seed):
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(HANG_SECONDS)
        try:
            variant = make_variant(gen, seed, pins)
        except BadParam as exc:
            pinned = exc.param.split("[")[0].split(".")[0]
            assert pinned in pins, f"{gen_id} pins {pins}: the error names '{exc.param}', which was not pinned: {exc}"
            assert "\n" not in str(exc)
            return
        except Hang:
            raise AssertionError(f"{gen_id} pins {pins}: no answer within {HANG_SECONDS} s") from None
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        for name, answer in variant.answers.items():
            assert is_exact(answer.exact), f"{gen_id} pins {pins}: {name} is not exact"

    check()
