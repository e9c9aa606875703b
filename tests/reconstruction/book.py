"""Writing a PS3.3-shaped (or PS3.6-shaped) DocBook 5 book.

The reconstructions are built the way NEMA's DocBook is: chapters and sections
nested and labelled by number (``chapter_C``, ``sect_C.7.1.1``), HTML-style tables
(``table/thead/tbody/tr/th|td``) with ``rowspan``/``colspan``, cell text in
``para`` elements, ``xref`` links by ``xml:id``. Nothing here knows where the
content came from; :mod:`tests.reconstruction.innolitics` and
:mod:`tests.reconstruction.highdicom` fill an :class:`Outline`.

Output is deterministic: sections are ordered by their label, compared number by
number; tables keep the order they were added in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from lxml import etree

DOCBOOK_NS = "http://docbook.org/ns/docbook"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_NS = "{" + DOCBOOK_NS + "}"
#: lxml takes None for the default namespace; its stubs only know str keys.
_NSMAP = cast("dict[str, str]", {None: DOCBOOK_NS})
_BOOK_NSMAP = cast("dict[str, str]", {None: DOCBOOK_NS, "xl": XLINK_NS})


def db(local: str, text: str | None = None, **attributes: str) -> etree._Element:
    """A DocBook element (attribute ``xml_id`` gives ``xml:id``)."""
    element = etree.Element(_NS + local, nsmap=_NSMAP)
    for key, value in attributes.items():
        element.set(XML_ID if key == "xml_id" else key, value)
    if text is not None:
        element.text = text
    return element


def sub(parent: etree._Element, local: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _NS + local)
    for key, value in attributes.items():
        element.set(XML_ID if key == "xml_id" else key, value)
    if text is not None:
        element.text = text
    return element


def para(text: str) -> etree._Element:
    return db("para", text)


def label_key(label: str) -> tuple[tuple[int, int, str], ...]:
    """``C.7.10`` after ``C.7.9``; numbers before letters at each level."""
    key: list[tuple[int, int, str]] = []
    for part in label.split("."):
        for piece in re.findall(r"\d+|\D+", part) or [""]:
            key.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
        key.append((-1, 0, ""))
    return tuple(key)


def parent_label(label: str) -> str:
    """``C.7.1`` -> ``C.7``; ``C`` -> "" (a chapter)."""
    return label.rpartition(".")[0]


@dataclass
class Section:
    label: str
    title: str = ""
    content: list[etree._Element] = field(default_factory=list)
    children: dict[str, Section] = field(default_factory=dict)


class Outline:
    """Chapters and sections by label; parents are made on demand."""

    def __init__(self) -> None:
        self.chapters: dict[str, Section] = {}
        self.sections: dict[str, Section] = {}
        self.table_ids: set[str] = set()

    def section(self, label: str, title: str = "") -> Section:
        """The section (or chapter, for a label without a dot) with this label."""
        found = self.sections.get(label)
        if found is None:
            found = Section(label)
            self.sections[label] = found
            up = parent_label(label)
            if up:
                self.section(up).children[label] = found
            else:
                self.chapters[label] = found
        if title:
            found.title = title
        return found

    def fresh_child(self, parent: str, title: str) -> Section:
        """A new subsection of ``parent`` with the smallest free number."""
        number = 1
        while f"{parent}.{number}" in self.sections:
            number += 1
        return self.section(f"{parent}.{number}", title)

    def fresh_table_id(self, label_stem: str, start: int = 1) -> tuple[str, str]:
        """(xml:id, label) of a new table ``table_<stem>-N`` with the smallest free N."""
        number = start
        while f"table_{label_stem}-{number}" in self.table_ids:
            number += 1
        return f"table_{label_stem}-{number}", f"{label_stem}-{number}"

    def claim_table(self, table_id: str) -> None:
        if table_id in self.table_ids:
            raise ValueError(f"table {table_id} made twice")
        self.table_ids.add(table_id)


def _chapter_title(label: str, titles: dict[str, str]) -> str:
    return titles.get(label, f"Annex {label}" if label.isalpha() else f"Chapter {label}")


def _emit(parent: etree._Element, section: Section, depth: int, titles: dict[str, str]) -> None:
    if depth == 1:
        element = sub(parent, "chapter", label=section.label, status="1", xml_id=f"chapter_{section.label}")
        sub(element, "title", _chapter_title(section.label, titles))
    else:
        element = sub(parent, "section", label=section.label, status=str(depth), xml_id=f"sect_{section.label}")
        sub(element, "title", section.title or titles.get(section.label, f"Section {section.label}"))
    for item in section.content:
        element.append(item)
    for label in sorted(section.children, key=label_key):
        _emit(element, section.children[label], depth + 1, titles)


def book(part: int, edition: str, subject: str, outline: Outline, note: str, titles: dict[str, str]) -> etree._Element:
    """The whole book: ``PS3.<part>``, subtitle ``DICOM PS3.<part> <edition> - <subject>``."""
    root = etree.Element(_NS + "book", nsmap=_BOOK_NSMAP)
    root.set("label", f"PS3.{part}")
    root.set("version", "5.0")
    root.set(XML_ID, f"PS3.{part}")
    sub(root, "title", f"PS3.{part}")
    sub(root, "subtitle", f"DICOM PS3.{part} {edition} - {subject}")
    info = sub(root, "preface", label="", xml_id="reconstruction_notice")
    sub(info, "title", "About this file")
    sub(info, "para", note)
    for label in sorted(outline.chapters, key=label_key):
        _emit(root, outline.chapters[label], 1, titles)
    return root


def write(root: etree._Element, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    etree.ElementTree(root).write(
        str(path), encoding="utf-8", xml_declaration=True, pretty_print=True, standalone=False
    )


# --- tables ---------------------------------------------------------------------------


def _cell(row: etree._Element, kind: str, content: list[etree._Element] | str, *, colspan: int = 1,
          rowspan: int = 1, align: str = "left") -> etree._Element:
    cell = sub(row, kind, align=align, colspan=str(colspan), rowspan=str(rowspan))
    if isinstance(content, str):
        sub(cell, "para", content)
    else:
        for item in content:
            cell.append(item)
    return cell


def table(table_id: str, label: str, caption: str, header: list[str]) -> tuple[etree._Element, etree._Element]:
    """A table element with its caption and header row; returns (table, tbody)."""
    element = db("table", frame="box", label=label, rules="all", xml_id=table_id)
    sub(element, "caption", caption)
    head_row = sub(sub(element, "thead"), "tr", valign="top")
    for name in header:
        _cell(head_row, "th", name, align="center")
    return element, sub(element, "tbody")


def xref(linkend: str, style: str = "select: labelnumber") -> etree._Element:
    return db("xref", linkend=linkend, xrefstyle=style)


@dataclass(frozen=True)
class ModuleUse:
    """A row of an IOD module table (or, with ``ie`` "", of a functional group table)."""

    ie: str
    name: str
    section_id: str
    usage: str  # "M", "U" or "C"
    condition: str


def usage_text(use: ModuleUse) -> str:
    if use.usage == "C" and use.condition:
        condition = use.condition.strip()
        return f"C - {condition}"
    return use.usage


def iod_module_table(table_id: str, label: str, iod: str, uses: list[ModuleUse]) -> etree._Element:
    """Columns IE, Module, Reference, Usage; consecutive rows of one IE share a rowspan cell."""
    element, body = table(table_id, label, f"{iod} IOD Modules", ["IE", "Module", "Reference", "Usage"])
    index = 0
    while index < len(uses):
        span = 1
        while index + span < len(uses) and uses[index + span].ie == uses[index].ie:
            span += 1
        for offset in range(span):
            use = uses[index + offset]
            row = sub(body, "tr", valign="top")
            if offset == 0:
                _cell(row, "td", use.ie, rowspan=span)
            _cell(row, "td", use.name)
            reference = db("para")
            reference.append(xref(use.section_id))
            _cell(row, "td", [reference])
            _cell(row, "td", usage_text(use))
        index += span
    return element


def functional_group_table(table_id: str, label: str, iod: str, uses: list[ModuleUse]) -> etree._Element:
    """Columns Functional Group Macro, Section, Usage."""
    element, body = table(
        table_id, label, f"{iod} Functional Group Macros", ["Functional Group Macro", "Section", "Usage"]
    )
    for use in uses:
        row = sub(body, "tr", valign="top")
        _cell(row, "td", use.name)
        reference = db("para")
        reference.append(xref(use.section_id))
        _cell(row, "td", [reference])
        _cell(row, "td", usage_text(use))
    return element


@dataclass
class AttributeEntry:
    """One row of an attribute table.

    ``include`` names a macro table (an "Include Table ..." row); ``placeholder`` is
    the text of a spanning row without a table link (the functional group items).
    """

    depth: int
    name: str = ""
    tag: str = ""
    type: str = ""
    description: list[etree._Element] = field(default_factory=list)
    include: str = ""
    placeholder: str = ""
    #: the Include row's own condition, written after the table link as PS3.3 does
    #: ("Include Table C.18.1-1 ... if and only if Value Type (0040,A040) is NUM.")
    include_condition: str = ""


def attribute_table(
    table_id: str, label: str, caption: str, rows: list[AttributeEntry], *, typed: bool = True
) -> etree._Element:
    """Columns Attribute Name, Tag, Type, Attribute Description (no Type when not ``typed``:
    the normalized modules of PS3.3 Annexes B-F have none)."""
    header = ["Attribute Name", "Tag", "Type", "Attribute Description"] if typed else [
        "Attribute Name", "Tag", "Attribute Description"
    ]
    element, body = table(table_id, label, caption, header)
    span = len(header) - 1
    for entry in rows:
        row = sub(body, "tr", valign="top")
        marks = ">" * entry.depth
        if entry.include or entry.placeholder:
            text = db("para")
            emphasis = sub(text, "emphasis", role="italic")
            if entry.include:
                emphasis.text = f"{marks}Include "
                link = xref(entry.include, "select: label quotedtitle")
                if entry.include_condition:
                    link.tail = f" if and only if {entry.include_condition}."
                emphasis.append(link)
            else:
                emphasis.text = f"{marks}{entry.placeholder}"
            _cell(row, "td", [text], colspan=span)
            _cell(row, "td", entry.description or [db("para")])
            continue
        _cell(row, "td", f"{marks}{entry.name}")
        _cell(row, "td", entry.tag, align="center")
        if typed:
            _cell(row, "td", entry.type, align="center")
        _cell(row, "td", entry.description or [db("para")])
    return element
