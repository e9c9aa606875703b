"""PS3.3 reconstructed from highdicom's tables (``highdicom==0.28.2``,
``highdicom/_standard/``), which follow PS3.3 2024c: edition label ``2024c``.

What the transcription has, and how it becomes DocBook:

* ``iod_module_map.json``: 175 IODs by key (``ct-image``), each with its modules
  (key, IE, usage M/U/C; no condition text, so conditional rows read "C").
* ``module_attribute_map.json``: 436 modules by key, 99,740 rows of keyword, Type
  and the keywords of the enclosing sequences; macros are expanded, and each
  multi-frame IOD's functional group macros are expanded into a module of its own
  (``enhanced-ct-image-multi-frame-functional-groups``) that the IOD lists. Nine
  modules that IODs list have no attributes there: their sections have no table, and
  the parser reports them as missing references, as it does for the PS3.3 excerpt.
* No tags, names or descriptions: tags and names come from pydicom's dictionary
  (2024c) by keyword; description cells are empty, but for the SR Document Content
  Module's rows that PS3.3 includes for some value types only (``VALUE_TYPE_ROWS``).

So this document has FLAT module tables: no "Include" rows, no macro tables and no
functional group tables. Section and table numbers are invented (the transcription
has none): IOD ``n`` (in the transcription's order) is ``sect_A.<n+1>`` with its
module table ``table_A.<n+1>-1`` in ``sect_A.<n+1>.3``; module ``n`` (sorted by key)
is ``sect_C.<n>`` with ``table_C.<n>-1``. Names are the keys in title case, with
the standard's abbreviations in capitals (``ct-image`` -> "CT Image").
Modules whose rows have no Type (the normalized ones) have no Type column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from . import book
from .book import AttributeEntry, ModuleUse, Outline
from .innolitics import FUNCTIONAL_GROUP_SEQUENCES
from .sources import highdicom_dir, load_json, version_of

#: PS3.4 of this edition says which PS3.3 section defines each SOP class's IOD; the
#: reconstruction puts an IOD there, so SOP classes and IOD classes link as they do in a
#: real edition. IODs PS3.4 2020c does not reference get numbers from INVENTED_FROM on.
REFERENCE_EDITION = "2020c"
INVENTED_FROM = 300

#: The SR Document Content Module's rows that PS3.3 Table C.17-5 includes for some value
#: types only ("Include Table C.18.1-1 ... if and only if Value Type (0040,A040) is NUM").
#: The transcription expands those macros with their own Types, so every value type's
#: Type 1 and 2 rows read as required of every content item; they are written as 1C and
#: 2C under the value types whose macros hold them (PS3.3 C.18.1 to C.18.9 and C.18.10).
CONTENT_MODULE = "sr-document-content"
VALUE_TYPE_ROWS = {
    "ReferencedSOPSequence": "COMPOSITE, IMAGE or WAVEFORM",
    "MeasuredValueSequence": "NUM",
    "ConceptCodeSequence": "CODE",
    "GraphicData": "SCOORD or SCOORD3D",
    "GraphicType": "SCOORD or SCOORD3D",
    "ReferencedFrameOfReferenceUID": "SCOORD3D",
    "TemporalRangeType": "TCOORD",
    "ContinuityOfContent": "CONTAINER",
    "TabulatedValuesSequence": "TABLE",
}


def _reference_sections(mirror: Path) -> dict[str, str]:
    """SOP Class UID -> the label of its IOD's section (``A.35.3``) in PS3.4 2020c."""
    from dicom_codegen import parse_ps4

    registry = parse_ps4.parse(mirror / REFERENCE_EDITION / "part04.xml")
    return {
        listing.uid: listing.iod_reference.removeprefix("sect_")
        for listing in registry.sop_classes
        if listing.iod_reference.startswith("sect_A.")
    }


def iod_labels(iods: list[str], sop_map: dict[str, str], reference: dict[str, str]) -> dict[str, str]:
    """The section label of each IOD key: its SOP classes' section in PS3.4 where one leads
    to a section no other IOD has taken, else an invented one (``A.300``...)."""
    labels: dict[str, str] = {}
    taken: set[str] = set()
    for uid, key in sorted(sop_map.items()):
        label = reference.get(uid)
        if key in iods and key not in labels and label and label not in taken:
            labels[key] = label
            taken.add(label)
    invented = INVENTED_FROM
    for key in iods:
        if key not in labels:
            labels[key] = f"A.{invented}"
            invented += 1
    return labels

EDITION = "2024c"
_TYPED = frozenset({"1", "1C", "2", "2C", "3"})
_CAPITALS = frozenset(
    "rt sr mr xa ct 3d pet xrf vl nm lut us dx ecg oct sc cad cr mpr roi voi pdf cda stl obj mtl 2d icc "
    "ivus qa dvh sop uv iod".split()
)
_SMALL = frozenset({"and", "of", "for", "the", "in", "to", "on"})
_WORDS = {"x": "X", "b": "B", "c": "C", "en": "En"}


def title(key: str) -> str:
    """``multi-frame-true-color-sc-image`` -> "Multi-frame True Color SC Image"."""
    words: list[str] = []
    parts = [p for p in key.split("-") if p]  # some keys have "--"
    index = 0
    while index < len(parts):
        part = parts[index]
        if part == "multi" and index + 1 < len(parts) and parts[index + 1] == "frame":
            words.append("Multi-frame")
            index += 2
            continue
        if part == "x" and index + 1 < len(parts) and parts[index + 1] == "ray":
            words.append("X-Ray")
            index += 2
            continue
        if part in _CAPITALS:
            words.append(part.upper())
        elif part in _SMALL and words:
            words.append(part)
        else:
            words.append(_WORDS.get(part, part[:1].upper() + part[1:]))
        index += 1
    return " ".join(words)


class _Dictionary:
    """Tags and names by keyword, from pydicom's dictionary (repeating groups too)."""

    def __init__(self) -> None:
        from pydicom._dicom_dict import DicomDictionary, RepeatersDictionary

        self.entries: dict[str, tuple[str, str]] = {}
        for tag, (_vr, _vm, name, _retired, keyword) in DicomDictionary.items():
            self.entries[keyword] = (f"({tag >> 16:04X},{tag & 0xFFFF:04X})", name)
        for mask, (_vr, _vm, name, _retired, keyword) in RepeatersDictionary.items():
            digits = mask.upper().replace("X", "x")
            self.entries.setdefault(keyword, (f"({digits[:4]},{digits[4:]})", name))

    def lookup(self, keyword: str, module: str) -> tuple[str, str]:
        found = self.entries.get(keyword)
        if found is None:
            raise ValueError(f"highdicom module {module}: keyword {keyword!r} is not in pydicom's dictionary")
        return found


def _entries(key: str, rows: list[dict[str, Any]], dictionary: _Dictionary) -> tuple[list[AttributeEntry], bool]:
    typed = all(str(r["type"]) in _TYPED for r in rows)
    entries: list[AttributeEntry] = []
    for index, row in enumerate(rows):
        depth = len(row["path"])
        tag, name = dictionary.lookup(row["keyword"], key)
        kind, description = str(row["type"]) if typed else "", []
        value_types = VALUE_TYPE_ROWS.get(row["keyword"]) if key == CONTENT_MODULE and depth == 0 else None
        if value_types and kind in ("1", "2"):
            kind = f"{kind}C"
            description = [book.para(f"Required if Value Type (0040,A040) is {value_types}.")]
        entries.append(AttributeEntry(depth, name=name, tag=tag, type=kind, description=description))
        following = rows[index + 1] if index + 1 < len(rows) else None
        if tag in FUNCTIONAL_GROUP_SEQUENCES and (following is None or len(following["path"]) <= depth):
            entries.append(AttributeEntry(depth + 1, placeholder=FUNCTIONAL_GROUP_SEQUENCES[tag]))
    return entries, typed


def build(mirror: Path) -> etree._Element:
    folder = highdicom_dir()
    iods: dict[str, list[dict[str, str]]] = load_json(folder / "iod_module_map.json")
    modules: dict[str, list[dict[str, Any]]] = load_json(folder / "module_attribute_map.json")
    dictionary = _Dictionary()
    outline = Outline()
    section_of: dict[str, str] = {}
    listed = {use["key"] for uses in iods.values() for use in uses}
    for number, key in enumerate(sorted(set(modules) | listed), start=1):
        label = f"C.{number}"
        name = title(key)
        section = outline.section(label, f"{name} Module")
        section_of[key] = f"sect_{label}"
        if key not in modules:
            # An IOD lists it, but the transcription has no attributes for it: a section
            # without a table, which the parser reports as a missing reference.
            section.content.append(book.para(f"highdicom lists the {name} Module but gives no attributes for it."))
            continue
        entries, typed = _entries(key, modules[key], dictionary)
        table_id = f"table_C.{number}-1"
        outline.claim_table(table_id)
        section.content.append(book.attribute_table(table_id, f"C.{number}-1", f"{name} Module Attributes", entries, typed=typed))
    labels = iod_labels(list(iods), load_json(folder / "sop_class_iod_map.json"), _reference_sections(mirror))
    for key, uses in iods.items():
        name = title(key)
        label = labels[key]
        outline.section(label, f"{name} IOD")
        outline.section(f"{label}.1", f"{name} IOD Description").content.append(
            book.para(f"The {name} Information Object Definition (highdicom key {key}).")
        )
        rows = []
        for use in uses:
            rows.append(ModuleUse(use["ie"], title(use["key"]), section_of[use["key"]], use["usage"], ""))
        table_id = f"table_{label}-1"
        outline.claim_table(table_id)
        outline.section(f"{label}.3", f"{name} IOD Module Table").content.append(
            book.iod_module_table(table_id, f"{label}-1", name, rows)
        )
    note = (
        "A reconstruction, not the DICOM standard: PS3.3 rebuilt as DocBook for scale tests from "
        f"highdicom {version_of('highdicom')}'s tables of PS3.3 2024c (modules with their attributes, "
        "macros expanded, no descriptions), with tags and names from pydicom's dictionary. "
        "Module sections and table numbers are invented; an IOD's section is the one PS3.4 "
        f"{REFERENCE_EDITION} names for its SOP classes, where it names one."
    )
    titles = {"A": "Composite Information Object Definitions (Normative)", "C": "Information Module Definitions (Normative)"}
    return book.book(3, EDITION, "Information Object Definitions", outline, note, titles)


def write(out: Path, mirror: Path) -> Path:
    """Write ``out/2024c/part03.xml``; returns its path."""
    root = build(mirror)
    etree.indent(root, space="  ")
    path = out / EDITION / "part03.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    etree.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True, standalone=False)
    return path
