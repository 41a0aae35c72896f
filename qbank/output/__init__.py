"""What a build leaves on disk: the answer key, index and manifest (`writers`), reading a manifest
back (`manifest`), and the output folder, replaced only when qbank made it (`outdir`).

May import `qbank.exam` and `qbank.core`; not the other writers (`qbank.paper`, `qbank.lms`).
"""
