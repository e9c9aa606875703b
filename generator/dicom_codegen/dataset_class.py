"""The annotations of ``dicom_model.dataset.Dataset``: one per PS3.6 keyword, typed by VR and VM.

The same mapping as the fields of the IOD classes (``passes_objects.VR_TYPES``; a VM
other than 1 is ``Sequence[...]`` unless every VR is of bytes), without the Enumerated
Values (PS3.6 has none), a sequence a ``list[Dataset]``, and always ``| None`` (absent
or empty). The runtime's ``dicom_runtime.keywords`` gives values of these types.
"""

from __future__ import annotations

from .model import Model
from .passes_objects import VR_TYPES

_BULK = frozenset("OB OW OD OF OL OV UN".split())


def annotation(vrs: tuple[str, ...], vm: str) -> str:
    """``("PN",), "1"`` -> ``PersonName | str | None``; ``("DS",), "2"`` -> ``Sequence[float | Decimal] | None``."""
    if vrs == ("SQ",):
        return "list[Dataset] | None"
    base = " | ".join(dict.fromkeys(VR_TYPES.get(vr, "object") for vr in vrs))
    if vm not in ("1", "") and not all(vr in _BULK for vr in vrs):
        return f"Sequence[{base}] | None"
    return f"{base} | None"


def dataset_fields(model: Model) -> list[tuple[str, str, str]]:
    """(keyword, annotation, tag as PS3.6 prints it) of each keyword of the dictionary and the
    command elements, in tag order; the first element of a keyword given twice (as the
    runtime's lookup has it); elements without a VR (the item delimiters) are left out."""
    fields: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for element in model.all_elements():
        if not element.keyword or not element.vrs or element.keyword in seen:
            continue
        seen.add(element.keyword)
        vm = element.vm.text if element.vm else ""
        fields.append((element.keyword, annotation(element.vrs, vm), element.tag))
    # A keyword that is a name the annotations use would, once declared, stand for its own
    # attribute in the rest of the class body: "Person Name" (0040,A123) is ``PersonName``.
    # It is declared last, its own annotation through the alias the template imports.
    clashes = [f for f in fields if f[0] in _ANNOTATION_NAMES]
    unknown = [f[0] for f in clashes if f[0] not in _ALIASED]
    if unknown:
        raise ValueError(f"keywords that are names of the Dataset annotations: {', '.join(unknown)}")
    kept = [f for f in fields if f[0] not in _ANNOTATION_NAMES]
    moved = [(k, a.replace("PersonName", "_PersonName"), t) for k, a, t in clashes]
    return kept + moved


#: The names the annotations and the template's class body use.
_ANNOTATION_NAMES = frozenset({"PersonName", "Decimal", "Sequence", "Dataset", "datetime", "field", "dataclass"})
#: Those the template also imports under an alias (``_PersonName``).
_ALIASED = frozenset({"PersonName"})
