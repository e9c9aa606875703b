"""PS3.6, the data dictionary: Tables 6-1, 7-1, 8-1, 9-1 and A-1, A-2, A-3."""

from __future__ import annotations

import re
from pathlib import Path

from .docbook import OLINK, XREF, Document, grid_rows, header_texts, load
from .model import ContextGroup, DataElement, Dictionary, FrameOfReference, Source, Uid
from .parse_elements import REGISTRY, is_keyword, parse_registry

#: Registry tables, in order. Table 9-1 only exists in some editions.
ELEMENT_TABLES: tuple[tuple[str, bool], ...] = (
    ("table_6-1", True),
    ("table_7-1", True),
    ("table_8-1", True),
    ("table_9-1", False),
)
_CID = re.compile(r"sect_CID_(\w+)")


def check_unique(doc: Document, elements: list[DataElement]) -> None:
    """A tag listed twice is an error that names the second row."""
    seen: dict[tuple[int, int], DataElement] = {}
    for element in elements:
        key = (element.value, element.mask)
        first = seen.get(key)
        if first is not None:
            raise doc.error(
                f"duplicated tag {element.tag} (first listed in {first.table} row {first.row})",
                table=element.table,
                row=element.row,
            )
        seen[key] = element


def parse_uids(doc: Document, table_id: str = "table_A-1") -> list[Uid]:
    """Table A-1. Editions up to 2015b have no keyword column; later ones do."""
    header = header_texts(doc.table(table_id))
    layouts = {
        ("UID Value", "UID Name", "UID Type", "Part"): (0, 1, None, 2, 3),
        ("UID Value", "UID Name", "UID Keyword", "UID Type", "Part"): (0, 1, 2, 3, 4),
        ("UID Value", "UID Name", "Keyword", "UID Type", "Part"): (0, 1, 2, 3, 4),
    }
    layout = layouts.get(tuple(header))
    if layout is None:
        raise doc.error(
            f"unexpected columns {header!r} (expected UID Value, UID Name, [UID Keyword,] "
            "UID Type, Part)",
            table=table_id,
        )
    value_at, name_at, keyword_at, type_at, part_at = layout
    uids: list[Uid] = []
    seen: dict[str, int] = {}
    for row in grid_rows(doc.table(table_id)):
        cells = list(row.texts)
        if len(cells) != len(header):
            raise doc.error(
                f"{len(cells)} cells in a table of {len(header)} columns",
                table=table_id,
                row=row.number,
            )
        value = cells[value_at].replace(" ", "")
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", value):
            raise doc.error(f"unreadable UID {cells[value_at]!r}", table=table_id, row=row.number)
        if value in seen:
            raise doc.error(
                f"duplicated UID {value} (first listed in row {seen[value]})",
                table=table_id,
                row=row.number,
            )
        seen[value] = row.number
        name = cells[name_at]
        keyword = cells[keyword_at] if keyword_at is not None else ""
        if keyword and not is_keyword(keyword):
            raise doc.error(f"{value}: keyword {keyword!r} is not an identifier", table=table_id, row=row.number)
        uids.append(
            Uid(
                value=value,
                name=name,
                keyword=keyword,
                keyword_derived=False,
                type=cells[type_at],
                part=cells[part_at],
                retired="(Retired)" in name,
                table=table_id,
                row=row.number,
            )
        )
    return uids


def parse_frames(doc: Document) -> list[FrameOfReference]:
    """Table A-2, well-known frames of reference (UID, name, normative reference)."""
    table_id = "table_A-2"
    frames = []
    for row in grid_rows(doc.table(table_id)):
        cells = list(row.texts)
        if len(cells) != 3:
            raise doc.error(f"{len(cells)} cells, expected 3", table=table_id, row=row.number)
        frames.append(FrameOfReference(cells[0].replace(" ", ""), cells[1], cells[2], row.number))
    return frames


def parse_context_groups(doc: Document) -> list[ContextGroup]:
    """Table A-3. The CID cell is an ``olink`` into PS3.16, so its target names the CID."""
    table_id = "table_A-3"
    groups = []
    for row in grid_rows(doc.table(table_id)):
        cells = row.cells
        if len(cells) != 3:
            raise doc.error(f"{len(cells)} cells, expected 3", table=table_id, row=row.number)
        cid = row.texts[1]
        for link in cells[1].iter(OLINK, XREF):
            match = _CID.search(link.get("targetptr") or link.get("linkend") or "")
            if match:
                cid = match.group(1)
                break
        # Some editions list a UID with empty CID and name cells (a reserved UID).
        texts = row.texts
        groups.append(ContextGroup(texts[0].replace(" ", ""), cid, texts[2], row.number))
    return groups


def parse(path: Path) -> Dictionary:
    """Read one PS3.6 file into a :class:`Dictionary`."""
    doc = load(path, 6)
    elements: list[DataElement] = []
    counts: list[tuple[str, int]] = []
    for table_id, required in ELEMENT_TABLES:
        if not required and not doc.has_table(table_id):
            continue
        rows = parse_registry(doc, table_id, REGISTRY)
        counts.append((table_id, len(rows)))
        elements.extend(rows)
    check_unique(doc, elements)
    uids = parse_uids(doc)
    frames = parse_frames(doc)
    groups = parse_context_groups(doc)
    counts += [("table_A-1", len(uids)), ("table_A-2", len(frames)), ("table_A-3", len(groups))]
    return Dictionary(
        source=Source(6, doc.edition, path.name, doc.sha256),
        elements=tuple(elements),
        uids=tuple(uids),
        frames_of_reference=tuple(frames),
        context_groups=tuple(groups),
        table_counts=tuple(counts),
    )
