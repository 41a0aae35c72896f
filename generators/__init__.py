"""The question bank bundled with qbank: one module per family of questions.

Each module is registered in setup.cfg under the entry-point group
`qbank.generators`; every Generator subclass in it is loaded.
"""
