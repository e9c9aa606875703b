"""PS3.6-shaped books: Tables 6-1, 7-1, 8-1 (data elements), A-1 (UIDs, with the
keyword column of later editions), A-2 (well-known frames of reference), A-3
(context group UIDs).

* ``2024c`` (for the highdicom reconstruction): pydicom 3.0.2's dictionary, which
  follows PS3.6 2024c: ``DicomDictionary`` and ``RepeatersDictionary`` for the
  elements, ``UID_dictionary`` for Tables A-1 and A-2. pydicom writes the VR of
  Item, Item Delimitation Item and Sequence Delimitation Item as ``NONE``; PS3.6
  prints "See Note 2" there, and so does this file. pydicom has no context group
  UIDs, so Table A-3 is empty.
* ``2020x`` (for the innolitics reconstruction): the elements of the innolitics
  ``attributes.json`` (which has "See Note 2" itself); Table A-1 gets its SOP
  classes from ``sops.json`` and every other UID (transfer syntaxes, frames of
  reference, ...) from pydicom's ``UID_dictionary``, since the transcription has none.

Keywords and UIDs get zero-width spaces before capitals and after dots, as NEMA
prints them to allow line breaks; retired rows are in italics like NEMA's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from . import book
from .book import Outline, sub
from .sources import innolitics_dir, load_json, version_of

ZWSP = "\u200b"
_PARTS = {"SOP Class": "PS3.4", "Meta SOP Class": "PS3.4", "Transfer Syntax": "PS3.5",
          "Service Class": "PS3.4", "Well-known SOP Instance": "PS3.4"}


@dataclass(frozen=True)
class Element:
    tag: str  # "(0008,0005)", "(60xx,0010)"
    name: str
    keyword: str
    vr: str
    vm: str
    retired: bool


@dataclass(frozen=True)
class UidRow:
    value: str
    name: str
    keyword: str
    type: str
    part: str


def _breakable_keyword(keyword: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", ZWSP, keyword)


def _breakable_uid(value: str) -> str:
    return value.replace(".", "." + ZWSP).rstrip(ZWSP)


def _cell(row: etree._Element, text: str, *, italic: bool, align: str = "left") -> None:
    cell = sub(row, "td", align=align, colspan="1", rowspan="1")
    para = sub(cell, "para")
    if text and italic:
        sub(para, "emphasis", text, role="italic")
    elif text:
        para.text = text


def _element_table(table_id: str, caption: str, elements: list[Element]) -> etree._Element:
    element, body = book.table(table_id, table_id.removeprefix("table_"), caption,
                               ["Tag", "Name", "Keyword", "VR", "VM", ""])
    for entry in elements:
        row = sub(body, "tr", valign="top")
        italic = entry.retired
        _cell(row, entry.tag, italic=italic, align="center")
        _cell(row, entry.name, italic=italic)
        _cell(row, _breakable_keyword(entry.keyword), italic=italic)
        _cell(row, entry.vr, italic=italic, align="center")
        _cell(row, entry.vm, italic=italic, align="center")
        _cell(row, "RET" if entry.retired else "", italic=italic, align="center")
    return element


def _group(tag: str) -> str:
    return tag[1:5]


def document(edition: str, elements: list[Element], uids: list[UidRow], frames: list[UidRow], note: str) -> etree._Element:
    outline = Outline()
    elements = sorted(elements, key=lambda e: (e.tag.replace("x", "0"), e.tag))
    tables = (
        ("6", "table_6-1", "Registry of DICOM Data Elements", [e for e in elements if _group(e.tag) not in ("0002", "0004")]),
        ("7", "table_7-1", "Registry of DICOM File Meta Elements", [e for e in elements if _group(e.tag) == "0002"]),
        ("8", "table_8-1", "Registry of DICOM Directory Structuring Elements", [e for e in elements if _group(e.tag) == "0004"]),
    )
    for chapter, table_id, caption, rows in tables:
        outline.section(chapter).content.append(_element_table(table_id, caption, rows))
    annex = outline.section("A")
    table, body = book.table("table_A-1", "A-1", "UID Values", ["UID Value", "UID Name", "UID Keyword", "UID Type", "Part"])
    for uid in uids:
        row = sub(body, "tr", valign="top")
        for text in (_breakable_uid(uid.value), uid.name, _breakable_keyword(uid.keyword), uid.type, uid.part):
            _cell(row, text, italic=False)
    annex.content.append(table)
    table, body = book.table("table_A-2", "A-2", "Well-known Frames of Reference",
                             ["UID Value", "UID Name", "Normative Reference"])
    for frame in frames:
        row = sub(body, "tr", valign="top")
        for text in (_breakable_uid(frame.value), frame.name, frame.part):
            _cell(row, text, italic=False)
    annex.content.append(table)
    table, _ = book.table("table_A-3", "A-3", "Context Group UID Values", ["Context UID", "Context Identifier", "Context Group Name"])
    annex.content.append(table)
    titles = {"6": "Registry of DICOM Data Elements", "7": "Registry of DICOM File Meta Elements",
              "8": "Registry of DICOM Directory Structuring Elements", "A": "Registry of DICOM Unique Identifiers (UIDs) (Normative)"}
    return book.book(6, edition, "Data Dictionary", outline, note, titles)


def _pydicom_elements() -> list[Element]:
    from pydicom._dicom_dict import DicomDictionary, RepeatersDictionary

    def vr_of(text: str) -> str:
        return "See Note 2" if text == "NONE" else text

    result = [
        Element(f"({tag >> 16:04X},{tag & 0xFFFF:04X})", name, keyword, vr_of(vr), vm, retired == "Retired")
        for tag, (vr, vm, name, retired, keyword) in DicomDictionary.items()
        if tag >> 16 != 0x0000
    ]
    for mask, (vr, vm, name, retired, keyword) in RepeatersDictionary.items():
        tag = mask.upper().replace("X", "x")
        if tag.startswith("0000"):
            continue
        result.append(Element(f"({tag[:4]},{tag[4:]})", name, keyword, vr_of(vr), vm, retired == "Retired"))
    return result


def _pydicom_uids() -> list[UidRow]:
    from pydicom._uid_dict import UID_dictionary

    rows = []
    for value, (name, kind, _info, retired, keyword) in UID_dictionary.items():
        shown = f"{name} (Retired)" if retired == "Retired" and "(Retired)" not in name else name
        rows.append(UidRow(value, shown, keyword, kind, _PARTS.get(kind, "PS3.6")))
    return rows


def _uid_order(row: UidRow) -> tuple[int, ...]:
    return tuple(int(p) for p in row.value.split("."))


def _frames(uids: list[UidRow]) -> list[UidRow]:
    return [UidRow(u.value, u.name, u.keyword, u.type, "PS3.16")
            for u in uids if u.type == "Well-known frame of reference"]


def write_pydicom(out: Path) -> Path:
    """``out/2024c/part06.xml`` from pydicom's dictionary."""
    uids = sorted(_pydicom_uids(), key=_uid_order)
    note = (
        "A reconstruction, not the DICOM standard: PS3.6 rebuilt as DocBook for scale tests from "
        f"pydicom {version_of('pydicom')}'s data dictionary (which follows PS3.6 2024c)."
    )
    root = document("2024c", _pydicom_elements(), uids, _frames(uids), note)
    return _write(root, out / "2024c" / "part06.xml")


def write_innolitics(out: Path) -> Path:
    """``out/2020x/part06.xml`` from the innolitics ``attributes.json`` and ``sops.json``."""
    folder = innolitics_dir()
    elements = []
    for entry in load_json(folder / "attributes.json"):
        inner = entry["tag"].strip()[1:-1]
        group, _, number = inner.partition(",")
        tag = f"({group.upper().replace('X', 'x')},{number.upper().replace('X', 'x')})"
        if group.upper() == "0000":
            continue
        elements.append(Element(tag, entry["name"], entry["keyword"], entry["valueRepresentation"],
                                entry["valueMultiplicity"], entry["retired"] == "Y"))
    sops = {entry["id"]: entry["name"] for entry in load_json(folder / "sops.json")}
    others = [u for u in _pydicom_uids() if u.value not in sops and u.type != "SOP Class"]
    keywords = {u.value: u.keyword for u in _pydicom_uids()}
    uids = [UidRow(value, name, keywords.get(value, ""), "SOP Class", "PS3.4") for value, name in sops.items()]
    uids = sorted(uids + others, key=_uid_order)
    note = (
        "A reconstruction, not the DICOM standard: PS3.6 rebuilt as DocBook for scale tests from the "
        f"innolitics transcription (PyPI dicom-standard {version_of('dicom-standard')}: attributes.json, "
        "sops.json), with the UIDs other than SOP classes from pydicom's UID dictionary."
    )
    root = document("2020x", elements, uids, _frames(uids), note)
    return _write(root, out / "2020x" / "part06.xml")


def _write(root: etree._Element, path: Path) -> Path:
    etree.indent(root, space="  ")
    path.parent.mkdir(parents=True, exist_ok=True)
    etree.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True, standalone=False)
    return path
