"""Where a multi-frame IOD's functional group macros are (PS3.3 C.7.6.16, and the IOD's
functional group table, such as Table A.38-2 of the Enhanced CT Image IOD).

A macro's attributes are held in the item of the Shared Functional Groups Sequence,
when they apply to every frame, or in each item of the Per-frame Functional Groups
Sequence. So a macro of usage M is met when it is in the shared item or in every
per-frame item; either item class alone declares every macro optional. A macro the
table marks "May not be used as a Shared Functional Group" (Frame Content) is not a
field of the shared item's class, so it must be in every per-frame item. A C macro
whose condition holds ("Required if Image Type (0008,0008) Value 1 is ORIGINAL or MIXED",
evaluated on the IOD's own attributes) must be there as an M macro must; one whose
condition could not be compiled or decided is said not checked, never taken as met.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .conditions import _PER_FRAME, _SHARED, _group_items, why_not_checked

if TYPE_CHECKING:
    from .objects import DicomObject, Finding


def _held(item: object) -> set[str]:
    """The macros of which an item gives at least one attribute (a value, or present empty)."""
    from .objects import DicomObject

    if not isinstance(item, DicomObject):
        return set()
    empty = item.empty_attributes()
    return {
        macro
        for spec in item.ATTRIBUTES
        if getattr(item, spec.keyword) is not None or spec.keyword in empty
        for macro in spec.groups
    }


def _frames(indexes: list[int]) -> str:
    shown = ", ".join(str(i) for i in indexes[:8])
    return shown + (f" and {len(indexes) - 8} more" if len(indexes) > 8 else "")


def macro_findings(obj: DicomObject, path: str = "") -> list[Finding]:
    """The M macros, and the C macros whose condition holds, in neither the shared item nor
    every per-frame item; a "not checked" finding for a C macro so placed whose condition
    could not be told. Nothing is said while the Per-frame Functional Groups Sequence has
    no item: its own Type 1 finding says so."""
    from .objects import Finding

    shared = _group_items(obj, _SHARED)
    per_frame = _group_items(obj, _PER_FRAME)
    usage = obj.FUNCTIONAL_GROUP_USAGE
    if not per_frame or not any(use in ("M", "C") for use in usage.values()):
        return []
    in_shared = _held(shared[0]) if shared else set()
    held = [_held(item) for item in per_frame]
    source = next((spec.source for spec in obj.ATTRIBUTES if spec.keyword == _PER_FRAME), "")
    where = f"{path}.{_PER_FRAME}" if path else _PER_FRAME
    findings: list[Finding] = []
    for macro, use in usage.items():
        if use not in ("M", "C") or macro in in_shared:
            continue
        missing = [index for index, macros in enumerate(held) if macro not in macros]
        if not missing:
            continue
        place = "not in every per-frame item" if macro in obj.PER_FRAME_ONLY else "neither in the shared item nor in every per-frame item"
        items = f"missing from item{'s' if len(missing) > 1 else ''} {_frames(missing)} of {len(per_frame)}"
        if use == "M":
            findings.append(Finding(where, "functional-group", f"{macro} is mandatory (M) and is {place} ({items})", source))
            continue
        condition, sentence = obj.FUNCTIONAL_GROUP_CONDITIONS.get(macro, (None, ""))
        if condition is None:
            continue  # a C macro the table gives no sentence for
        result = condition.evaluate(obj)
        if result is True:
            message = f"{macro} is required (C: {sentence}) and is {place} ({items})"
            findings.append(Finding(where, "functional-group", message, source))
        elif result is None:
            message = f"{macro}: condition not checked ({why_not_checked(condition, obj)}): {sentence}"
            findings.append(Finding(where, "not-checked", message, source, "not-checked"))
    return findings
