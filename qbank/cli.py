"""Command line: python -m qbank list | show | build exam | show-version."""

from __future__ import annotations

import argparse
import json
import sys

from qbank import __version__, registry
from qbank.errors import QbankError
from qbank.generator import make_variant, render_variant


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except QbankError as exc:
        print(f"qbank: error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qbank", description=__doc__)
    parser.add_argument("--version", action="version", version=f"qbank {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="list every generator")
    listing.set_defaults(run=_list)

    show = commands.add_parser("show", help="print one variant: statement, answers, solution")
    show.add_argument("generator", metavar="ID")
    show.add_argument("--seed", type=_seed, default=0)
    show.add_argument("--params", type=_json_object, default={}, metavar="JSON",
                      help='pinned parameters, e.g. \'{"stride": 2}\'')
    show.add_argument("--json", action="store_true", help="print the variant as one JSON object")
    show.set_defaults(run=_show)
    return parser


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return seed


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('expected a JSON object such as \'{"stride": 2}\'')
    return value


def _list(args) -> int:
    for gen in registry.registry().values():
        print(f"{gen.id:<24} v{gen.version}  {gen.title}  [{', '.join(gen.topics)}]")
    return 0


def _show(args) -> int:
    gen = registry.get(args.generator)
    variant = make_variant(gen, args.seed, args.params)
    if args.json:
        print(json.dumps(variant.to_json()))
        return 0
    rendered = render_variant(gen, variant)
    print(f"{gen.id} v{gen.version}, seed {args.seed}: {gen.title}")
    print(f"params: {json.dumps(variant.params)}\n")
    print(rendered.statement.strip() + "\n")
    for letter, part in zip("abcdefghij", rendered.parts):
        print(f"({letter}) {part.prompt}  [{part.weight} pt{'s' if part.weight > 1 else ''}]")
    print("\nanswers:")
    for name, answer in variant.answers.items():
        print(f"  {name} = {_plain(answer.exact)}" + ("" if answer.decimal == _plain(answer.exact) else f"  ~ {answer.decimal}"))
    print("\nsolution:\n" + rendered.solution.strip())
    return 0


def _plain(value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)
