"""What an exam is: the spec an instructor writes (`spec`), its roster (`roster`), and the plan
that turns them into versions, seeds and variants (`plan`), and how long the exam takes against its
duration (`timing`).

May import `qbank.core` only.
"""
