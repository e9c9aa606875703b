"""The checks of an attribute's values in :meth:`DicomObject.validate
<dicom_runtime.objects.DicomObject.validate>`: the Python type a VR takes, VM, Enumerated
Values (of every value and of one value number), the length, form and range of a VR's
values (PS3.5 Table 6.2-1), the repertoire of the Specific Character Set (PS3.5 6.1.2.2),
a value's relation to another attribute's, and the values a rule requires while its
condition holds."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from . import vr_format
from .errors import DicomEncodeError
from .specs import AttributeSpec, Finding
from .values import number_text, temporal_text

if TYPE_CHECKING:
    from .dataset import DataElement


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
    if vr == "DS":  # a Decimal with the digits it has (a float is rounded to fit: typed._ds)
        texts += [number_text(v) for v in values if isinstance(v, Decimal) and v.is_finite()]
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
        if isinstance(value, (datetime.date, datetime.time)) and vr in ("DA", "TM", "DT"):
            try:
                value = temporal_text(value, vr)  # as written: an offset from UTC is judged too
            except DicomEncodeError as exc:
                findings.append(Finding(where, "vr-format", str(exc), spec.source))
                continue
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
