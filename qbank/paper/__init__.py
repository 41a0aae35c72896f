"""The paper output: exam and solution documents as LaTeX (`latex`), running the TeX engine
safely (`compile`), a build's batches typeset and cut into per-version and merged PDFs (`typeset`,
`pages`), the graders' key by question and one-page summaries (`keys`), and `show --pdf`'s one-variant
preview (`preview`). Imported only when a PDF is asked for.

May import `qbank.exam` and `qbank.core`; not the other writers (`qbank.lms`, `qbank.output`).
"""
