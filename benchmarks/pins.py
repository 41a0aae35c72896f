"""Seconds to answer or refuse a pin, by `show`, `show --json` and a build (the target: 5 s).

    python benchmarks/pins.py [GENERATOR_ID ...] [--pins N]

For each generator: every number, true/false or choice parameter pinned to each edge of its range
(each option), the pins once reported slow, then N pins drawn by hypothesis within the declared ranges as the oracle tests draw
them (tests/conftest.py: any shape, and the sampled shapes with new values). Each pin is answered
or refused once; the three slowest are then timed through `show` and `show --json`, and the
slowest answered one through a one-question build with PDFs. Prints, per generator, the slowest
pins and what happened to them, and at the end every pin over the target.
"""

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import as_written, pins_for, pins_like  # noqa: E402

from qbank.cli import main as qbank  # noqa: E402
from qbank.core import registry  # noqa: E402
from qbank.core.errors import QbankError  # noqa: E402
from qbank.core.generator import make_variant  # noqa: E402
from qbank.core.params import Bool, Choice, Int, Num  # noqa: E402

TARGET_SECONDS = 5.0
DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
# Pins that once took minutes or never finished (issue "Any pin, the right answer").
REPORTED = {
    "rnn.gated": [{"W_c": "7/4", "W_h": "7/4", "W_x": 10, "x": [-6, -6, "7/4", 9], "upstream": -2}],
    "conv.unknown_kernel": [json.loads((DATA / "unknown_kernel_25.json").read_text())],
    "rnn.forward": [json.loads((DATA / "rnn_forward_8x8.json").read_text())],
}


def edges(gen) -> list[dict]:
    pins = []
    for name, decl in gen.params.items():
        if isinstance(decl, (Bool, Choice)):
            values = [True, False] if isinstance(decl, Bool) else list(decl.options)
        elif isinstance(decl, (Int, Num)):
            values = [v for v in (decl.lo, decl.hi) if v is not None]
        else:
            values = []
        pins += [{name: as_written(value)} for value in values]
    return pins


def drawn(gen, count: int) -> list[dict]:
    pins = []

    @settings(max_examples=count, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.one_of(pins_for(gen), pins_like(gen)))
    def collect(pin):
        pins.append(pin)

    collect()
    return pins


def timed(action) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        action()
        outcome = "answered"
    except QbankError as exc:
        outcome = f"refused: {exc}"
    return time.perf_counter() - start, outcome


def cli_seconds(*args) -> tuple[float, str]:
    start = time.perf_counter()
    errors = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(errors):
        status = qbank(list(args))
    outcome = "answered" if status == 0 else "refused: " + errors.getvalue().strip().removeprefix("qbank: error: ")
    return time.perf_counter() - start, outcome


def toml_value(value) -> str:
    """A pin as a TOML value (JSON's numbers, strings, booleans and arrays are TOML's too)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


def build_seconds(gen, pins: dict) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "exam.toml"
        spec.write_text(f'[exam]\ntitle = "pin"\ncalculator = true\n\n[[question]]\ngenerator = "{gen.id}"\n'
                        f"points = 10\nparams = {toml_value(pins)}\n")
        return cli_seconds("build", "exam", str(spec), "--out", str(Path(folder) / "out"), "--versions", "1",
                           "--quiet")


def measure(gen, count: int) -> list[tuple]:
    """(seconds, what, pins, outcome) for the slowest pins of one generator, slowest first."""
    runs = []
    for pins in REPORTED.get(gen.id, []) + edges(gen) + drawn(gen, count):
        seconds, outcome = timed(lambda: make_variant(gen, 0, pins))
        runs.append((seconds, pins, outcome))
    runs.sort(key=lambda run: -run[0])
    rows = []
    for seconds, pins, outcome in runs[:3]:
        text = json.dumps(pins)
        rows.append((seconds, "variant", pins, outcome))
        for what, flags in (("show", ()), ("show --json", ("--json",))):
            rows.append(timed_row(what, pins, lambda: cli_seconds("show", gen.id, "--params", text, *flags)))
    # the slowest answered pins that a spec can hold (TOML has no null), through a whole build
    answered = [pins for _, pins, outcome in runs if outcome == "answered" and "null" not in json.dumps(pins)]
    rows += [timed_row("build", pins, lambda: build_seconds(gen, pins)) for pins in answered[:3]]
    return sorted(rows, key=lambda row: -row[0])


def timed_row(what: str, pins: dict, run) -> tuple:
    seconds, outcome = run()
    return seconds, what, pins, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generators", nargs="*", metavar="GENERATOR_ID")
    parser.add_argument("--pins", type=int, default=100, help="hypothesis-drawn pins per generator (default 100)")
    args = parser.parse_args()
    over = []
    for gen_id in args.generators or sorted(registry.registry()):
        rows = measure(registry.get(gen_id), args.pins)
        print(f"{gen_id}: slowest {rows[0][0]:.2f} s")
        for seconds, what, pins, outcome in rows[:3]:
            print(f"  {seconds:6.2f} s  {what:<12} {json.dumps(pins)[:90]}  {outcome[:60]}")
        over += [(seconds, gen_id, what, pins) for seconds, what, pins, _ in rows if seconds > TARGET_SECONDS]
    print(f"\npins over {TARGET_SECONDS:.0f} s: {len(over)}")
    for seconds, gen_id, what, pins in sorted(over, reverse=True):
        print(f"  {seconds:6.2f} s  {gen_id} {what} {json.dumps(pins)}")


if __name__ == "__main__":
    main()
