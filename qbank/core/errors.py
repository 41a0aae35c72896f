"""The one family of user errors: the CLI prints them as one line and exits 2."""


class QbankError(Exception):
    """A mistake the user can fix (bad spec, unknown generator, bad parameter, TeX)."""


class BadParam(QbankError):
    """A parameter value that cannot be used; the message names the parameter."""

    def __init__(self, param: str, problem: str):
        self.param, self.problem = param, problem
        # a name typed by the user (a table's field) may hold anything; the message stays one line
        shown = param if param.isprintable() else repr(param)[1:-1]
        super().__init__(f"parameter '{shown}': {problem}")


class IllPosed(BadParam):
    """Parameters that parse but make the question unsolvable or ambiguous."""
