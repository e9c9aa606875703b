"""Compiled conditions of Type 1C/2C attributes and C modules (PS3.3), evaluated on an object.

``evaluate`` answers True or False, or None when it cannot tell: the condition
names an attribute the object does not have (a condition on the data set, checked
from inside a sequence item or a module), or a part of its sentence was not
compiled (:class:`NotChecked`), or a fact it states in words is one the data set
does not tell (:class:`Fact`, decided by :mod:`dicom_runtime.condition_facts`). The
caller then reports the condition as not checked, never as met.
:func:`why_not_checked` says which part is to blame.

On an IOD (a class with ``SOP_CLASSES``: the whole data set), an attribute the
class does not declare is looked up in ``extra_elements``, and is absent if it is
not there: the IOD is all there is (unless it has functional groups, whose items
may hold it: then it cannot be told). An attribute that is ``None`` but listed by the
object's ``empty_attributes()`` is present without a value.
"""

from __future__ import annotations

import contextlib
import contextvars
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .objects import DicomObject

_URI = re.compile(r"^(?:urn:|[A-Za-z][A-Za-z0-9+.-]*://)")


_ENCLOSING: contextvars.ContextVar[tuple[object, ...]] = contextvars.ContextVar("enclosing", default=())


@contextlib.contextmanager
def enclosing(obj: object) -> Iterator[None]:
    """While validating the items of ``obj``'s sequences: a condition of an item that names
    an attribute the item lacks is evaluated on ``obj`` (and on what encloses it), as
    PS3.3 means "Dose Summation Type (3004,000A) is BEAM" in an item of a sequence of the
    RT Dose Module."""
    token = _ENCLOSING.set((*_ENCLOSING.get(), obj))
    try:
        yield
    finally:
        _ENCLOSING.reset(token)


def _values(obj: object, keyword: str) -> list[object] | None:
    """The attribute's values as a list ([""] if present and empty, [] if absent);
    None if neither the object nor an object enclosing it (see :func:`enclosing`) has
    such an attribute."""
    found = _own_values(obj, keyword)
    if found is None:
        chain = _ENCLOSING.get()
        for outer in reversed(chain):
            if outer is not obj:
                found = _own_values(outer, keyword)
                if found is not None:
                    break
        if found is None:
            found = _frame_values((*chain, obj), keyword)
    return found


_SHARED = "SharedFunctionalGroupsSequence"
_PER_FRAME = "PerFrameFunctionalGroupsSequence"


def _frame_values(chain: tuple[object, ...], keyword: str) -> list[object] | None:
    """An attribute that only a multi-frame IOD's functional group items hold, as a frame
    has it: a frame's attributes are those of its Per-frame item's macros and of the Shared
    item's (PS3.3 C.7.6.16), so "Frame Type (0008,9007) Value 1 of this frame is ORIGINAL",
    asked in a per-frame item's Frame Content item, is the Frame Type of that item's CT
    Image Frame Type macro, or else the shared one's; held by neither, it is absent. Asked of
    the IOD itself or of its shared item: the shared item's, else the per-frame items' when
    every frame has the same (None when they differ: not for the whole image to tell)."""
    for index, outer in enumerate(chain):
        if not hasattr(type(outer), "SOP_CLASSES") or not hasattr(outer, _SHARED):
            continue
        if not _in_groups(outer, keyword):
            return None
        shared = _group_items(outer, _SHARED)[:1]
        frames = _group_items(outer, _PER_FRAME)
        inner = chain[index + 1] if index + 1 < len(chain) else None
        if inner is not None and any(inner is frame for frame in frames):
            return _macro_values([inner], keyword) or _macro_values(shared, keyword) or []
        found = _macro_values(shared, keyword)
        if found:
            return found
        each = [_macro_values([frame], keyword) or [] for frame in frames]
        if each and all(values == each[0] for values in each):
            return each[0]
        return [] if not frames and found is not None else None
    return None


def _group_items(obj: object, keyword: str) -> list[object]:
    """The items of a functional groups sequence of ``obj`` (none where it has no value)."""
    items = getattr(obj, keyword, None)
    return list(items) if isinstance(items, (list, tuple)) else []


def _macro_values(items: list[object], keyword: str) -> list[object] | None:
    """The attribute in the macro items (the items of the sequences) of functional group
    items: its values where one gives it, [] where a macro item declares it and none gives
    it, None where no macro item declares it."""
    seen: list[object] | None = None
    for item in items:
        for spec in getattr(item, "ATTRIBUTES", ()):
            macro_items = getattr(item, spec.keyword, None) if spec.vr == "SQ" else None
            for macro_item in macro_items if isinstance(macro_items, list) else ():
                found = _own_values(macro_item, keyword)
                if found:
                    return found
                if found is not None:
                    seen = found
    return seen


def _own_values(obj: object, keyword: str) -> list[object] | None:
    if not hasattr(obj, keyword):
        if not hasattr(type(obj), "SOP_CLASSES"):
            return None
        value = _extra(obj, keyword)
        if value is None and hasattr(obj, "SharedFunctionalGroupsSequence") and _in_groups(obj, keyword):
            return None  # it may be in a functional group item: not for the IOD to tell
    else:
        value = getattr(obj, keyword)
    if value is None:
        empty = getattr(obj, "empty_attributes", None)
        return [""] if callable(empty) and keyword in empty() else []
    if isinstance(value, (list, tuple)):
        return list(value) if value else [""]  # no items or values: present, empty
    return [value]


_GROUP_KEYWORDS: dict[type, frozenset[str]] = {}


def _in_groups(obj: object, keyword: str) -> bool:
    """Whether a functional group item of ``obj`` may hold ``keyword`` (an object that is
    not a generated class: whatever it is asked)."""
    from .objects import DicomObject

    return not isinstance(obj, DicomObject) or keyword in _group_keywords(obj)


def _group_keywords(obj: DicomObject) -> frozenset[str]:
    """The keywords a multi-frame IOD's Shared or Per-frame Functional Groups items can
    hold, at any depth: an attribute of none of them, and not a field of the IOD, is
    absent unless ``extra_elements`` has it (Enhanced CT's Patient Position is "Required
    if Patient Orientation Code Sequence (0054,0410) is not present", which no Enhanced
    CT item or field holds)."""
    from .typed import _item_classes

    known = _GROUP_KEYWORDS.get(type(obj))
    if known is not None:
        return known
    found: set[str] = set()
    todo = [
        item
        for keyword, item in _item_classes(type(obj)).items()
        if keyword in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence")
    ]
    seen: set[type[DicomObject]] = set()
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        found.update(spec.keyword for spec in item.ATTRIBUTES)
        todo.extend(_item_classes(item).values())
    _GROUP_KEYWORDS[type(obj)] = frozenset(found)
    return _GROUP_KEYWORDS[type(obj)]


def _extra(obj: object, keyword: str) -> object:
    """An element of an IOD's ``extra_elements`` by keyword (None if absent)."""
    extra = getattr(obj, "extra_elements", None)
    elements = getattr(extra, "elements", None)
    if elements is None:
        return None
    for element in elements():
        if getattr(element, "keyword", "") == keyword:
            value = getattr(element, "value", None)
            return "" if value is None else value  # an element with no value is present, empty
    return None


def _has_value(values: list[object]) -> bool:
    return any(v not in ("", b"", None) for v in values)


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    try:
        return float(value)  # type: ignore[arg-type]  # Decimal
    except (TypeError, ValueError):
        return None


def _same(value: object, expected: str) -> bool:
    if isinstance(value, str):
        return value.strip() == expected
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return float(expected) == float(value)
        except ValueError:
            return False
    number = _number(value)
    if number is not None:
        try:
            return float(expected) == number
        except ValueError:
            return False
    return False


def _chosen(values: list[object], index: int) -> list[object]:
    return values[index - 1 : index] if index else values


@dataclass(frozen=True, slots=True)
class Present:
    """``X is present`` (``negate``: ``X is not present``); ``with_value``: present with a value."""

    keyword: str
    negate: bool = False
    with_value: bool = False

    def evaluate(self, obj: object) -> bool | None:
        values = _values(obj, self.keyword)
        if values is None:
            return None
        found = _has_value(values) if self.with_value else len(values) > 0
        return not found if self.negate else found


@dataclass(frozen=True, slots=True)
class Equals:
    """``X [Value n] is V1 or V2`` (``negate``: ``is other than``); false when X is absent."""

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
        matched = any(_same(v, e) for v in _chosen(values, self.index) for e in self.values)
        return not matched if self.negate else matched


_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "!=": operator.ne,
    "==": operator.eq,
}


@dataclass(frozen=True, slots=True)
class Compare:
    """``X [Value n] is greater than N`` (``op``: ``> >= < <= != ==``); false when X has no number."""

    keyword: str
    op: str
    number: float
    index: int = 0

    def evaluate(self, obj: object) -> bool | None:
        values = _values(obj, self.keyword)
        if values is None:
            return None
        compare = _OPS[self.op]
        numbers = [n for n in (_number(v) for v in _chosen(values, self.index)) if n is not None]
        return any(compare(n, float(self.number)) for n in numbers)


@dataclass(frozen=True, slots=True)
class IsUri:
    """``X is a URN or URL`` (``negate``: is not); None when X has no value: there is nothing to look at."""

    keyword: str
    negate: bool = False

    def evaluate(self, obj: object) -> bool | None:
        values = _values(obj, self.keyword)
        if not values or not _has_value(values):
            return None
        found = any(isinstance(v, str) and _URI.match(v.strip()) is not None for v in values)
        return not found if self.negate else found


def _code_of(item: object) -> tuple[str, str]:
    value = ""
    for keyword in ("CodeValue", "LongCodeValue", "URNCodeValue"):
        found = getattr(item, keyword, None)
        if isinstance(found, str) and found:
            value = found.strip()
            break
    scheme = getattr(item, "CodingSchemeDesignator", None)
    return value, scheme.strip() if isinstance(scheme, str) else ""


@dataclass(frozen=True, slots=True)
class ContainsCode:
    """``X (a code sequence) contains an Item with (code value, coding scheme designator)``."""

    keyword: str
    codes: tuple[tuple[str, str], ...]
    negate: bool = False

    def evaluate(self, obj: object) -> bool | None:
        values = _values(obj, self.keyword)
        if values is None:
            return None
        found = any(_code_of(item) in self.codes for item in values)
        return not found if self.negate else found


@dataclass(frozen=True, slots=True)
class IncludesTag:
    """``X (an AT value) includes the tag of Y``; ``private``: the tag of a private attribute."""

    keyword: str
    tags: tuple[int, ...]
    private: bool = False

    def evaluate(self, obj: object) -> bool | None:
        values = _values(obj, self.keyword)
        if values is None:
            return None
        tags = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        if self.private:
            return any((t >> 16) % 2 == 1 for t in tags)
        return any(t in self.tags for t in tags)


@dataclass(frozen=True, slots=True)
class NotChecked:
    """A part of the sentence that was not compiled; ``cause``: ``outside`` (a fact outside
    the data set) or ``pattern`` (words the generator does not know). Never true or false."""

    text: str
    cause: str

    def evaluate(self, obj: object) -> bool | None:
        return None


@dataclass(frozen=True, slots=True)
class Fact:
    """A clause that names no attribute but states a fact the data set may tell, decided
    by the hand-written rule ``name`` of :mod:`dicom_runtime.condition_facts`: True or
    False where the data set tells, None (not checked) where it does not."""

    name: str
    text: str

    def evaluate(self, obj: object) -> bool | None:
        from .condition_facts import decide

        return decide(self.name, obj)[0]


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


Condition = Present | Equals | Compare | IsUri | ContainsCode | IncludesTag | NotChecked | Fact | AllOf | AnyOf


def why_not_checked(condition: Condition, obj: object) -> str:
    """Why ``condition.evaluate(obj)`` is None: the parts that could not be told, in words."""
    outside: list[str] = []
    unchecked: list[str] = []
    unknown: list[str] = []
    undecided: list[str] = []

    def visit(part: Condition) -> None:
        if part.evaluate(obj) is not None:
            return
        if isinstance(part, (AllOf, AnyOf)):
            for inner in part.parts:
                visit(inner)
        elif isinstance(part, NotChecked):
            unchecked.append(part.text)
        elif isinstance(part, Fact):
            from .condition_facts import decide

            undecided.append(f"{part.text} ({decide(part.name, obj)[1]})")
        elif _values(obj, part.keyword) is None:
            outside.append(part.keyword)
        else:
            unknown.append(part.keyword)

    visit(condition)
    reasons = []
    if outside:
        reasons.append(
            f"names attributes outside this object: {', '.join(dict.fromkeys(outside))}"
        )
    if unknown:
        reasons.append(f"no value to test: {', '.join(dict.fromkeys(unknown))}")
    if undecided:
        reasons.append(f"not told by the data set: {'; '.join(dict.fromkeys(undecided))}")
    if unchecked:
        reasons.append(f"part not compiled: {'; '.join(dict.fromkeys(unchecked))}")
    return "; ".join(reasons) if reasons else "not checked"
