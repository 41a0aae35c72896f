"""python -m qbank: a signal gives one line and exit 130 from the first instruction to the last.

Before main is ready (importing takes a second) nothing has been done, so a signal leaves at once;
main handles its own; after it has returned, a signal leaves with the status it decided. The
process then ends without Python's finalisation: that resets the handlers to the default (a
Ctrl-C in its last 0.15 s killed the process without a word) and has nothing left to do (every
file is closed and every thread joined when main returns)."""

import os
import signal
import sys

from qbank import leave_interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _handle(handler) -> None:
    for sig in SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:  # a background job's ignored SIGINT stays so
            signal.signal(sig, handler)


_handle(leave_interrupted)
from qbank.cli import main  # noqa: E402 - after the handlers, so an interrupted import is one line

status = main()
_handle(lambda signum, frame: os._exit(status))
try:
    sys.stdout.flush()
    sys.stderr.flush()
except BrokenPipeError:  # piped into `head`, which has closed: not an error
    pass
os._exit(status)
