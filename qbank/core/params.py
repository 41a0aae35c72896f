"""Declared parameters: what a generator accepts, how pins are parsed and dumped.

In memory a parameter is exact (sympy Rational, int, bool, str, tuples);
in JSON it is plain (ints, "p/q" strings, bools, lists).
"""

from __future__ import annotations

import re

from qbank.core.errors import BadParam
from qbank.core.exact import rational
from qbank.core.limits import MAX_ITEMS, MAX_SYMBOL_CHARS

REQUIRED = object()


class Param:
    """Base declaration: a default and a range check shared by the number types."""

    kind = "value"

    def __init__(self, default=REQUIRED):
        self.default = default

    def parse(self, raw, name: str):
        raise NotImplementedError

    def dump(self, value):
        return value

    def describe(self) -> str:
        return self.kind


class _Ranged(Param):
    def __init__(self, lo=None, hi=None, default=REQUIRED):
        super().__init__(default)
        self.lo, self.hi = lo, hi

    def _in_range(self, value, name: str):
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise BadParam(name, f"{value} is outside the allowed range {self.describe()}")
        return value

    def describe(self) -> str:
        lo = "" if self.lo is None else f"{self.lo} <= "
        hi = "" if self.hi is None else f" <= {self.hi}"
        return f"{lo}{self.kind}{hi}"


class Int(_Ranged):
    kind = "integer"

    def parse(self, raw, name):
        number = rational(raw, name)
        if not number.is_Integer:
            raise BadParam(name, f"expected an integer, got {raw!r}")
        return self._in_range(int(number), name)


class Num(_Ranged):
    """An exact rational; floats are read as the decimal they print as."""

    kind = "number"

    def parse(self, raw, name):
        return self._in_range(rational(raw, name), name)

    def dump(self, value):
        return int(value) if value.is_Integer else str(value)


SYMBOL = re.compile(r"[A-Za-z](_?[0-9]{1,3})?")


class NumOrName(Num):
    """An exact number, or the name of an unknown such as "x"."""

    kind = "number or name"

    def parse(self, raw, name):
        if isinstance(raw, str) and raw.strip().isidentifier():
            if len(raw.strip()) > MAX_SYMBOL_CHARS:
                raise BadParam(name, f"the name {raw.strip()[:20]!r}... is too long; use at most {MAX_SYMBOL_CHARS} letters")
            # the name is typeset as written: one Latin letter and an index is what TeX prints as given
            if not SYMBOL.fullmatch(raw.strip()):
                raise BadParam(name, f"the name {raw.strip()!r} is not a Latin letter with an optional index; "
                                     "write it like x, w1 or k_12")
            return raw.strip()
        return super().parse(raw, name)

    def dump(self, value):
        return value if isinstance(value, str) else super().dump(value)


class Bool(Param):
    kind = "true/false"

    def parse(self, raw, name):
        if not isinstance(raw, bool):
            raise BadParam(name, f"expected true or false, got {raw!r}")
        return raw


class Choice(Param):
    def __init__(self, *options, default=REQUIRED):
        super().__init__(default)
        self.options = options

    def describe(self):
        return "one of " + ", ".join(_option_text(o) for o in self.options)

    def parse(self, raw, name):
        """The declared option itself: a pinned 1.0 or "1" is the option 1, so a generator never
        sees the float or the string (1.0 in a sum would make the exact answer a float)."""
        if isinstance(raw, str) and raw in self.options:
            return raw
        # an option that is a shape such as (3, 5): a pinned list [3, 5] is that option
        if isinstance(raw, (list, tuple)) and not any(isinstance(x, bool) for x in raw):
            shapes = [option for option in self.options if isinstance(option, tuple)]
            if tuple(raw) in shapes:
                return shapes[shapes.index(tuple(raw))]
        numbers = [option for option in self.options if not isinstance(option, str)]
        if numbers and not isinstance(raw, bool) and isinstance(raw, (int, float, str)):
            try:
                number = rational(raw, name)
            except BadParam:
                number = None
            if number is not None and number in numbers:
                return numbers[numbers.index(number)]
        raise BadParam(name, f"expected {self.describe()}, got {raw!r}")


def _option_text(option) -> str:
    """An option as a spec writes it: "keras", 2, 1/2, [3, 5]."""
    if isinstance(option, tuple):
        return "[" + ", ".join(map(_option_text, option)) + "]"
    return repr(option) if isinstance(option, str) else str(option)


class Vector(Param):
    def __init__(self, item: Param, min_len=1, max_len=MAX_ITEMS, default=REQUIRED):
        super().__init__(default)
        self.item, self.min_len, self.max_len = item, min_len, max_len

    def describe(self):
        most = "" if self.max_len is None else f" to {self.max_len}"
        return f"list of {self.min_len}{most} {self.item.describe()}"

    def parse(self, raw, name):
        if not isinstance(raw, (list, tuple)):
            raise BadParam(name, f"expected a {self.describe()}, got {raw!r}")
        if len(raw) < self.min_len or (self.max_len is not None and len(raw) > self.max_len):
            raise BadParam(name, f"has {len(raw)} entries; expected a {self.describe()}")
        return tuple(self.item.parse(x, f"{name}[{i + 1}]") for i, x in enumerate(raw))

    def dump(self, value):
        return [self.item.dump(x) for x in value]


class Matrix(Param):
    """A rectangular matrix given as a list of rows."""

    def __init__(self, item: Param, max_rows=MAX_ITEMS, max_cols=MAX_ITEMS, default=REQUIRED):
        super().__init__(default)
        self.row = Vector(item, 1, max_cols)
        self.max_rows = max_rows

    def describe(self):
        return f"matrix (list of rows) of {self.row.item.describe()}"

    def parse(self, raw, name):
        if not isinstance(raw, (list, tuple)) or not raw or not all(isinstance(r, (list, tuple)) for r in raw):
            raise BadParam(name, f"expected a {self.describe()}, got {raw!r}")
        if self.max_rows is not None and len(raw) > self.max_rows:
            raise BadParam(name, f"has {len(raw)} rows; at most {self.max_rows} allowed")
        rows = tuple(self.row.parse(r, f"{name}[{i + 1}]") for i, r in enumerate(raw))
        if len({len(r) for r in rows}) != 1:
            raise BadParam(name, "rows have different lengths; give a rectangular matrix")
        return rows

    def dump(self, value):
        return [self.row.dump(r) for r in value]



class Records(Param):
    """A list of small tables, e.g. layers: [{"kernel": 3, "stride": 2}, ...].

    With `types`, a record's "type" key chooses its fields; missing fields take
    their declared defaults, unknown fields are errors."""

    def __init__(self, fields: dict | None = None, types: dict | None = None, min_len=1, max_len=MAX_ITEMS,
                 default=REQUIRED):
        super().__init__(default)
        self.fields, self.types = fields, types
        self.min_len, self.max_len = min_len, max_len

    def describe(self):
        return "list of tables"

    def parse(self, raw, name):
        if not isinstance(raw, (list, tuple)):
            raise BadParam(name, f"expected a list of tables, got {raw!r}")
        if len(raw) < self.min_len or (self.max_len is not None and len(raw) > self.max_len):
            raise BadParam(name, f"has {len(raw)} entries; expected {self.min_len} to {self.max_len}")
        return tuple(self._record(r, f"{name}[{i + 1}]") for i, r in enumerate(raw))

    def _fields(self, record: dict, name: str) -> dict:
        if self.types is None:
            return self.fields
        # a list or table as the type is no key of types (and unhashable): refused like any other
        if not isinstance(record.get("type"), str) or record["type"] not in self.types:
            raise BadParam(f"{name}.type", f"expected one of {', '.join(map(repr, self.types))}, "
                                           f"got {record.get('type')!r}")
        return self.types[record["type"]]

    def _record(self, raw, name):
        if not isinstance(raw, dict):
            raise BadParam(name, f"expected a table such as {{\"kernel\": 3}}, got {raw!r}")
        fields = self._fields(raw, name)
        unknown = sorted(set(raw) - set(fields) - ({"type"} if self.types else set()))
        if unknown:
            raise BadParam(f"{name}.{unknown[0]}", f"unknown field; expected {', '.join(fields) or 'none'}")
        record = {"type": raw["type"]} if self.types else {}
        for key, decl in fields.items():
            value = raw.get(key)
            if value is None:  # missing or null: the declared default, if the field has one
                if decl.default is REQUIRED:
                    raise BadParam(f"{name}.{key}", "is required" + (" (null given)" if key in raw else ""))
                value = decl.default
            # a None default means "derived from the other fields" and is left for the generator
            record[key] = None if value is None else decl.parse(value, f"{name}.{key}")
        return record

    def dump(self, value):
        return [{k: (v if k == "type" or v is None else self._fields(record, "")[k].dump(v)) for k, v in record.items()}
                for record in value]


class Table(Records):
    """One small table with fixed fields, e.g. weights: {"i": [...], "f": [...]}."""

    def __init__(self, fields: dict, default=REQUIRED):
        super().__init__(fields=fields, default=default)

    def describe(self):
        return "table with " + ", ".join(self.fields)

    def parse(self, raw, name):
        return self._record(raw, name)

    def dump(self, value):
        return super().dump([value])[0]
