"""The generator contract and the ground every wing stands on.

What a generator is (`generator`), the parameters it declares (`params`), exact values
(`exact`), the plain data it produces (`model`: Answer, Part, Rendered, Variant), stable seeds
(`seeding`), finding generators (`registry`), the LaTeX and figure helpers generators write with
(`tex`, `figures`); and beneath everything: the user-error family (`errors`), the bounds on every
input (`limits`), reading a user's file (`textfile`) and which characters the fonts print (`fonts`).

`generators/` and third-party banks import only this wing. It imports no other wing.
"""
