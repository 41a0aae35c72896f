"""Command line: python -m qbank list | describe ID | show ID | build exam [SPEC.toml] | show-version CODE."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

from qbank import INTERRUPTED, INTERRUPTED_LINE, __version__, build, leave_interrupted
from qbank.core import registry
from qbank.core.errors import QbankError
from qbank.core.exact import MAX_EXACT_CHARS, to_text
from qbank.core.model import kind_of
from qbank.core.generator import make_variant, render_variant
from qbank.core.limits import MAX_NESTING, MAX_SEED, MAX_SPEC_BYTES, nesting
from qbank.core.params import REQUIRED
from qbank.core.plaindoc import plain_text
from qbank.exam import plan, spec, timing
from qbank.exam.plan import split_points
from qbank.output import manifest, outdir

INTERNAL = 70      # EX_SOFTWARE: a bug of qbank's, not the user's input
MAX_JOBS = 256     # TeX runs at once: more than any machine's cores
SIGNALS = (signal.SIGINT, signal.SIGTERM)
DESCRIBE_FORMS = 6  # forms `describe` draws to tell form parameters and the minutes' range
SHOW_POINTS = plan.PREVIEW_POINTS  # `show` and `show --pdf` split this default total by the part weights


def main(argv=None) -> int:
    """Every failure is one line on stderr: exit 2 for the user's input, 130 when interrupted,
    70 for a bug of qbank's; --debug adds the traceback."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    # SIGTERM finishes like Ctrl-C (cleaned up); a signal the caller ignores (a background job's
    # SIGINT) stays ignored; the handlers are the caller's again when main returns
    previous = {}
    try:  # the handlers are set inside: an interrupt right after one is set is caught here
        for sig in SIGNALS:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                previous[sig] = signal.signal(sig, _interrupt_once)
        return _run([a for a in argv if a != "--debug"], debug)
    except KeyboardInterrupt:  # also one that came while another failure was being reported
        return _fail(INTERRUPTED_LINE, INTERRUPTED, debug)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt_once(signum, frame):
    """The first interrupt unwinds the work (the staging folder removed, the previous build kept);
    one more while that happens leaves at once: the target is untouched (publishing holds signals
    off) and the next build removes the stale staging folder."""
    for sig in SIGNALS:
        signal.signal(sig, leave_interrupted)
    raise KeyboardInterrupt


def _run(argv: list[str], debug: bool) -> int:
    try:
        args = _parser(argv).parse_args(argv)
        return args.run(args)
    except QbankError as exc:
        return _fail(f"qbank: error: {exc}", 2, debug)
    except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        return _fail(f"qbank: error: {exc.strerror or exc}{where}", 2, debug)
    except MemoryError:
        return _fail("qbank: error: out of memory; build fewer versions at a time", 2, debug)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        return _fail(f"qbank: internal error ({type(exc).__name__}: {str(exc)[:200]}); please report it "
                     f"with the command that caused it (--debug shows the traceback)", INTERNAL, debug)


def _fail(message: str, status: int, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    print(message.replace("\n", " "), file=sys.stderr)
    return status


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (no usage block) and exit 2; argv is the command
    line, for a message that shows the command meant."""

    def __init__(self, *args, argv=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.argv = list(argv)

    def error(self, message):
        wrong = re.match(r"argument target: invalid choice: (['\"])(.*)\1 \(choose", message)
        if wrong:  # `build midterm.toml`: the target left out, or mistyped
            self.exit(2, f"qbank: error: '{wrong.group(2)}' is not a build target (the only one is exam); "
                         f"did you mean: python -m qbank {_with_target(self.argv, wrong.group(2))}\n")
        self.exit(2, f"qbank: error: {message}; see {self.prog} --help\n")


def _with_target(argv: list[str], wrong: str) -> str:
    """The build command line with `exam` before a spec given as the target, or instead of a mistyped one."""
    fixed = list(argv)
    at = next((i for i, arg in enumerate(fixed) if arg == wrong and i > fixed.index("build")), None)
    if at is None:
        return "build exam"
    if wrong.lower().endswith(".toml") or os.path.exists(wrong):
        fixed.insert(at, "exam")
    else:
        fixed[at] = "exam"
    return shlex.join(fixed)


def _parser(argv=()) -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="python -m qbank", description=__doc__, argv=argv,
                            epilog="--debug (anywhere): show the traceback of an error")
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
    show.add_argument("--pdf", metavar="FILE", help="also typeset it: the exam's page and the key's side by side")
    show.add_argument("--png", metavar="FILE", help="with --pdf: a PNG of the first sheet too")
    show.add_argument("--paper", choices=spec.PAPERS, default="a4", help="with --pdf (default a4)")
    show.set_defaults(run=_show)

    build = commands.add_parser("build", help="build exam and solution PDFs, answer key and manifest", argv=argv)
    build.add_argument("target", choices=("exam",))
    build.add_argument("spec", nargs="?", metavar="SPEC.toml", help="exam spec (default: the built-in exam)")
    build.add_argument("--versions", type=_count, help="number of versions (overrides the spec)")
    build.add_argument("--seed", type=_seed, help="master seed (overrides the spec)")
    build.add_argument("--out", default="output", metavar="DIR", help="output folder (default: ./output)")
    build.add_argument("--jobs", type=_jobs, metavar="N", help="TeX runs at once (default: every core)")
    build.add_argument("--format", type=_formats, dest="formats", metavar="LIST",
                       help=f"what to write, comma-separated from {','.join(spec.FORMATS)} (default: the spec's "
                            f"formats, else pdf)")
    build.add_argument("--quiet", action="store_true", help="print nothing when the build succeeds")
    build.add_argument("--from-manifest", metavar="MANIFEST", dest="manifest",
                       help="rebuild the PDFs of a previous build from its manifest.json, without sampling")
    build.set_defaults(run=_build)

    version = commands.add_parser("show-version", help="print one version's questions and answers by its code "
                                                       "or its student's id, from its build's manifest")
    version.add_argument("code", metavar="CODE_OR_STUDENT_ID")
    version.add_argument("--manifest", metavar="FILE",
                         help="read the version from this manifest.json (any build's; no spec needed)")
    version.add_argument("--spec", metavar="SPEC.toml", help="exam spec (default: the built-in exam)")
    version.add_argument("--seed", type=_seed, help="master seed, if the build overrode the spec's")
    version.add_argument("--out", default="output", metavar="DIR",
                         help="where the exam was built (default: ./output): its manifest, then those of the "
                              "builds it replaced, are searched first; with a secret, its build is checked")
    version.set_defaults(run=_show_version)
    return parser


def _seed(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_SEED):
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to {MAX_SEED}, got {text[:30]!r}")
    return int(text)


def _jobs(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 6 and 1 <= int(text) <= MAX_JOBS):
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_JOBS}, got {text[:30]!r}")
    return int(text)


def _formats(text: str) -> tuple[str, ...]:
    try:
        return spec.check_formats([name.strip() for name in text.split(",")], "--format")
    except QbankError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--format: ")) from None


def _count(text: str) -> int:
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 18):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:30]!r}")
    return int(text)


def _json_object(text: str) -> dict:
    if len(text) > MAX_SPEC_BYTES:
        raise argparse.ArgumentTypeError(f"longer than {MAX_SPEC_BYTES:,} characters")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except (RecursionError, ValueError):  # nesting past Python's stack; an integer of over 4,300 digits
        raise argparse.ArgumentTypeError("nests too deeply or holds a number too long to read") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('expected a JSON object such as \'{"stride": 2}\'')
    if nesting(value) > MAX_NESTING:
        raise argparse.ArgumentTypeError(f"nests more than {MAX_NESTING} levels deep")
    return value


def _list(args) -> int:
    for gen in registry.registry().values():
        print(f"{gen.id:<24} v{gen.version}  {gen.title}  [{', '.join(gen.topics)}]")
    return 0


def _describe(args) -> int:
    """Parameters with type, range and default, which of them are form, the form choices that are
    not parameters, the minutes a prepared student needs, the parts and answers."""
    from qbank.core.generator import MINUTES_PER_EXTRA_LINE, MINUTES_PER_WEIGHT, MINUTES_READING
    gen = registry.get(args.generator)
    # a few forms: a parameter that is form in some of them is form (which parts appear can decide it)
    variants = [make_variant(gen, seed) for seed in range(DESCRIBE_FORMS)]
    form = set().union(*(variant.form for variant in variants))
    print(f"{gen.id} v{gen.version}: {gen.title}  [{', '.join(gen.topics)}]")
    print(f"calculator: {'needed (set [exam] calculator = true)' if gen.calculator else 'not needed'}")
    minutes = sorted({gen.minutes(render_variant(gen, variant).parts) for variant in variants})
    spread = f" ({minutes[0]} to {minutes[-1]} by form)" if len(minutes) > 1 else ""
    print(f"minutes for a prepared student: {gen.minutes(render_variant(gen, variants[0]).parts)}{spread}; "
          f"{MINUTES_READING} to read, {MINUTES_PER_WEIGHT:g} per unit of part weight, "
          f"{MINUTES_PER_EXTRA_LINE:g} per line of working beyond it")
    print("parameters (form: fixed once per exam slot; value: drawn for every version):")
    for name, decl in gen.params.items():
        default = "" if decl.default is REQUIRED else f", default {json.dumps(decl.default)}"
        print(f"  {name:<20} {'form ' if name in form else 'value'}  {decl.describe()}{default}")
    if gen.forms:
        print("form choices that are not parameters (pin them in params like one; the values are still "
              "drawn for every version):")
        for name, decl in gen.forms.items():
            print(f"  {name:<20} form   {decl.describe()}")
    print("refused within these ranges:")
    for limit in (*gen.refuses, f"pins whose exact answer runs past {MAX_EXACT_CHARS:,} characters"):
        print(f"  - {limit}")
    print("parts (answers):")
    for letter, part in zip("abcdefghijklmnop", render_variant(gen, variants[0]).parts):
        work = f", {part.work} lines of working" if part.work else ""
        print(f"  ({letter}) {', '.join(part.answers)}  [weight {part.weight}{work}]")
    return 0


def _show(args) -> int:
    gen = registry.get(args.generator)
    variant = make_variant(gen, args.seed, args.params)
    if args.json:
        print(json.dumps(variant.to_json()))
        return 0
    if args.png and not args.pdf:
        raise QbankError("--png needs --pdf FILE as well")
    if args.pdf:
        from qbank.paper import preview  # the PDF path (pylatex, TeX) only when a PDF is asked, as in build
        preview.write_preview(gen, variant, args.seed, Path(args.pdf), Path(args.png) if args.png else None,
                              args.paper)
    rendered = render_variant(gen, variant)
    weights = [part.weight for part in rendered.parts]
    print(f"{gen.id} v{gen.version}, seed {args.seed}: {gen.title}")
    print(f"params: {json.dumps(variant.params)}")
    print(f"points on a default total of {SHOW_POINTS}, split by the part weights "
          f"{':'.join(map(str, weights))} as in `show --pdf` (an exam's spec sets the question's points)\n")
    print(plain_text(rendered.statement) + "\n")
    for letter, part, points in zip("abcdefghijklmnop", rendered.parts, split_points(SHOW_POINTS, weights)):
        print(f"({letter}) {plain_text(part.prompt)}  [{points} point{'' if points == 1 else 's'}]")
    print("\nanswers:")
    for name, answer in variant.answers.items():
        exact = _plain(answer.exact)
        print(f"  {name} = {exact}" + ("" if answer.decimal == exact else f"  ~ {answer.decimal}"))
    print("\nsolution:\n" + plain_text(rendered.solution))
    return 0


def _build(args) -> int:
    if args.manifest:
        if args.spec or args.versions is not None or args.seed is not None:
            raise QbankError("--from-manifest rebuilds a finished build; give no SPEC, --versions or --seed with it")
        exam, versions = manifest.load(Path(args.manifest))
    else:
        exam = spec.with_overrides(spec.load(args.spec), args.versions, args.seed)
        versions = plan.iter_plan(exam)  # made while the build writes them out
    if args.formats:
        exam = replace(exam, formats=args.formats)
    start = time.monotonic()
    target = build.build(exam, versions, Path(args.out), progress=sys.stderr.isatty() and not args.quiet,
                         jobs=args.jobs)
    if args.quiet:
        return 0
    seconds = time.monotonic() - start
    print(f"built {exam.versions} version{'s' if exam.versions > 1 else ''} of '{exam.title}' in {target} "
          f"({seconds:.1f} s, {exam.versions / seconds:.1f} versions per second)")
    print("  answer-key.csv, index.csv, manifest.json" + "".join(
        f", {name}" for fmt, name in (("moodle", "moodle.xml (Moodle XML import)"),
                                      ("canvas", "canvas-qti.zip (Canvas QTI import)")) if fmt in exam.formats))
    if "pdf" in exam.formats:
        print("  all-exams.pdf, all-solutions.pdf (every version, for duplex printing); exam-CODE.pdf and "
              "solutions-CODE.pdf for each version; tex/ holds the LaTeX sources")
        print("  key-by-question.pdf (every version's answers, question by question), all-summaries.pdf and "
              "summary-CODE.pdf (each version's answers on one page), for graders")
    timing.report(exam, versions)  # the questions' minutes against the duration; a warning past it
    return 0


def _show_version(args) -> int:
    """From a manifest when --manifest names one; else from the build of the spec in --out (its
    manifest, then the manifests of the builds it replaced); else from the spec and seed."""
    if args.manifest:
        if args.spec or args.seed is not None:
            raise QbankError(f"--manifest {args.manifest} holds the build's versions; give no --spec or --seed "
                             f"with it")
        path = Path(args.manifest)
        exam, versions = manifest.load(path, with_secret=False)
        version = manifest.find(versions, args.code)
        if version is None:
            raise QbankError(f"no version with code or student id '{args.code}' in {path}; its codes are "
                             f"{_some(v.code for v in versions)}")
        _print_version(exam, version, f"from {path} ({_build_of(exam)})")
        return 0
    exam = spec.with_overrides(spec.load(args.spec), None, args.seed)
    out = Path(args.out)
    # a wrong secret gives other codes, but a student id would still find a version: the wrong one
    if exam.secret is not None and outdir.built_secret_check(out, exam.title) != exam.secret.check:
        raise QbankError(f"the secret from {exam.secret.source} is not the one the build in {args.out} was made "
                         "with; give the build's secret")
    target = out / outdir.folder_name(out, exam.title)
    kept = outdir.manifests(target)
    for rank, path in enumerate(kept):
        if manifest.holds(path, args.code):
            built, versions = manifest.load(path, with_secret=False)
            version = manifest.find(versions, args.code)
            if version is not None:
                which = "the current build" if rank == 0 and path.name == outdir.MANIFEST else \
                    "an earlier build, replaced since"
                _print_version(built, version, f"from {path}, {which} ({_build_of(built)})")
                return 0
    where = "the built-in default exam" if args.spec is None else args.spec
    try:
        version = plan.find_version(exam, args.code)
    except QbankError:
        if not kept:
            raise
        current = f" (the current build's codes are {_some(manifest.codes(kept[0]))})" \
            if kept[0].name == outdir.MANIFEST else ""
        raise QbankError(f"no version with code or student id '{args.code}' in the {len(kept)} "
                         f"manifest{'s' if len(kept) > 1 else ''} of {target}{current} nor in {where} with seed "
                         f"{exam.seed}; give --manifest FILE with the manifest.json of the build it came "
                         f"from") from None
    built = "no build of it" if not kept else "not in its builds"
    _print_version(exam, version, f"from {where} and seed {exam.seed} ({built} in {out})")
    return 0


def _print_version(exam, version, origin: str) -> None:
    student = f", student {version.student.id} {version.student.name}" if version.student else ""
    print(f"version {version.code} (number {version.number} of {exam.versions}{student}), seed {exam.seed}")
    print(origin)
    for q in version.questions:
        v = q.variant
        print(f"\nquestion {q.number} ({q.points} points): {v.generator} v{v.version}, seed {v.seed}")
        print(f"  params: {json.dumps(v.params)}")
        for name, answer in v.answers.items():
            print(f"  {name} = {_plain(answer.exact)}")


def _build_of(exam) -> str:
    """Which build a manifest records: its spec (and the spec's hash), seed and versions."""
    source = "the built-in default exam" if exam.source == "built-in default exam" else exam.source
    return (f"'{exam.title}' from {source}, spec sha256 {exam.sha256[:12]}, seed {exam.seed}, "
            f"{exam.versions} version{'s' if exam.versions > 1 else ''}")


def _some(codes) -> str:
    codes = list(codes)
    return ", ".join(codes[:10]) + (" ..." if len(codes) > 10 else "")


def _plain(value) -> str:
    """The key's text of an exact value: to_text prints each shared subtree once (sympy's str()
    re-prints nested tanh forms for minutes); a choice's correct letters, a written part's rubric."""
    if kind_of(value) == "choice":
        return ", ".join(value.letters) or "none correct"
    if kind_of(value) == "written":
        return "graded by the rubric: " + plain_text(value.rubric)
    return _listed(to_text(value))


def _listed(text) -> str:
    if isinstance(text, list):
        return "[" + ", ".join(_listed(item) for item in text) + "]"
    return text
