"""The paper output: exam and solution documents as LaTeX (`latex`), running the TeX engine
safely (`compile`), and `show --pdf`'s one-variant preview (`preview`).

May import `qbank.exam` and `qbank.core`; not the other writers (`qbank.lms`, `qbank.output`).
"""
