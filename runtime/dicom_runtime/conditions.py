"""Compiled conditions of Type 1C/2C attributes and C modules (PS3.3), evaluated on an object.

``evaluate`` answers True or False, or None when the condition names an attribute
the object does not have (a condition on the data set, checked from inside a
sequence item): the caller then reports the condition as not checked.
"""

from __future__ import annotations

from dataclasses import dataclass


def _values(obj: object, keyword: str) -> list[object] | None:
    """The attribute's values as a list; None if the object has no such attribute."""
    if not hasattr(obj, keyword):
        return None
    value = getattr(obj, keyword)
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _same(value: object, expected: str) -> bool:
    if isinstance(value, str):
        return value.strip() == expected
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return float(expected) == float(value)
        except ValueError:
            return False
    return False


@dataclass(frozen=True, slots=True)
class Present:
    """``X is present`` (``negate``: ``X is not present``)."""

    keyword: str
    negate: bool = False

    def evaluate(self, obj: object) -> bool | None:
        values = _values(obj, self.keyword)
        if values is None:
            return None
        return (len(values) == 0) if self.negate else (len(values) > 0)


@dataclass(frozen=True, slots=True)
class Equals:
    """``X [Value n] is V1 or V2`` (``negate``: ``is other than``)."""

    keyword: str
    values: tuple[str, ...]
    index: int = 0  # 1-based value number; 0: any value
    negate: bool = False

    def evaluate(self, obj: object) -> bool | None:
        values = _values(obj, self.keyword)
        if values is None:
            return None
        if not values:
            return False  # an absent attribute has no value to compare
        if self.index:
            candidates = values[self.index - 1 : self.index]
        else:
            candidates = values
        matched = any(_same(v, e) for v in candidates for e in self.values)
        return not matched if self.negate else matched


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Condition, ...]

    def evaluate(self, obj: object) -> bool | None:
        results = [p.evaluate(obj) for p in self.parts]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def evaluate(self, obj: object) -> bool | None:
        results = [p.evaluate(obj) for p in self.parts]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False


Condition = Present | Equals | AllOf | AnyOf
