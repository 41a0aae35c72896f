"""The concept bank: true/false statements about the ideas of a deep-learning course, one question
file per idea in concepts/ (the format instructors write their own in: qbank.core.questionfile).
Each is the generator `concept.<file stem>`: a version shows 4 of the file's statements, any number
of them true, none included, in its own order."""

from pathlib import Path

from qbank.core.questionfile import bundled

globals().update(bundled(Path(__file__).with_name("concepts"), "concept", __name__))
