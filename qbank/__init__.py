"""qbank: seeded deep-learning exam questions with exact, oracle-checked answers."""

__version__ = "0.1.0"
