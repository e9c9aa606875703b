"""What a generated class's own annotations say of an instance beyond each value's VR:
the item class of each sequence, and, for an IOD, its SOP Class UID.

Kept apart from :mod:`.objects` because both read the generated model (the annotations
through :func:`.typed._item_classes`, the SOP classes through ``dicom_model.sop_classes``),
which :mod:`.objects` itself, the base of every generated class, cannot import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .objects import DicomObject, Finding


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
    from .objects import Finding

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
    from .objects import Finding, _int_of

    spec = next((s for s in obj.ATTRIBUTES if s.keyword == "BitsStored"), None)
    stored, allocated = _int_of(obj, "BitsStored"), _int_of(obj, "BitsAllocated")
    if spec is None or stored is None or allocated is None or stored <= allocated:
        return []
    where = f"{path}.BitsStored" if path else "BitsStored"
    return [Finding(where, "value-relation", f"{stored} is larger than Bits Allocated {allocated} (PS3.5 8.1.1)", spec.source)]
