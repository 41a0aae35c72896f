"""The learning-management-system writers: Moodle XML (`moodle`), Canvas QTI (`canvas`), and what
both share: generator LaTeX as HTML (`html`) and each question's text and answer fields
(`fields`).

May import `qbank.exam` and `qbank.core`; not the other writers (`qbank.paper`, `qbank.output`).
"""
