"""qbank: seeded deep-learning exam questions with exact, oracle-checked answers.

The engine is in wings (see the README's Architecture section): `qbank.core` (the generator
contract), `qbank.exam`, `qbank.paper`, `qbank.lms`, `qbank.output`, and `qbank.build` and
`qbank.cli` above them.
"""

import importlib
import os
import sys
from importlib.machinery import ModuleSpec

__version__ = "0.1.0"
# what a Ctrl-C or SIGTERM prints, from python -m qbank's first instruction to its last
INTERRUPTED_LINE = "qbank: interrupted; nothing was changed (a previous build is kept)"
INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C


def leave_interrupted(signum=None, frame=None):
    """A signal handler: the interrupted line and exit 130 at once, no unwinding (for moments when
    nothing is left to clean up)."""
    os.write(2, f"{INTERRUPTED_LINE}\n".encode())
    os._exit(INTERRUPTED)

# Third-party banks written before the wings import the contract by its old flat paths
# (`from qbank.generator import Generator`); those names still load the same module objects.
MOVED = {f"qbank.{name}": f"qbank.core.{name}"
         for name in ("errors", "exact", "figures", "generator", "model", "params", "registry", "seeding", "tex")}


class _MovedModules:
    """A meta-path finder and loader (duck-typed: importlib.abc alone costs 40 ms of start-up)."""

    def find_spec(self, fullname, path=None, target=None):
        return ModuleSpec(fullname, self) if fullname in MOVED else None

    def create_module(self, spec):
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        """The module was executed under its new name already."""


sys.meta_path.append(_MovedModules())
