"""The base of the generated module, macro, item and IOD classes, and their validation.

A generated class lists its attributes in ``ATTRIBUTES`` (tag, VR, VM, Attribute
Type, Enumerated Values, source table); :meth:`DicomObject.validate` checks an
instance against them and returns structured findings with the path of each.
Conditions of Type 1C and 2C attributes are not checked yet: they are reported
by the generator as not compiled, and :meth:`validate` never treats them as met.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from . import vr_format
from .conditions import Condition, enclosing, why_not_checked
from .errors import DicomTypeError

if TYPE_CHECKING:
    from .dataset import DataElement, Dataset


@dataclass(slots=True)
class _State:
    """What an instance keeps beside its fields: the attributes present and empty, the
    elements it was read from (an unchanged value is written back as read) and the File
    Meta Information read with it."""

    empty: set[str] = dataclasses.field(default_factory=set)
    read: dict[str, DataElement] = dataclasses.field(default_factory=dict)
    meta: Dataset | None = None
    from_data_set: bool = False  # built by from_dataset: an attribute absent there stays absent


def _state(obj: DicomObject) -> _State:
    """The instance's :class:`_State`, in the base class's one slot."""
    found = getattr(obj, "_dicom_state", None)
    if not isinstance(found, _State):
        found = _State()
        object.__setattr__(obj, "_dicom_state", found)
    return found


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """What PS3.3 and PS3.6 say of one attribute of a generated class."""

    keyword: str
    tag: int
    vr: str  # "US or SS" where PS3.6 allows several
    vm: str
    type: str  # "1", "1C", "2", "2C", "3"
    enumerated: tuple[str, ...]
    source: str  # "PS3.3 2016c Table C.7-1 row 8"
    groups: tuple[str, ...] = ()  # the modules (IODs) or macros (functional groups) defining it
    condition: Condition | None = None  # compiled from condition_text; None if not compiled
    condition_text: str = ""  # the "Required if ..." sentence of a 1C/2C attribute
    value_enumerated: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (value number, Enumerated Values)
    relations: tuple[tuple[str, int], ...] = ()  # (keyword, offset): the value equals that attribute's plus offset
    #: Values required while a condition holds, stated in another attribute's description ("If
    #: Image Type Value 1 is ORIGINAL and Value 3 is not LOCALIZER, output units shall be HU"):
    #: (the compiled condition, None if not compiled; the values; the condition's sentence).
    value_rules: tuple[tuple[Condition | None, tuple[str, ...], str], ...] = ()
    #: Of an IOD's attribute that several modules define: (module, Type) where a module
    #: gives a stricter Type than ``type`` (the mandatory modules'), which applies while
    #: that module is in use (InstanceNumber: Type 3 in SOP Common, Type 2 in General Image).
    group_types: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One validation finding: where, which rule, and the source of the rule."""

    path: str  # "SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing"
    rule: str  # "type1-missing", "type1-empty", "condition", "enumerated-value", "vr", "vm", "vr-length", "type2-missing", "vr-format", "vr-range", "charset", "item-count", "value-relation", "conditional-value", "pixel-data-length", "sop-class", "not-checked"
    message: str
    source: str
    severity: str = "error"  # "error", or "not-checked" for a condition that could not be evaluated


_VR_CHECKS: dict[str, tuple[type, ...]] = {
    **dict.fromkeys("AE AS CS LO LT SH ST UC UR UT UI PN".split(), (str,)),
    **dict.fromkeys("US SS UL SL UV SV IS AT".split(), (int,)),
    **dict.fromkeys("FL FD".split(), (float, int)),
    "DS": (float, int, Decimal),
    "DA": (datetime.date, str),
    "TM": (datetime.time, str),
    "DT": (datetime.datetime, str),
    **dict.fromkeys("OB OW OD OF OL OV UN".split(), (bytes,)),
}
_VM = re.compile(r"^(\d+)(?:-(\d+|\d*n))?")


def in_use_type(spec: AttributeSpec, in_use: set[str]) -> AttributeSpec:
    """``spec`` with the Type that applies given the modules in use: the stricter Type a
    module in use gives it (``group_types``), else ``spec`` itself."""
    kind = spec.type
    for group, stricter in spec.group_types:
        if group in in_use and _TYPE_RANK.get(stricter, 9) < _TYPE_RANK.get(kind, 9):
            kind = stricter
    return spec if kind == spec.type else dataclasses.replace(spec, type=kind)


#: Attribute Types, strictest first.
_TYPE_RANK = {"1": 0, "2": 1, "1C": 2, "2C": 3, "3": 4}


def _vm_range(vm: str) -> tuple[int, int | None]:
    match = _VM.match(vm)
    if match is None:
        return 1, None
    low = int(match.group(1))
    high = match.group(2)
    if high is None:
        return low, low
    return (low, None) if high.endswith("n") else (low, int(high))


def _enumerated(value: object, enumerated: tuple[str, ...]) -> bool:
    if isinstance(value, str):
        return value in enumerated
    if isinstance(value, int):
        for item in enumerated:
            text = item.strip()
            number = int(text[:-1], 16) if text.endswith("H") else int(text) if text.lstrip("-").isdigit() else None
            if number == value:
                return True
        return False
    return True


def _allowed(vr: str) -> tuple[type, ...]:
    return tuple(t for name in vr.split(" or ") for t in _VR_CHECKS.get(name, (object,)))


def _type_problem(spec: AttributeSpec, value: object) -> str:
    """Why ``value`` cannot be a value of the attribute, or ``""``."""
    allowed = _allowed(spec.vr)
    if isinstance(value, (bytes, str)) or not isinstance(value, (list, tuple)):
        values: Sequence[object] = [value]
    else:
        values = value
    for item in values:
        if isinstance(item, bool) or not isinstance(item, allowed):
            names = " or ".join(sorted({t.__name__ for t in allowed}))
            return f"{item!r} is a {type(item).__name__}; VR {spec.vr} takes {names}"
    return ""


def _enumeration_findings(spec: AttributeSpec, where: str, values: Sequence[object]) -> list[Finding]:
    """Enumerated Values, checked value by value: those of every value (a single value's
    or each of several values'), and those of one value number ("Value 3")."""
    allowed = _allowed(spec.vr)
    checks = [(0, spec.enumerated)] if spec.enumerated else []
    checks.extend(spec.value_enumerated)
    findings: list[Finding] = []
    for number, enumerated in checks:
        chosen = list(enumerate(values, 1)) if number == 0 else list(enumerate(values, 1))[number - 1 : number]
        for position, item in chosen:
            if isinstance(item, bool) or not isinstance(item, allowed) or item in ("", None):
                continue
            if not _enumerated(item, enumerated):
                which = f"value {position} " if len(values) > 1 or number else ""
                findings.append(
                    Finding(where, "enumerated-value", f"{which}{item!r} is not one of {', '.join(enumerated)}", spec.source)
                )
    return findings


#: The longest value of each VR of text (PS3.5 Table 6.2-1), in characters; AS is exactly 4.
_MAX_LENGTH: dict[str, int] = {
    "AE": 16, "AS": 4, "CS": 16, "DA": 8, "DS": 16, "DT": 26, "IS": 12, "LO": 64, "LT": 10240,
    "PN": 64, "SH": 16, "ST": 1024, "UI": 64,
}


def _length_findings(spec: AttributeSpec, where: str, values: Sequence[object], read: DataElement | None) -> list[Finding]:
    """Values longer than their VR allows (PS3.5 Table 6.2-1; a PN's limit is per component
    group). A number (DS, IS) is judged by the text it was read as, while it is unchanged."""
    vr = spec.vr if spec.vr in _MAX_LENGTH else ""
    if read is not None and read.vr in _MAX_LENGTH and (not vr or read.vr in spec.vr.split(" or ")):
        vr = read.vr
    if not vr:
        return []
    texts: list[str] = [str(v) for v in values if isinstance(v, str)]
    if vr == "IS":  # an int is written as its decimal digits
        texts += [str(v) for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if vr in ("DS", "IS") and read is not None:
        as_read = read.value if isinstance(read.value, list) else [read.value]
        numbers = [_number_of(t) for t in as_read]
        if len(as_read) == len(values) and all(n is not None and n == _number_of(v) for n, v in zip(numbers, values)):
            texts = [str(t).strip() for t in as_read]
    limit = _MAX_LENGTH[vr]
    findings: list[Finding] = []
    for text in texts:
        parts = text.split("=") if vr == "PN" else [text.rstrip(" ") if vr != "UI" else text.rstrip("\0")]
        longest = max(len(p) for p in parts)
        if (vr == "AS" and longest != limit) or longest > limit:
            shown = text if len(text) <= 40 else text[:37] + "..."
            findings.append(
                Finding(where, "vr-length", f"{shown!r} has {longest} characters; VR {vr} allows {limit} (PS3.5 Table 6.2-1)", spec.source)
            )
    return findings


def _format_findings(spec: AttributeSpec, where: str, values: Sequence[object], read: DataElement | None) -> list[Finding]:
    """Text values not of their VR's form (PS3.5 Table 6.2-1: CS and UI characters, AS, DA,
    TM and DT forms and ranges); the VR the element was read with where it has one."""
    vr = read.vr if read is not None and read.vr in _FORMATS else spec.vr
    if vr not in _FORMATS:
        return []
    findings: list[Finding] = []
    for value in values:
        if isinstance(value, str) and (wrong := vr_format.problem(vr, value)) is not None:
            findings.append(Finding(where, "vr-format", f"{wrong} (PS3.5 Table 6.2-1)", spec.source))
    return findings


_FORMATS = frozenset({"CS", "UI", "AS", "DA", "TM", "DT", "DS", "IS", *vr_format.CONTROLS_ALLOWED})
#: The string VRs whose values a backslash separates (PS3.5 6.4); LT, ST, UT and UR are
#: single-valued and may hold one.
_DELIMITED = frozenset("AE AS CS DA DS DT IS LO PN SH TM UC UI".split())


#: The VRs whose text may go beyond the default repertoire (PS3.5 6.1.2.2).
_EXTENDED = frozenset("SH LO ST LT PN UC UT".split())


def _character_set(obj: object) -> list[str]:
    """The Specific Character Set (0008,0005) in force for ``obj``'s values: its own (an
    attribute, or an element of an item's ``extra_elements``), else the enclosing data set's."""
    from .conditions import _ENCLOSING

    for candidate in (obj, *reversed(_ENCLOSING.get())):
        value: object = None
        if any(s.keyword == "SpecificCharacterSet" for s in getattr(candidate, "ATTRIBUTES", ())):
            value = getattr(candidate, "SpecificCharacterSet", None)
            found = True
        else:
            extra = getattr(candidate, "extra_elements", None)
            element = extra.get(0x00080005) if extra is not None else None
            found = element is not None
            value = element.value if element is not None else None
        if found or bool(getattr(candidate, "SOP_CLASSES", None)):  # an IOD is the whole data set
            return [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, (list, tuple)) else []
    return []


def _charset_findings(obj: object, spec: AttributeSpec, where: str, values: Sequence[object]) -> list[Finding]:
    """Text a data set's Specific Character Set (0008,0005) cannot encode (PS3.5 6.1.2.2): without
    one, only the default repertoire (ISO-IR 6, ASCII)."""
    if spec.vr not in _EXTENDED:
        return []
    wide = [v for v in values if isinstance(v, str) and not v.isascii()]
    if not wide:
        return []
    from .codec import encodable

    terms = _character_set(obj)
    findings: list[Finding] = []
    for value in wide:
        if encodable(value, spec.vr, terms):
            continue
        shown = value if len(value) <= 40 else value[:37] + "..."
        if terms:
            message = f"{shown!r} is not in Specific Character Set {chr(92).join(terms)} (PS3.5 6.1.2.2)"
        else:
            message = (
                f"{shown!r} is not in the default repertoire (ISO-IR 6) and there is no Specific Character Set "
                f"(0008,0005): set one that holds it, e.g. SpecificCharacterSet=[\"ISO_IR 192\"] (UTF-8) (PS3.5 6.1.2.2)"
            )
        findings.append(Finding(where, "charset", message, spec.source))
    return findings


def _number_findings(obj: object, spec: AttributeSpec, where: str, values: Sequence[object], read: DataElement | None) -> list[Finding]:
    """Numbers outside their VR's range (PS3.5 Table 6.2-1: US 0..2^16-1, SS, UL, SL, UV,
    SV, AT, IS -2^31..2^31-1), and a DS that is NaN or infinite; the VR the element was read
    with, else the one it would be written with ("US or SS": by Pixel Representation)."""
    options = spec.vr.split(" or ")
    if read is not None and read.vr in options:
        vr = read.vr
    elif "US" in options and "SS" in options:
        vr = "SS" if getattr(obj, "PixelRepresentation", None) == 1 else "US"
    else:
        vr = options[0]
    if vr not in vr_format.RANGES and vr != "DS":
        return []
    findings: list[Finding] = []
    for value in values:
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            wrong = vr_format.number_problem(vr, value)
            if wrong is not None:
                rule = "vr-range" if vr in vr_format.RANGES else "vr-format"
                findings.append(Finding(where, rule, f"{wrong} (PS3.5 Table 6.2-1)", spec.source))
    return findings


def _number_of(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _relation_findings(obj: object, spec: AttributeSpec, where: str, values: Sequence[object]) -> list[Finding]:
    """"High Bit (0028,0102) shall be one less than Bits Stored (0028,0101)": the value
    equals another attribute's plus an offset (not judged while either is not a number)."""
    findings: list[Finding] = []
    own = values[0] if len(values) == 1 else None
    for keyword, offset in spec.relations:
        other = _int_of(obj, keyword)
        if isinstance(own, int) and not isinstance(own, bool) and other is not None and own != other + offset:
            how = f"{keyword} {other} {'+' if offset >= 0 else '-'} {abs(offset)}" if offset else f"{keyword} {other}"
            findings.append(Finding(where, "value-relation", f"{own} is not {how}", spec.source))
    return findings


def _value_rule_findings(obj: object, spec: AttributeSpec, where: str, values: Sequence[object]) -> list[Finding]:
    """A value outside the values a rule requires while its condition holds (one finding a
    rule; "not checked" where the condition is not compiled or cannot be decided)."""
    findings: list[Finding] = []
    for condition, allowed, sentence in spec.value_rules:
        outside = [v for v in values if isinstance(v, str) and v.strip() not in allowed]
        if not outside:
            continue
        holds = condition.evaluate(obj) if condition is not None else None
        shown = ", ".join(allowed)
        if holds is True:
            message = f"{outside[0]!r} is not {shown}, which it must be if {sentence}"
            findings.append(Finding(where, "conditional-value", message, spec.source))
        elif holds is None:
            message = f"value rule not checked ({shown} if {sentence})"
            findings.append(Finding(where, "not-checked", message, spec.source, "not-checked"))
    return findings


def _int_of(obj: object, keyword: str) -> int | None:
    value = getattr(obj, keyword, None)
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def pixel_data_findings(obj: DicomObject, path: str = "") -> list[Finding]:
    """Pixel Data (7FE0,0010) of a native (not encapsulated) transfer syntax holds Rows x
    Columns x Samples per Pixel x Number of Frames samples of Bits Allocated bits each
    (PS3.5 8.1.1, PS3.3 C.7.6.3.1); its value is padded to an even length. Encapsulated
    Pixel Data (the File Meta Information read says so) is not judged by its length."""
    data = getattr(obj, "PixelData", None)
    spec = next((s for s in obj.ATTRIBUTES if s.keyword == "PixelData"), None)
    if not isinstance(data, bytes) or spec is None or not data:
        return []
    meta = _state(obj).meta
    syntax = None
    if meta is not None:
        element = next((e for e in meta.elements() if getattr(e, "keyword", "") == "TransferSyntaxUID"), None)
        syntax = str(getattr(element, "value", "") or "").strip("\0 ")
    if syntax and syntax not in _NATIVE_SYNTAXES:
        return []
    sizes = [_int_of(obj, k) for k in ("Rows", "Columns", "SamplesPerPixel", "BitsAllocated")]
    frames = _int_of(obj, "NumberOfFrames") if getattr(obj, "NumberOfFrames", None) is not None else 1
    if any(v is None for v in sizes) or frames is None:
        return []
    rows, columns, samples, bits = (v or 0 for v in sizes)
    expected_bits = rows * columns * samples * frames * bits
    expected = (expected_bits + 7) // 8
    padded = expected + expected % 2
    if len(data) in (expected, padded):
        return []
    where = f"{path}.PixelData" if path else "PixelData"
    return [
        Finding(
            where,
            "pixel-data-length",
            f"{len(data)} bytes; Rows {rows} x Columns {columns} x Samples per Pixel {samples} x "
            f"Number of Frames {frames} x Bits Allocated {bits} make {padded} (PS3.5 8.1.1)",
            spec.source,
        )
    ]


def functional_group_findings(obj: DicomObject, path: str = "") -> list[Finding]:
    """The item counts of the Multi-frame Functional Groups Module (PS3.3 Table C.7.6.16-1):
    "Only a single Item shall be included" in the Shared Functional Groups Sequence, and in
    the Per-frame one "The number of Items shall be the same as the number of frames"
    (Number of Frames; not judged while it is not a number)."""
    findings: list[Finding] = []
    for spec in obj.ATTRIBUTES:
        items = getattr(obj, spec.keyword) if spec.vr == "SQ" else None
        if not isinstance(items, list) or not items:
            continue  # absent or empty: Type 1's rules say so
        where = f"{path}.{spec.keyword}" if path else spec.keyword
        if spec.keyword == "SharedFunctionalGroupsSequence" and len(items) != 1:
            findings.append(Finding(where, "item-count", f"{len(items)} items; only a single item shall be included (PS3.3 C.7.6.16)", spec.source))
        if spec.keyword == "PerFrameFunctionalGroupsSequence":
            frames = _int_of(obj, "NumberOfFrames")
            if frames is not None and len(items) != frames:
                message = f"{len(items)} item{'s' if len(items) != 1 else ''}; the number of items shall be Number of Frames, {frames} (PS3.3 C.7.6.16)"
                findings.append(Finding(where, "item-count", message, spec.source))
    from .functional_groups import macro_findings

    findings.extend(macro_findings(obj, path))
    return findings


#: The transfer syntaxes whose Pixel Data is native (PS3.5 A.1-A.3; deflate compresses
#: the data set, not the pixels): Pixel Data's length is fixed by the image.
_NATIVE_SYNTAXES = frozenset(
    {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2"}
)


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
        findings: list[Finding] = []
        in_use = self.groups_in_use() if self.GROUP_USAGE else set()
        for spec in self.ATTRIBUTES:
            if spec.group_types:
                spec = in_use_type(spec, in_use)
            value = getattr(self, spec.keyword)
            where = f"{path}.{spec.keyword}" if path else spec.keyword
            if value is None:
                if spec.groups and self.GROUP_USAGE and not in_use.intersection(spec.groups):
                    continue
                if spec.type == "1" and spec.keyword in _state(self).empty:
                    findings.append(Finding(where, "type1-empty", "Type 1 attribute is empty", spec.source))
                elif spec.type == "1":
                    findings.append(Finding(where, "type1-missing", "Type 1 attribute is missing", spec.source))
                elif spec.type == "2C" and not _state(self).from_data_set and self.writes_empty(spec):
                    continue  # required, and written empty (to_dataset), as a Type 2 is
                elif spec.type == "1C" or (spec.type == "2C" and spec.keyword not in _state(self).empty):
                    findings.extend(self._check_condition(spec, where))
                elif spec.type == "2" and _state(self).from_data_set and spec.keyword not in _state(self).empty:
                    findings.append(Finding(where, "type2-missing", "Type 2 attribute is missing", spec.source))
                continue
            if spec.vr == "SQ":
                if spec.type == "1" and not value:
                    findings.append(Finding(where, "type1-empty", "Type 1 sequence has no item", spec.source))
                if value:  # an item of another class may have been put there after construction
                    from .object_checks import wrong_item

                    problem = wrong_item(type(self), spec.keyword, value)
                    if problem:
                        findings.append(Finding(where, "vr", problem, spec.source))
                for index, item in enumerate(value):
                    if isinstance(item, DicomObject):
                        with enclosing(self):
                            findings.extend(item.validate(f"{where}[{index}]"))
                continue
            findings.extend(self._check_value(spec, where, value))
        from .object_checks import bits_findings, sop_class_findings

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
            if spec.type == "1":
                return [Finding(where, "type1-empty", "Type 1 attribute is empty", spec.source)]
            return []  # an empty value of a Type 2 or 3 attribute: present, no value
        values: Sequence[object]
        if isinstance(value, (list, tuple)):
            values = value
        else:
            values = [value]
        low, high = _vm_range(spec.vm)
        count = len(values)
        split = ""
        if spec.vr in _DELIMITED and any(isinstance(v, str) and "\\" in v for v in values):
            count = sum(v.count("\\") + 1 if isinstance(v, str) else 1 for v in values)
            split = " (a backslash separates values: PS3.5 6.4)"
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
