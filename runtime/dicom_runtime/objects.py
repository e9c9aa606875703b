"""The base of the generated module, macro, item and IOD classes, and their validation.

A generated class lists its attributes in ``ATTRIBUTES`` (tag, VR, VM, Attribute
Type, Enumerated Values, source table, compiled condition; :class:`AttributeSpec`);
:meth:`DicomObject.validate` checks an instance against them and returns structured
findings (:class:`Finding`) with the path of each. A Type 1C or 2C condition that was
not compiled, or cannot be decided from the data set, is a "not checked" finding, never
taken as met. The checks of each value are in :mod:`.value_checks`, those of a whole
instance in :mod:`.object_checks`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from .conditions import Condition, enclosing, why_not_checked
from .errors import DicomTypeError
from .specs import AttributeSpec, Finding, in_use_type
from .value_checks import (
    _DELIMITED,
    _allowed,
    _charset_findings,
    _enumeration_findings,
    _format_findings,
    _length_findings,
    _number_findings,
    _relation_findings,
    _type_problem,
    _value_rule_findings,
    _vm_range,
)

if TYPE_CHECKING:
    from .dataset import DataElement, Dataset

__all__ = ["AttributeSpec", "DicomObject", "Finding", "in_use_type"]


@dataclass(slots=True)
class _State:
    """What an instance keeps beside its fields: the attributes present and empty, the
    elements it was read from (an unchanged value is written back as read) and the File
    Meta Information read with it."""

    empty: set[str] = dataclasses.field(default_factory=set)
    read: dict[str, DataElement] = dataclasses.field(default_factory=dict)
    meta: Dataset | None = None
    from_data_set: bool = False  # built by from_dataset: an attribute absent there stays absent
    #: What the bytes it was read from have that PS3.5 or PS3.10 forbids (Dataset.read_problems).
    read_problems: Sequence[tuple[str, str, str]] = ()


def _state(obj: DicomObject) -> _State:
    """The instance's :class:`_State`, in the base class's one slot."""
    found = getattr(obj, "_dicom_state", None)
    if not isinstance(found, _State):
        found = _State()
        object.__setattr__(obj, "_dicom_state", found)
    return found


class DicomObject:
    """Base of every generated class (module, macro, sequence item, IOD).

    It has one slot and no ``__dict__``, and the generated classes have slots: an
    attribute that is not a field (``ct.PatientNmae = "X"``) raises AttributeError
    rather than being kept and lost on write."""

    __slots__ = ("_dicom_state",)

    ATTRIBUTES: ClassVar[tuple[AttributeSpec, ...]] = ()
    GROUP_USAGE: ClassVar[Mapping[str, str]] = {}
    """Usage (M, U or C) of each module of an IOD, or of each functional group macro."""
    GROUP_CONDITIONS: ClassVar[Mapping[str, Condition]] = {}
    """The compiled condition of each C module whose sentence could be compiled."""
    FUNCTIONAL_GROUP_USAGE: ClassVar[Mapping[str, str]] = {}
    """Of a multi-frame IOD: the usage (M, U or C) of each functional group macro."""
    PER_FRAME_ONLY: ClassVar[tuple[str, ...]] = ()
    """Of a multi-frame IOD: the functional group macros that may not be shared."""
    FUNCTIONAL_GROUP_CONDITIONS: ClassVar[Mapping[str, tuple[Condition, str]]] = {}
    """Of a multi-frame IOD: each C functional group macro's condition and its sentence."""

    def __post_init__(self) -> None:
        """Refuse, at construction, a value whose Python type does not fit the VR."""
        for spec in self.ATTRIBUTES:
            value = getattr(self, spec.keyword)
            if value is None:
                continue
            if spec.vr == "SQ":
                if not isinstance(value, list):
                    raise DicomTypeError(
                        f"{type(self).__name__}.{spec.keyword}: a sequence takes a list of items, "
                        f"not {type(value).__name__} ({spec.source})"
                    )
                if value:
                    from .object_checks import wrong_item

                    problem = wrong_item(type(self), spec.keyword, value)
                    if problem:
                        raise DicomTypeError(f"{type(self).__name__}.{spec.keyword}: {problem} ({spec.source})")
                continue
            problem = _type_problem(spec, value)
            if problem:
                raise DicomTypeError(f"{type(self).__name__}.{spec.keyword}: {problem} ({spec.source})")

    def set_empty(self, keyword: str, empty: bool = True) -> None:
        """Mark an attribute present and empty (written with no value) while its value is
        ``None``; ``empty=False`` makes a ``None`` attribute absent again. Reading marks
        the attributes that are present and empty in the data set."""
        if keyword not in {spec.keyword for spec in self.ATTRIBUTES}:
            raise DicomTypeError(f"{type(self).__name__} has no attribute {keyword!r}")
        if empty:
            _state(self).empty.add(keyword)
        else:
            _state(self).empty.discard(keyword)

    def empty_attributes(self) -> frozenset[str]:
        """The attributes present and empty: marked empty and still ``None``, or given ``""``/``[]``."""
        marked = {k for k in _state(self).empty if getattr(self, k, None) is None}
        given = {
            spec.keyword for spec in self.ATTRIBUTES if getattr(self, spec.keyword) in ("", b"", [], ())
        }
        return frozenset(marked | given)

    def groups_in_use(self) -> set[str]:
        """Mandatory modules, and the others that have at least one attribute given."""
        used = {group for group, usage in self.GROUP_USAGE.items() if usage == "M"}
        for group, condition in self.GROUP_CONDITIONS.items():
            if condition.evaluate(self) is True:
                used.add(group)
        for spec in self.ATTRIBUTES:
            if getattr(self, spec.keyword) is not None:
                used.update(spec.groups)
        return used

    def validate(self, path: str = "") -> list[Finding]:
        """Type 1 presence, Enumerated Values, VR and VM of every attribute, recursively.

        In an IOD, the Type 1 attributes of a U or C module are checked when the module
        is in use (one of its attributes is given); whether a C module's condition
        requires it is not checked.
        """
        # what the bytes read have that PS3.5 or PS3.10 forbids, and was read all the same
        findings = [] if path else [Finding(where, "encoding", message, source) for where, message, source in _state(self).read_problems]
        in_use = self.groups_in_use() if self.GROUP_USAGE else set()
        pending: list[tuple[AttributeSpec, str]] = []  # absent 1C attributes whose condition was not checked
        for spec in self.ATTRIBUTES:
            if spec.group_types:
                spec = in_use_type(spec, in_use)
            value = getattr(self, spec.keyword)
            where = f"{path}.{spec.keyword}" if path else spec.keyword
            if value is None:
                if spec.groups and self.GROUP_USAGE and not in_use.intersection(spec.groups):
                    continue
                if spec.type in ("1", "1C") and spec.keyword in _state(self).empty:
                    findings.append(Finding(where, "type1-empty", f"Type {spec.type} attribute is empty", spec.source))
                elif spec.type == "1":
                    findings.append(Finding(where, "type1-missing", "Type 1 attribute is missing", spec.source))
                elif spec.type == "2C" and not _state(self).from_data_set and self.writes_empty(spec):
                    continue  # required, and written empty (to_dataset), as a Type 2 is
                elif spec.type == "1C" or (spec.type == "2C" and spec.keyword not in _state(self).empty):
                    checked = self._check_condition(spec, where)
                    if spec.condition is not None and checked and checked[0].severity == "not-checked":
                        pending.append((spec, where))
                    findings.extend(checked)
                elif spec.type == "2" and _state(self).from_data_set and spec.keyword not in _state(self).empty:
                    findings.append(Finding(where, "type2-missing", "Type 2 attribute is missing", spec.source))
                continue
            if spec.absent_otherwise and spec.type in ("1C", "2C") and spec.condition is not None:
                if spec.condition.evaluate(self) is False:
                    message = f"Type {spec.type} attribute is present where its condition does not hold (PS3.5 7.4): {spec.condition_text}"
                    findings.append(Finding(where, "condition-unsatisfied", message, spec.source))
            if spec.vr == "SQ":
                from .object_checks import item_count_findings, item_values_findings, wrong_item

                if spec.type == "1" and not value:
                    findings.append(Finding(where, "type1-empty", "Type 1 sequence has no item", spec.source))
                findings.extend(item_count_findings(spec, where, value))
                findings.extend(item_values_findings(self, spec, where, value))
                if value:  # an item of another class may have been put there after construction
                    problem = wrong_item(type(self), spec.keyword, value)
                    if problem:
                        findings.append(Finding(where, "vr", problem, spec.source))
                for index, item in enumerate(value):
                    if isinstance(item, DicomObject):
                        with enclosing(self):
                            findings.extend(item.validate(f"{where}[{index}]"))
                continue
            findings.extend(self._check_value(spec, where, value))
        from .object_checks import bits_findings, complementary_findings, functional_group_findings, pixel_data_findings, sop_class_findings

        if len(pending) > 1:  # two conditions of which one holds, whatever their unchecked clause
            for finding, replaced in complementary_findings(self, pending):
                findings = [f for f in findings if f.severity == "error" or f.path not in replaced]
                findings.append(finding)
        if not path:
            findings.extend(sop_class_findings(self))
        findings.extend(bits_findings(self, path))
        findings.extend(pixel_data_findings(self, path))
        if self.GROUP_USAGE.get("MultiFrameFunctionalGroupsModule"):
            findings.extend(functional_group_findings(self, path))
        return findings

    def writes_empty(self, spec: AttributeSpec) -> bool:
        """Whether a Type 2C attribute left ``None`` on a constructed instance is required
        (its compiled condition holds), so that it is written as an empty element."""
        return spec.type == "2C" and spec.condition is not None and spec.condition.evaluate(self) is True

    def _check_condition(self, spec: AttributeSpec, where: str) -> list[Finding]:
        """An absent Type 1C or 2C attribute: required if its condition holds."""
        if spec.condition is None:
            if not spec.condition_text:
                return []
            return [
                Finding(where, "not-checked", f"condition not compiled: {spec.condition_text}", spec.source, "not-checked")
            ]
        result = spec.condition.evaluate(self)
        if result is True:
            return [Finding(where, "condition", f"Type {spec.type} attribute is required: {spec.condition_text}", spec.source)]
        if result is None:
            why = why_not_checked(spec.condition, self)
            return [Finding(where, "not-checked", f"condition not checked ({why}): {spec.condition_text}", spec.source, "not-checked")]
        return []

    def errors(self) -> list[Finding]:
        """The findings of :meth:`validate` that are errors (not the "not checked" ones)."""
        return [f for f in self.validate() if f.severity == "error"]

    def _check_value(self, spec: AttributeSpec, where: str, value: object) -> list[Finding]:
        findings: list[Finding] = []
        if value in ("", b"", [], ()):
            if spec.type in ("1", "1C"):  # a 1C where present is as a Type 1 (PS3.5 7.4.2)
                return [Finding(where, "type1-empty", f"Type {spec.type} attribute is empty", spec.source)]
            return []  # an empty value of a Type 2 or 3 attribute: present, no value
        values: Sequence[object]
        if isinstance(value, (list, tuple)):
            values = value
        else:
            values = [value]
        low, high = _vm_range(spec.vm)
        split = ""
        if spec.vr in _DELIMITED and any(isinstance(v, str) and "\\" in v for v in values):
            # written as it is, a backslash separates values (PS3.5 6.4): "ORIGINAL\\PRIMARY" is read
            # back as two values, and each is judged as one (VM, form, length, Enumerated Values)
            values = [part for v in values for part in (v.split("\\") if isinstance(v, str) else [v])]
            split = " (a backslash separates values: PS3.5 6.4)"
        count = len(values)
        if not isinstance(value, bytes) and (count < low or (high is not None and count > high)):
            findings.append(Finding(where, "vm", f"{count} values, VM is {spec.vm}{split}", spec.source))
        allowed = _allowed(spec.vr)
        for item in values:
            if isinstance(item, bool) or not isinstance(item, allowed):
                findings.append(Finding(where, "vr", f"{type(item).__name__} is not a value of VR {spec.vr}", spec.source))
        findings.extend(_enumeration_findings(spec, where, values))
        findings.extend(_format_findings(spec, where, values, _state(self).read.get(spec.keyword)))
        findings.extend(_length_findings(spec, where, values, _state(self).read.get(spec.keyword)))
        findings.extend(_number_findings(self, spec, where, values, _state(self).read.get(spec.keyword)))
        findings.extend(_charset_findings(self, spec, where, values))
        findings.extend(_relation_findings(self, spec, where, values))
        findings.extend(_value_rule_findings(self, spec, where, values))
        return findings

    def present(self) -> dict[str, object]:
        """The attributes that have a value, by keyword."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if getattr(self, f.name) is not None}  # type: ignore[arg-type]
