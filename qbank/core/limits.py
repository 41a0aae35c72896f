"""The bounds on every input, in one place: each is checked up front with a one-line error, and the
README lists them. They are far above any real exam and far below what takes minutes or gigabytes."""

MAX_VERSIONS = 10_000            # versions of one build (and roster rows)
MAX_QUESTIONS = 100              # [[question]] entries in a spec
MAX_POINTS = 1_000               # points of one question
MAX_POOL = 100                   # generators in one pool
MAX_SEED = 2**63 - 1             # master seed: what a 64-bit signed integer holds
MAX_SPEC_BYTES = 1_000_000       # a spec file
MAX_ROSTER_BYTES = 10_000_000    # a roster file
MAX_MANIFEST_BYTES = 500_000_000  # a manifest file (10,000 versions of a long exam are about 400 MB)
MAX_TEXT_CHARS = 5_000           # title, course, date, instructions
MAX_ID_CHARS = 64                # a student id
MAX_NAME_CHARS = 200             # a student name
MAX_NESTING = 20                 # lists and tables inside each other (spec, --params, manifest)
MAX_NUMBER_CHARS = 40            # a number written as text in a pin: "3/2", "0.125", "1e-3"
MAX_NUMBER_DIGITS = 30           # digits of an integer pin; its magnitude stays below 10**30
MAX_ITEMS = 64                    # entries of a list or matrix parameter, unless it declares fewer
MAX_SYMBOL_CHARS = 8             # a symbol name in a pinned parameter ("x", "w1")
MAX_ANSWERS = 100                # named answers of one variant in a manifest (a generator gives at most 25)
MAX_ANSWER_ITEMS = 1_000         # entries of one list inside a manifest's exact answer
MIN_SECRET_CHARS = 16            # a secret short enough to guess protects nothing
MAX_SECRET_BYTES = 4_096         # a secret file (file:/dev/zero once read until memory ran out)


def nesting(value, depth: int = 0) -> int:
    """How deeply lists and dicts nest inside value (0 for a scalar); stops counting past MAX_NESTING."""
    if depth > MAX_NESTING or not isinstance(value, (list, tuple, dict)):
        return depth
    items = value.values() if isinstance(value, dict) else value
    return max((nesting(item, depth + 1) for item in items), default=depth + 1)
