"""Pins never crash, hang or mislead: any pin within a generator's declared ranges (layer tables
and nulls inside them included) is answered (exactly) or rejected with an error naming a
parameter the user pinned."""

import signal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbank.core import registry
from qbank.core.errors import BadParam
from qbank.core.exact import is_exact
from qbank.core.generator import make_variant
from qbank.core.params import Bool, Choice, Int, Matrix, Num, Records, Table, Vector

GENERATORS = sorted(registry.registry())
# Not a speed target (that is benchmarks/pins.py): a pin that takes longer than this is a hang.
HANG_SECONDS = 20


def number(lo, hi, integral: bool):
    """Numbers as a user writes them: range edges, integers, integral floats (2.0), and for
    rational parameters fractions as strings ("3/2") and short decimals."""
    lo = -50 if lo is None else lo
    hi = 50 if hi is None else hi
    whole_lo, whole_hi = int(-(-Fraction(lo) // 1)), int(Fraction(hi) // 1)
    options = [st.sampled_from([lo, hi]), st.integers(whole_lo, whole_hi), st.integers(whole_lo, whole_hi).map(float)]
    if not integral:
        finest = max(20, Fraction(lo).denominator, Fraction(hi).denominator)
        options.append(st.fractions(Fraction(lo), Fraction(hi), max_denominator=finest).map(str))
        options.append(st.integers(int(lo * 10), int(hi * 10)).map(lambda v: v / 10))
    return st.one_of(options)


def pin_value(decl):
    if isinstance(decl, Bool):
        return st.booleans()
    if isinstance(decl, Choice):
        return st.sampled_from(decl.options)
    if isinstance(decl, Int):
        return number(decl.lo, decl.hi, integral=True)
    if isinstance(decl, Num):
        return number(decl.lo, decl.hi, integral=False)
    if isinstance(decl, Vector):
        return st.lists(pin_value(decl.item), min_size=decl.min_len,
                        max_size=max(decl.min_len, min(decl.max_len or 5, 5)))
    if isinstance(decl, Matrix):
        return st.integers(1, 4).flatmap(lambda cols: st.lists(
            st.lists(pin_value(decl.row.item), min_size=cols, max_size=cols), min_size=1, max_size=4))
    if isinstance(decl, Records):  # layer tables: fields from their declarations, nulls included
        if decl.types:
            record = st.sampled_from(sorted(decl.types)).flatmap(
                lambda kind: st.fixed_dictionaries({"type": st.just(kind)} | {
                    key: st.one_of(pin_value(field), st.none()) for key, field in decl.types[kind].items()}))
        else:
            record = st.fixed_dictionaries({key: st.one_of(pin_value(field), st.none())
                                            for key, field in decl.fields.items()})
        table = st.one_of(record, st.none())
        if isinstance(decl, Table):
            return record
        return st.lists(table, min_size=decl.min_len, max_size=max(decl.min_len, min(decl.max_len or 4, 4)))
    return st.nothing()


def pins_for(gen):
    pinnable = {name: pin_value(decl) for name, decl in gen.params.items()}
    return st.lists(st.sampled_from(sorted(pinnable)), min_size=1, max_size=3, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({name: st.one_of(pinnable[name], st.none()) for name in names}))


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


@pytest.mark.parametrize("gen_id", GENERATORS)
def test_pins_within_the_declared_ranges_are_answered_or_rejected_naming_a_pinned_parameter(gen_id):
    gen = registry.get(gen_id)

    @settings(max_examples=60)
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
