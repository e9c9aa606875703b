"""PS3.3 reconstructed from the innolitics transcription (``dicom-standard==0.1.0``).

That transcription was scraped from NEMA's HTML rendering of the then current
standard (the files are dated April 2020; no edition letter is recorded), so the
reconstruction is labelled edition ``2020x``: "a 2020 edition, letter unknown".

What it gives, and how it is turned back into DocBook:

* ``ciods.json``: 143 composite IODs, each with the URL of its module table
  (``sect_A.3.3.html#table_A.3-1``): the table keeps that ``xml:id``; the IOD's
  section, titled "<name> IOD", comes from the URL's page and the table label
  (``A.3``; ``A.8.2`` for ``sect_A.8.2.3``; ``A.35.1`` for ``table_A.35.1-1``; ``A.18``
  for ``table_A.18.3-1`` in ``sect_A.18.3``, the IOD's Module Table subsection), a new
  subsection where several IODs would share one (the first of ``sect_A.8``: ``A.8.1``).
* ``ciod_to_modules.json``: the module table rows (IE, module, usage, condition);
  ``ciod_to_fg_macros.json``: the functional group macro tables (26 IODs). The
  functional group table, which the transcription gives no id, is numbered after the
  module table (``table_A.38-2``).
* ``modules.json``, ``macros.json``: 375 modules and 260 macros with the URL of their
  table (``sect_C.7.html#table_C.7-1``). The table keeps its ``xml:id`` and goes into
  the section of the URL's page, or into a new numbered subsection of it when the
  page holds several tables (section numbers that NEMA's HTML does not show are
  invented, the smallest number not used by a page).
* ``module_to_attributes.json``, ``macro_to_attributes.json``: attribute rows with
  tag, Type and description (HTML), macros expanded. Rows whose nesting, tags and
  Types are exactly those of a whole macro are folded back into an
  "Include Table ..." row naming the macro's table (largest macro first; inside a
  macro table only smaller macros, so includes never form a cycle). Modules whose
  rows have no Type (the normalized modules of Annexes B-F) get tables without a
  Type column, as PS3.3 prints them.
* The Shared and Per-frame Functional Groups Sequences, whose items the
  transcription leaves empty, get the standard's ">Include one or more Functional
  Group Macros ..." row.
* Descriptions: ``<p>`` becomes ``para``, "Enumerated Values:" / "Defined Terms:"
  with their ``<dl>`` a titled ``variablelist``, "Note" blocks ``note``. The
  paragraphs of a description cell are written with no whitespace between them, a
  form the parser has to join with a space.
* Attribute names come from ``attributes.json`` (PS3.6 as transcribed) by tag.
* The conditions of the Document Content Macro's Include rows ("if and only if Value
  Type (0040,A040) is NUM"), which the transcription drops, are restored from PS3.3
  Table C.17-5 (``INCLUDE_CONDITIONS``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from . import book, html_text
from .book import AttributeEntry, ModuleUse, Outline
from .sources import innolitics_dir, load_json, version_of

EDITION = "2020x"
#: The conditions of Include rows, which the transcription drops with the rest of an
#: Include row's text (it expands the macro instead): (including table, included macro)
#: -> the condition PS3.3 gives after "if and only if". Table C.17-5, the Document Content
#: Macro, includes each value type's macro for that value type only; read as
#: unconditional, every value type's Type 1 attributes would be required of every item.
INCLUDE_CONDITIONS = {
    ("document-content", macro): f"Value Type (0040,A040) is {value_type}"
    for macro, value_type in (
        ("numeric-measurement", "NUM"),
        ("code", "CODE"),
        ("composite-object-reference", "COMPOSITE"),
        ("image-reference", "IMAGE"),
        ("waveform-reference", "WAVEFORM"),
        ("spatial-coordinates", "SCOORD"),
        ("3d-spatial-coordinates", "SCOORD3D"),
        ("temporal-coordinates", "TCOORD"),
        ("container", "CONTAINER"),
    )
}
FUNCTIONAL_GROUP_SEQUENCES = {
    "(5200,9229)": "Include one or more Functional Group Macros that are shared by all frames. "
    "The selected Functional Group Macros shall not be present in the Per-frame Functional "
    "Groups Sequence (5200,9230).",
    "(5200,9230)": "Include one or more Functional Group Macros. For each invocation of a "
    "particular Functional Group Macro, the Functional Group Macro shall not also be present "
    "in the Shared Functional Groups Sequence (5200,9229).",
}
_PAGE = re.compile(r"/(sect|chapter)_([^/#]+)\.html#(table_[^#]+)$")
_HEADING = re.compile(r"<h\d>\s*([A-Z0-9][\w.]*)\u00a0(.*?)</h\d>", re.S)
_SECTION_URL = re.compile(r"#sect_([A-Z]{1,2}\.[0-9]+(?:\.[0-9]+)*)$")
_TYPED = frozenset({"1", "1C", "2", "2C", "3"})


@dataclass(frozen=True)
class Row:
    path: tuple[str, ...]  # tags below the module/macro, outermost first
    tag: str
    type: str
    description: str  # HTML


@dataclass(frozen=True)
class Placed:
    """A module or macro table: where it is and what it holds."""

    key: str
    name: str
    kind: str  # "Module" or "Macro"
    table_id: str
    page: str  # label of the page section of its URL
    description: str
    rows: tuple[Row, ...]


def _normal_tag(text: str) -> str:
    inner = text.strip()[1:-1].replace(" ", "")
    group, _, element = inner.partition(",")
    return f"({group.upper().replace('X', 'x')},{element.upper().replace('X', 'x')})"


def _url_parts(url: str, what: str) -> tuple[str, str]:
    """(page label, table xml:id) of ``.../sect_C.7.html#table_C.7-1``."""
    match = _PAGE.search(url)
    if match is None:
        raise ValueError(f"{what}: unreadable linkToStandard {url!r}")
    return match.group(2), match.group(3)


def _table_label(table_id: str) -> str:
    return table_id.removeprefix("table_")


def _iod_section(page: str, stem: str) -> str:
    """The label of an IOD's section, from the page of its module table's URL and the
    table label's stem (``sect_A.8.2.3`` + ``A.8`` -> ``A.8.2``; ``sect_A.35`` +
    ``A.35.1`` -> ``A.35.1``; ``sect_A.3.3`` + ``A.3`` -> ``A.3``; ``sect_A.18.3`` +
    ``A.18.3`` -> ``A.18``)."""
    if stem.startswith(page + "."):
        return stem
    if page == stem and page.count(".") >= 2:
        # the IOD's "Module Table" subsection, whose table is numbered after it
        # (table_A.18.3-1 in sect_A.18.3): the IOD is its parent, as PS3.4 cites it (sect_A.18)
        return book.parent_label(page)
    if page == stem:
        return page  # the first IOD of a group: a new subsection (A.8 -> A.8.1)
    if page.count(".") >= 2:
        return book.parent_label(page)
    return stem


def _rows(entries: list[dict[str, Any]], key_field: str) -> dict[str, list[Row]]:
    rows: dict[str, list[Row]] = defaultdict(list)
    for entry in entries:
        owner = entry[key_field]
        parts = entry["path"].split(":")
        if parts[0] != owner:
            raise ValueError(f"{key_field} {owner}: path {entry['path']!r} does not start with it")
        rows[owner].append(Row(tuple(p.lower() for p in parts[1:]), _normal_tag(entry["tag"]),
                               str(entry["type"]), entry.get("description") or ""))
    return rows


class _Folder:
    """Folds expanded macro rows back into "Include" rows."""

    def __init__(self, macros: list[Placed]) -> None:
        self.by_start: dict[tuple[str, str], list[tuple[int, int, Placed, tuple[tuple[tuple[str, ...], str], ...]]]] = defaultdict(list)
        for order, macro in enumerate(macros):
            if not macro.rows or len(macro.rows[0].path) != 1:
                continue
            signature = tuple((r.path, r.type) for r in macro.rows)
            self.by_start[(macro.rows[0].path[0], macro.rows[0].type)].append(
                (-len(signature), order, macro, signature)
            )
        for candidates in self.by_start.values():
            candidates.sort(key=lambda c: (c[0], c[1]))

    def fold(self, rows: tuple[Row, ...], limit: int | None, own: str) -> list[Row | tuple[int, Placed]]:
        """``rows`` with whole macros replaced by (depth, macro); only macros with fewer
        than ``limit`` rows (None: any) and never the table ``own`` itself."""
        result: list[Row | tuple[int, Placed]] = []
        index = 0
        count = len(rows)
        while index < count:
            row = rows[index]
            prefix = row.path[:-1]
            found: tuple[int, Placed] | None = None
            for negative_length, _, macro, signature in self.by_start.get((row.path[-1], row.type), ()):
                length = -negative_length
                if macro.key == own or (limit is not None and length >= limit) or index + length > count:
                    continue
                if index + length < count and len(rows[index + length].path) > len(prefix) + 1:
                    continue  # the module adds attributes inside the macro's sequences
                depth = len(prefix)
                if all(
                    rows[index + j].path[:depth] == prefix
                    and rows[index + j].path[depth:] == signature[j][0]
                    and rows[index + j].type == signature[j][1]
                    for j in range(length)
                ):
                    found = (depth, macro)
                    break
            if found is not None:
                result.append(found)
                index += len(found[1].rows)
            else:
                result.append(row)
                index += 1
        return result


class Reconstruction:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ciods: list[dict[str, Any]] = load_json(folder / "ciods.json")
        self.modules: list[dict[str, Any]] = load_json(folder / "modules.json")
        self.macros: list[dict[str, Any]] = load_json(folder / "macros.json")
        self.ciod_modules: list[dict[str, Any]] = load_json(folder / "ciod_to_modules.json")
        self.ciod_groups: list[dict[str, Any]] = load_json(folder / "ciod_to_fg_macros.json")
        self.attributes: list[dict[str, Any]] = load_json(folder / "attributes.json")
        self.references: dict[str, str] = load_json(folder / "references.json")
        module_rows = _rows(load_json(folder / "module_to_attributes.json"), "moduleId")
        macro_rows = _rows(load_json(folder / "macro_to_attributes.json"), "macroId")
        self.names: dict[str, str] = {_normal_tag(a["tag"]): a["name"] for a in self.attributes if a.get("name")}
        self.placed_modules = [self._placed(m, "Module", module_rows) for m in self.modules]
        self.placed_macros = [self._placed(m, "Macro", macro_rows) for m in self.macros]
        self.unnamed: set[str] = set()

    def _placed(self, entry: dict[str, Any], kind: str, rows: dict[str, list[Row]]) -> Placed:
        page, table_id = _url_parts(entry["linkToStandard"], f"{kind.lower()} {entry['id']}")
        return Placed(entry["id"], entry["name"], kind, table_id, page, entry.get("description") or "",
                      tuple(rows.get(entry["id"], ())))

    def section_titles(self) -> dict[str, str]:
        titles: dict[str, str] = {}
        text: str
        for text in self.references.values():
            for match in _HEADING.finditer(text):
                titles.setdefault(match.group(1), " ".join(match.group(2).split()))
        return titles

    def referenced_sections(self) -> dict[str, str]:
        """Label -> HTML body (its heading removed) of each PS3.3 section the transcription's
        ``references.json`` holds (the sections its descriptions link to)."""
        bodies: dict[str, str] = {}
        for url, text in self.references.items():
            match = _SECTION_URL.search(url)
            if match is None or "/part03/" not in url:
                continue
            bodies.setdefault(match.group(1), _HEADING.sub("", text, count=1))
        return dict(sorted(bodies.items(), key=lambda item: book.label_key(item[0])))

    def name_of(self, tag: str) -> str:
        name = self.names.get(tag)
        if name is None:
            self.unnamed.add(tag)
            return f"Attribute {tag}"
        return name

    def entries(self, placed: Placed, folder: _Folder, ids: dict[str, str]) -> tuple[list[AttributeEntry], bool]:
        limit = len(placed.rows) if placed.kind == "Macro" else None
        folded = folder.fold(placed.rows, limit, placed.key)
        typed = all(r.type in _TYPED for r in placed.rows)
        entries: list[AttributeEntry] = []
        for index, item in enumerate(folded):
            if isinstance(item, tuple):
                depth, macro = item
                condition = INCLUDE_CONDITIONS.get((placed.key, macro.key), "") if depth == 0 else ""
                entries.append(AttributeEntry(depth, include=ids[macro.key], include_condition=condition))
                continue
            depth = len(item.path) - 1
            entries.append(AttributeEntry(
                depth,
                name=self.name_of(item.tag),
                tag=item.tag,
                type=item.type if typed else "",
                description=html_text.description(item.description),
            ))
            following = folded[index + 1] if index + 1 < len(folded) else None
            has_children = isinstance(following, tuple) and following[0] > depth or (
                isinstance(following, Row) and len(following.path) > len(item.path)
            )
            if item.tag in FUNCTIONAL_GROUP_SEQUENCES and not has_children:
                entries.append(AttributeEntry(
                    depth + 1,
                    placeholder=">" * 0 + FUNCTIONAL_GROUP_SEQUENCES[item.tag],
                    description=[book.para(
                        "For each IOD that includes this module, a table is defined in which the "
                        "permitted Functional Group Macros and their usage is specified."
                    )],
                ))
        return entries, typed

    def build(self) -> etree._Element:
        outline = Outline()
        titles = self.section_titles()
        pages: dict[str, list[Placed]] = defaultdict(list)
        for placed in self.placed_macros + self.placed_modules:
            pages[placed.page].append(placed)
        iod_tables: dict[str, tuple[str, str, str]] = {}  # ciod id -> (table id, page, iod section)
        iod_pages: dict[str, tuple[str, str]] = {}
        for ciod in self.ciods:
            page, table_id = _url_parts(ciod["linkToStandard"], f"IOD {ciod['id']}")
            iod_pages[ciod["id"]] = (page, table_id)
        referenced = self.referenced_sections()
        # Every labelled section first, so that invented numbers avoid them.
        for label in sorted(set(pages) | {p for p, _ in iod_pages.values()} | set(referenced), key=book.label_key):
            outline.section(label, titles.get(label, ""))
        taken: set[str] = set()
        for ciod in self.ciods:
            page, table_id = iod_pages[ciod["id"]]
            stem = _table_label(table_id).rpartition("-")[0].rpartition("_")[2]
            chosen = _iod_section(page, stem)
            if chosen in taken or not chosen:
                chosen = outline.fresh_child(chosen or page, "").label
            elif chosen == page:
                chosen = outline.fresh_child(page, "").label
            taken.add(chosen)
            outline.section(chosen, f"{ciod['name']} IOD")
            iod_tables[ciod["id"]] = (table_id, page, chosen)
        for placed in self.placed_macros + self.placed_modules:
            outline.claim_table(placed.table_id)
        for table_id, _, _ in iod_tables.values():
            outline.claim_table(table_id)

        # Module and macro sections.
        section_of: dict[str, str] = {}
        iod_sections = {stem for _, _, stem in iod_tables.values()} | {p for _, p, _ in iod_tables.values()}
        for label in sorted(pages, key=book.label_key):
            here = pages[label]
            for placed in here:
                title = f"{placed.name} {placed.kind}"
                if len(here) == 1 and "." in label and label not in iod_sections:
                    section = outline.section(label, title)
                else:
                    section = outline.fresh_child(label, title)
                section_of[placed.key + "/" + placed.kind] = f"sect_{section.label}"
        ids = {p.key: p.table_id for p in self.placed_macros}
        folder = _Folder(self.placed_macros)
        for placed in self.placed_macros + self.placed_modules:
            label = section_of[placed.key + "/" + placed.kind].removeprefix("sect_")
            section = outline.section(label)
            if placed.description:
                section.content.extend(html_text.description(placed.description))
            entries, typed = self.entries(placed, folder, ids)
            section.content.append(book.attribute_table(
                placed.table_id, _table_label(placed.table_id), f"{placed.name} {placed.kind} Attributes",
                entries, typed=typed,
            ))

        # The sections descriptions refer to ("See Section C.8.2.1.1.4"), with their text: where
        # the transcription has one's body, and the section holds nothing else.
        for label, body in referenced.items():
            section = outline.section(label)
            if not section.content and not section.children:
                section.content.extend(html_text.description(body))

        # IODs.
        module_section = {p.key: section_of[p.key + "/Module"] for p in self.placed_modules}
        macro_section = {p.key: section_of[p.key + "/Macro"] for p in self.placed_macros}
        module_names = {m["id"]: m["name"] for m in self.modules}
        macro_names = {m["id"]: m["name"] for m in self.macros}
        uses: dict[str, list[ModuleUse]] = defaultdict(list)
        for entry in self.ciod_modules:
            uses[entry["ciodId"]].append(ModuleUse(
                entry["informationEntity"], module_names[entry["moduleId"]], module_section[entry["moduleId"]],
                entry["usage"], entry.get("conditionalStatement") or "",
            ))
        groups: dict[str, list[ModuleUse]] = defaultdict(list)
        for entry in self.ciod_groups:
            groups[entry["ciodId"]].append(ModuleUse(
                "", macro_names[entry["macroId"]], macro_section[entry["macroId"]],
                entry["usage"], entry.get("conditionalStatement") or "",
            ))
        for ciod in self.ciods:
            table_id, page, stem = iod_tables[ciod["id"]]
            name = ciod["name"]
            outline.section(stem, f"{name} IOD")
            description = outline.fresh_child(stem, f"{name} IOD Description")
            description.content.extend(html_text.description(ciod.get("description") or ""))
            if page != stem and page.startswith(stem + ".") and not outline.sections[page].content:
                holder = outline.section(page, f"{name} IOD Module Table")
            else:
                holder = outline.fresh_child(stem, f"{name} IOD Module Table")
            holder.content.append(book.iod_module_table(table_id, _table_label(table_id), name, uses[ciod["id"]]))
            if groups.get(ciod["id"]):
                group_id, group_label = outline.fresh_table_id(_table_label(table_id).rpartition("-")[0], 2)
                outline.claim_table(group_id)
                group_section = outline.fresh_child(stem, f"{name} Functional Group Macros")
                group_section.content.append(book.functional_group_table(group_id, group_label, name, groups[ciod["id"]]))
        note = (
            "A reconstruction, not the DICOM standard: rebuilt as DocBook for scale and variety tests "
            f"from the innolitics transcription (PyPI dicom-standard {version_of('dicom-standard')}), "
            "which was scraped from NEMA's HTML in 2020. Section numbers that the HTML does not show are "
            "invented; macros are folded back into Include rows where the expanded rows match them."
        )
        return book.book(3, EDITION, "Information Object Definitions", outline, note, titles)


def _squeeze_descriptions(root: etree._Element) -> None:
    """No whitespace between the blocks of description cells: the text of adjacent
    paragraphs must still be read with a space between them."""
    for cell in root.iter("{%s}td" % book.DOCBOOK_NS):
        blocks = list(cell)
        if len(blocks) > 1:
            cell.text = None
            for block in blocks:
                block.tail = None


def write(out: Path) -> Path:
    """Write ``out/2020x/part03.xml``; returns its path."""
    reconstruction = Reconstruction(innolitics_dir())
    root = reconstruction.build()
    etree.indent(root, space="  ")
    _squeeze_descriptions(root)
    path = out / EDITION / "part03.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    etree.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True, standalone=False)
    return path
