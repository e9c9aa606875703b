"""The checks of a whole instance beyond each value's: what a generated class's own
annotations say (the item class of each sequence, and, for an IOD, its SOP Class UID), Bits
Stored against Bits Allocated, the length of native Pixel Data, the number of Items of a
sequence, and the item counts and macros of the functional groups.

Kept apart from :mod:`.objects` because both read the generated model (the annotations
through :func:`.typed._item_classes`, the SOP classes through ``dicom_model.sop_classes``),
which :mod:`.objects` itself, the base of every generated class, cannot import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .specs import AttributeSpec, Finding
from .tag_text import tag_text
from .value_checks import _int_of

if TYPE_CHECKING:
    from .objects import DicomObject


def wrong_item(cls: type[DicomObject], keyword: str, items: list[object]) -> str | None:
    """Why ``items`` cannot be the value of sequence ``keyword`` of ``cls`` (an item that
    is not a generated object, or not of the item class its annotation names), or None."""
    from .objects import DicomObject
    from .typed import _item_classes

    expected = _item_classes(cls).get(keyword)
    for index, item in enumerate(items):
        if not isinstance(item, DicomObject):
            wanted = expected.__name__ if expected is not None else "a generated item class"
            return f"item {index} is a {type(item).__name__}, not a {wanted}"
        if expected is not None and not isinstance(item, expected):
            return f"item {index} is a {type(item).__name__}, not a {expected.__name__}"
    return None


def sop_class_findings(obj: DicomObject) -> list[Finding]:
    """An IOD instance whose SOP Class UID is not one of its IOD's (a ``CTImage`` given
    MR Image Storage's UID would be written as an MR image that is no MR image, and
    ``read(path, CTImage)`` refuses such a file): one finding naming both."""
    if not getattr(type(obj), "SOP_CLASSES", ()):
        return []  # a module, macro or item class
    uid = getattr(obj, "SOPClassUID", None)
    if not isinstance(uid, str) or not uid.strip("\0 "):
        return []  # absent or empty: the Type 1 rules say so
    from dicom_model import sop_classes  # the generated table of SOP classes

    uid = uid.strip("\0 ")
    iod = sop_classes.iod_class_for(uid)
    if iod is not None and isinstance(obj, iod):
        return []
    known = sop_classes.sop_class(uid)
    found = f"{known.name} ({uid})" if known is not None else uid
    own = sop_classes.sop_class_of(type(obj))
    asked = f"{own.name} ({own.uid})" if own is not None else ", ".join(getattr(type(obj), "SOP_CLASSES"))
    source = next((s.source for s in obj.ATTRIBUTES if s.keyword == "SOPClassUID"), "")
    message = f"{found} is not the SOP Class of {type(obj).__name__}, {asked}"
    return [Finding("SOPClassUID", "sop-class", message, source)]


def bits_findings(obj: DicomObject, path: str = "") -> list[Finding]:
    """Bits Stored (0028,0101) "shall never be larger than Bits Allocated (0028,0100)" (PS3.5
    8.1.1; dciodvfy: "Bits Stored = 20 exceeds ..."): not judged while either is not a number."""
    spec = next((s for s in obj.ATTRIBUTES if s.keyword == "BitsStored"), None)
    stored, allocated = _int_of(obj, "BitsStored"), _int_of(obj, "BitsAllocated")
    if spec is None or stored is None or allocated is None or stored <= allocated:
        return []
    where = f"{path}.BitsStored" if path else "BitsStored"
    return [Finding(where, "value-relation", f"{stored} is larger than Bits Allocated {allocated} (PS3.5 8.1.1)", spec.source)]


def pixel_data_findings(obj: DicomObject, path: str = "") -> list[Finding]:
    """Pixel Data (7FE0,0010) of a native (not encapsulated) transfer syntax holds Rows x
    Columns x Samples per Pixel x Number of Frames samples of Bits Allocated bits each
    (PS3.5 8.1.1, PS3.3 C.7.6.3.1); its value is padded to an even length. Encapsulated
    Pixel Data (the File Meta Information read says so) is not judged by its length."""
    data = getattr(obj, "PixelData", None)
    spec = next((s for s in obj.ATTRIBUTES if s.keyword == "PixelData"), None)
    if not isinstance(data, bytes) or spec is None or not data:
        return []
    from .objects import _state

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


def item_count_findings(spec: AttributeSpec, where: str, items: list[object]) -> list[Finding]:
    """A sequence whose number of Items is not the one its description states
    (``spec.item_count``: "Only a single Item shall be included in this Sequence.", "One
    or more Items are permitted in this Sequence."): one finding naming the attribute, the
    count found and the count required.

    An empty sequence of Type 1 is the Type 1 rule's (``type1-empty``), and one of Type 2
    or 2C is allowed ("zero length" is what Type 2 permits); an empty one of Type 1C or 3,
    where at least one Item is required, is an error: present, it must hold its Items (as
    dciodvfy: "Bad Sequence number of Items 0 (1-n Required by Module definition)")."""
    if spec.item_count is None:
        return []
    least, most = spec.item_count
    found = len(items)
    if not found and spec.type in ("1", "2", "2C"):
        return []
    if least <= found and (most is None or found <= most):
        return []
    if most is None:
        required = f"{least} or more"
    elif least == most:
        required = f"exactly {least}"
    else:
        required = f"{least} to {most}" if most - least > 1 else f"{least} or {most}"
    when = " when present" if not found else ""
    tag = tag_text(spec.tag)
    message = f"{spec.keyword} {tag} has {found} item{'s' if found != 1 else ''}; {required} required{when}"
    return [Finding(where, "item-count", message, spec.source)]


def item_values_findings(obj: object, spec: AttributeSpec, where: str, items: list[object]) -> list[Finding]:
    """A sequence whose number of Items is not the number of values of the attribute its
    description ties it to (``spec.item_values``: "If more than one Item, the number and
    order shall correspond to the value of Operators' Name (0008,1070), if present."):
    checked once the Sequence has the Items the rule starts at, where that attribute is
    present with a value (the attribute is looked up as a condition's is: on the object,
    or on what encloses it). The order cannot be checked: the Items do not repeat the names."""
    if spec.item_values is None:
        return []
    from .conditions import _has_value, _values

    keyword, least = spec.item_values
    if len(items) < least:
        return []
    values = _values(obj, keyword)
    if not values or not _has_value(values):
        return []  # "if present"
    if len(values) == len(items):
        return []
    tag = f"({spec.tag >> 16:04X},{spec.tag & 0xFFFF:04X})"
    counted = f"{len(values)} value{'s' if len(values) != 1 else ''}"
    message = (
        f"{spec.keyword} {tag} has {len(items)} item{'s' if len(items) != 1 else ''}; {keyword} has {counted}, "
        f"and the number of Items shall correspond to it"
    )
    return [Finding(where, "item-count", message, spec.source)]


def functional_group_findings(obj: DicomObject, path: str = "") -> list[Finding]:
    """The Per-frame Functional Groups Sequence's count of the Multi-frame Functional Groups
    Module (PS3.3 Table C.7.6.16-1): "The number of Items shall be the same as the number
    of frames" (Number of Frames; not judged while it is not a number). The Shared one's
    "Only a single Item" is its attribute's item count (:func:`item_count_findings`)."""
    findings: list[Finding] = []
    for spec in obj.ATTRIBUTES:
        items = getattr(obj, spec.keyword) if spec.vr == "SQ" else None
        if not isinstance(items, list) or not items:
            continue  # absent or empty: Type 1's rules say so
        where = f"{path}.{spec.keyword}" if path else spec.keyword
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


def _negations(one: str, other: str) -> bool:
    """Whether two clauses differ only in a "not" after their verb ("the Code Value is a URN
    or URL" / "the Code Value is not a URN or URL"): one of them holds, whatever the fact."""
    for yes, no in ((" is ", " is not "), (" are ", " are not "), (" does ", " does not ")):
        if one != other and (one.replace(no, yes, 1) == other or other.replace(no, yes, 1) == one):
            return True
    return False


def complementary_findings(obj: object, pending: list[tuple[AttributeSpec, str]]) -> list[tuple[Finding, tuple[str, str]]]:
    """Absent 1C attributes whose conditions were not checked, taken two at a time: where the
    two conditions are the same checked parts and one unchecked clause each, one clause the
    other's negation (PS3.3 Table 8.8-1a: Long Code Value "if Code Value (0008,0100) is not
    present and the Code Value is not a URN or URL", URN Code Value "... is a URN or URL"),
    one of the two conditions holds when the checked parts do, whatever the fact: one of the
    attributes is required. Each such pair gives an error, with the two paths whose "not
    checked" findings it stands for."""
    from .conditions import AllOf, NotChecked

    split: list[tuple[AttributeSpec, str, tuple[object, ...], str]] = []
    for spec, where in pending:
        condition = spec.condition
        if spec.type != "1C" or not isinstance(condition, AllOf):
            continue
        unchecked = [part for part in condition.parts if isinstance(part, NotChecked)]
        if len(unchecked) == 1:
            split.append((spec, where, tuple(p for p in condition.parts if p is not unchecked[0]), unchecked[0].text))
    found: list[tuple[Finding, tuple[str, str]]] = []
    paired: set[str] = set()
    for index, (spec, where, rest, clause) in enumerate(split):
        for other, other_where, other_rest, other_clause in split[index + 1 :]:
            if where in paired or other_where in paired or rest != other_rest or not _negations(clause, other_clause):
                continue
            if AllOf(rest).evaluate(obj) is not True:  # type: ignore[arg-type]
                continue
            message = (
                f"Type 1C: {spec.keyword} or {other.keyword} is required: {spec.keyword} if {spec.condition_text}; "
                f"{other.keyword} if {other.condition_text} (one of the two holds)"
            )
            found.append((Finding(where, "condition", message, spec.source), (where, other_where)))
            paired.update((where, other_where))
    return found
