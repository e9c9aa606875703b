"""The compiled form of a condition sentence, as the generator keeps it and writes it.

Each kind of clause has its dataclass (they mirror ``dicom_runtime.conditions``, whose
constructor :func:`expression` writes); :class:`CompiledCondition` holds a sentence
with its predicate and the parts not checked; :func:`listing` is ``conditions.txt``,
the report of what compiled and what did not, by cause. ``conditions`` compiles.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Present:
    """``X is present`` (``negate``: not present); ``with_value``: present with a value."""

    keyword: str
    negate: bool = False
    with_value: bool = False


@dataclass(frozen=True)
class Equals:
    keyword: str
    values: tuple[str, ...]
    index: int  # 1-based value number; 0 for any value
    negate: bool = False


@dataclass(frozen=True)
class Compare:
    """``X [Value n] is greater than N`` and the like; ``op`` one of ``> >= < <= != ==``."""

    keyword: str
    op: str
    number: float
    index: int = 0


@dataclass(frozen=True)
class IsUri:
    """``X is a URN or URL`` (``negate``: is not)."""

    keyword: str
    negate: bool = False


@dataclass(frozen=True)
class ContainsCode:
    """``X contains an Item with the value (code value, coding scheme designator, "meaning")``."""

    keyword: str
    codes: tuple[tuple[str, str], ...]  # (code value, coding scheme designator)
    negate: bool = False


@dataclass(frozen=True)
class IncludesTag:
    """``X includes the Tag for Y (gggg,eeee)``; ``private``: a private attribute's tag."""

    keyword: str
    tags: tuple[int, ...]
    private: bool = False


@dataclass(frozen=True)
class NotChecked:
    """A part of a sentence that is not compiled; ``cause`` is ``outside`` or ``pattern``."""

    text: str
    cause: str


@dataclass(frozen=True)
class Fact:
    """A clause naming no attribute whose fact a hand-written rule of the runtime
    (``dicom_runtime.condition_facts``, rule ``name``) decides where the data set tells."""

    name: str
    text: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


Condition = Present | Equals | Compare | IsUri | ContainsCode | IncludesTag | NotChecked | Fact | AllOf | AnyOf

#: The runtime names every generated object file imports (the first kinds there were).
RUNTIME_NAMES = ("AllOf", "AnyOf", "Condition", "Equals", "Present")


def runtime_names(conditions: Iterable[Condition | None]) -> list[str]:
    """The names of ``dicom_runtime.conditions`` a generated file needs for these conditions."""
    used = set(RUNTIME_NAMES)
    for condition in conditions:
        if condition is not None:
            used.update(type(part).__name__ for part in _nodes(condition))
    return sorted(used)


def _nodes(condition: Condition) -> Iterator[Condition]:
    yield condition
    if isinstance(condition, (AllOf, AnyOf)):
        for part in condition.parts:
            yield from _nodes(part)

CAUSES = {"outside": "facts outside the data set", "pattern": "an unrecognised pattern"}


@dataclass(frozen=True)
class CompiledCondition:
    """A condition sentence and, where some of it follows a known pattern, its predicate.

    ``unchecked`` lists the parts not compiled (the whole sentence when ``predicate``
    is None).
    """

    text: str
    predicate: Condition | None
    unchecked: tuple[NotChecked, ...] = field(default=())

    @property
    def facts(self) -> tuple[Fact, ...]:
        """The parts a hand-written rule decides (where the data set tells)."""
        if self.predicate is None:
            return ()
        return tuple(dict.fromkeys(p for p in leaves(self.predicate) if isinstance(p, Fact)))

    @property
    def status(self) -> str:
        """``full``, ``partial`` (some parts not checked, or decided by a fact's rule only
        where the data set tells), or the cause of an uncompiled one."""
        if self.predicate is not None:
            return "partial" if self.unchecked or self.facts else "full"
        return "pattern" if not self.unchecked or any(p.cause == "pattern" for p in self.unchecked) else "outside"

    @property
    def or_not_checked(self) -> Condition:
        """The predicate, or, where nothing of the sentence compiled, the sentence as one
        part not checked (with its cause): what validation evaluates to say "not checked"."""
        return self.predicate if self.predicate is not None else NotChecked(self.text, self.status)


def leaves(condition: Condition) -> Iterator[Condition]:
    if isinstance(condition, (AllOf, AnyOf)):
        for part in condition.parts:
            yield from leaves(part)
    else:
        yield condition


def expression(condition: Condition | None) -> str:
    """A compiled condition as the runtime's constructor expression (``None`` if not compiled)."""
    if condition is None:
        return "None"
    if isinstance(condition, (AllOf, AnyOf)):
        parts = ", ".join(expression(p) for p in condition.parts)
        return f"{type(condition).__name__}(({parts},))"
    if isinstance(condition, Present):
        flags = (", negate=True" if condition.negate else "") + (", with_value=True" if condition.with_value else "")
        return f"Present({_py(condition.keyword)}{flags})"
    if isinstance(condition, Equals):
        return (
            f"Equals({_py(condition.keyword)}, {_py_tuple(condition.values)}, {condition.index}"
            f"{', negate=True' if condition.negate else ''})"
        )
    if isinstance(condition, Compare):
        number = int(condition.number) if condition.number.is_integer() else condition.number
        return f"Compare({_py(condition.keyword)}, {_py(condition.op)}, {number}, {condition.index})"
    if isinstance(condition, IsUri):
        return f"IsUri({_py(condition.keyword)}{', negate=True' if condition.negate else ''})"
    if isinstance(condition, ContainsCode):
        codes = ", ".join(f"({_py(v)}, {_py(s)})" for v, s in condition.codes)
        return f"ContainsCode({_py(condition.keyword)}, ({codes},){', negate=True' if condition.negate else ''})"
    if isinstance(condition, IncludesTag):
        tags = "".join(f"0x{t:08X}, " for t in condition.tags).rstrip(" ")
        return f"IncludesTag({_py(condition.keyword)}, ({tags}){', private=True' if condition.private else ''})"
    if isinstance(condition, Fact):
        return f"Fact({_py(condition.name)}, {_py(condition.text)})"
    return f"NotChecked({_py(condition.text)}, {_py(condition.cause)})"


def _py(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _py_tuple(values: tuple[str, ...]) -> str:
    return "(" + "".join(f"{_py(v)}, " for v in values).rstrip(" ") + ")"


# -- the report ----------------------------------------------------------------------


def summary(conditions: list[CompiledCondition]) -> str:
    """``"N compiled (F fully, P partly), U not compiled (O facts outside the data set, R an unrecognised pattern)"``."""
    statuses = [c.status for c in conditions]
    full, partial = statuses.count("full"), statuses.count("partial")
    outside, pattern = statuses.count("outside"), statuses.count("pattern")
    return (
        f"{full + partial} compiled ({full} fully, {partial} partly), {outside + pattern} not compiled "
        f"({outside} {CAUSES['outside']}, {pattern} {CAUSES['pattern']})"
    )


def listing(edition: str, conditions: list[tuple[str, CompiledCondition]]) -> str:
    """conditions.txt: the counts by status and cause, then the conditions not compiled, then
    the partly compiled ones with the parts left unchecked; ``conditions``: (where, condition)."""
    lines = [
        f"# Conditions of PS3.3 {edition}: {summary([c for _, c in conditions])}.",
        "# Not compiled (validation reports them as not checked), with the cause:",
    ]
    lines.extend(listing_line(where, c) for where, c in conditions if c.predicate is None)
    lines.append("# Partly compiled (the parts not checked, with the cause):")
    lines.extend(listing_line(where, c) for where, c in conditions if c.predicate is not None and (c.unchecked or c.facts))
    return "\n".join(lines) + "\n"


def listing_line(where: str, condition: CompiledCondition) -> str:
    """One line of conditions.txt: the sentence, or for a partly compiled one the parts left unchecked, with their
    cause, and the parts a fact's rule decides (``[fact NAME]``) where the data set tells."""
    if condition.predicate is None:
        return f"{where}: [{condition.status}] {condition.text}"
    parts = "; ".join(f"[{p.cause}] {p.text}" for p in condition.unchecked)
    facts = "; ".join(f"[fact {p.name}] {p.text}" for p in condition.facts)
    said = (f" -- not checked: {parts}" if parts else "") + (f" -- decided by dicom_runtime.condition_facts where the data set tells, not checked otherwise: {facts}" if facts else "")
    return f"{where}: {condition.text}{said}"
