"""Command line: python -m qbank list | show | build exam | show-version."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from qbank import __version__, build, manifest, plan, registry, spec
from qbank.errors import QbankError
from qbank.generator import make_variant, render_variant
from qbank.params import REQUIRED


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except QbankError as exc:
        print(f"qbank: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qbank", description=__doc__)
    parser.add_argument("--version", action="version", version=f"qbank {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="list every generator")
    listing.set_defaults(run=_list)

    describe = commands.add_parser("describe", help="a generator's parameters (form or value), parts and answers")
    describe.add_argument("generator", metavar="ID")
    describe.set_defaults(run=_describe)

    show = commands.add_parser("show", help="print one variant: statement, answers, solution")
    show.add_argument("generator", metavar="ID")
    show.add_argument("--seed", type=_seed, default=0)
    show.add_argument("--params", type=_json_object, default={}, metavar="JSON",
                      help='pinned parameters, e.g. \'{"stride": 2}\'')
    show.add_argument("--json", action="store_true", help="print the variant as one JSON object")
    show.set_defaults(run=_show)

    build = commands.add_parser("build", help="build exam and solution PDFs, answer key and manifest")
    build.add_argument("target", choices=("exam",))
    build.add_argument("spec", nargs="?", metavar="SPEC.toml", help="exam spec (default: the built-in exam)")
    build.add_argument("--versions", type=int, help="number of versions (overrides the spec)")
    build.add_argument("--seed", type=_seed, help="master seed (overrides the spec)")
    build.add_argument("--out", default="output", metavar="DIR", help="output folder (default: ./output)")
    build.add_argument("--from-manifest", metavar="MANIFEST", dest="manifest",
                       help="rebuild the PDFs of a previous build from its manifest.json, without sampling")
    build.set_defaults(run=_build)

    version = commands.add_parser("show-version", help="print one version's questions and answers by its code")
    version.add_argument("code")
    version.add_argument("--spec", metavar="SPEC.toml", help="exam spec (default: the built-in exam)")
    version.add_argument("--seed", type=_seed, help="master seed, if the build overrode the spec's")
    version.set_defaults(run=_show_version)
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


def _describe(args) -> int:
    """Parameters with type, range and default, which of them are form, the parts and answers."""
    gen = registry.get(args.generator)
    variant = make_variant(gen, 0)
    form = variant.form
    print(f"{gen.id} v{gen.version}: {gen.title}  [{', '.join(gen.topics)}]")
    print(f"calculator: {'needed (set [exam] calculator = true)' if gen.calculator else 'not needed'}")
    print("parameters (form: fixed once per exam slot; value: drawn for every version):")
    for name, decl in gen.params.items():
        default = "" if decl.default is REQUIRED else f", default {json.dumps(decl.default)}"
        print(f"  {name:<20} {'form ' if name in form else 'value'}  {decl.describe()}{default}")
    derived = sorted(set(form) - set(gen.params))
    if derived:
        print("form choices drawn once per slot: " + ", ".join(derived))
    print("parts (answers):")
    for letter, part in zip("abcdefghijklmnop", render_variant(gen, variant).parts):
        print(f"  ({letter}) {', '.join(part.answers)}  [weight {part.weight}]")
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


def _build(args) -> int:
    if args.manifest:
        if args.spec or args.versions is not None or args.seed is not None:
            raise QbankError("--from-manifest rebuilds a finished build; give no SPEC, --versions or --seed with it")
        exam, versions = manifest.load(Path(args.manifest))
    else:
        exam = spec.with_overrides(spec.load(args.spec), args.versions, args.seed)
        versions = plan.plan(exam)
    target = build.build(exam, versions, Path(args.out), progress=sys.stderr.isatty())
    print(f"built {len(versions)} version{'s' if len(versions) > 1 else ''} of '{exam.title}' in {target}")
    for path in sorted(target.iterdir()):
        print(f"  {path.name}{'/' if path.is_dir() else ''}")
    return 0


def _show_version(args) -> int:
    exam = spec.with_overrides(spec.load(args.spec), None, args.seed)
    version = plan.find_version(plan.plan(exam), args.code)
    student = f", student {version.student.id} {version.student.name}" if version.student else ""
    print(f"version {version.code} (number {version.number} of {exam.versions}{student}), seed {exam.seed}")
    for q in version.questions:
        v = q.variant
        print(f"\nquestion {q.number} ({q.points} points): {v.generator} v{v.version}, seed {v.seed}")
        print(f"  params: {json.dumps(v.params)}")
        for name, answer in v.answers.items():
            print(f"  {name} = {_plain(answer.exact)}")
    return 0


def _plain(value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)
