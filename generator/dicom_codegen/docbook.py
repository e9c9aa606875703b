"""Reading DICOM DocBook 5 files: loading, finding tables by ``xml:id``, cell text.

This module knows DocBook, not DICOM semantics. Tables are HTML-style
(``table/thead/tbody/tr/th|td``) with ``rowspan`` and ``colspan`` attributes, which
:func:`grid_rows` resolves into a rectangular grid.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .errors import InputError

DOCBOOK_NS = "http://docbook.org/ns/docbook"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_NS = "{" + DOCBOOK_NS + "}"
_TABLE = _NS + "table"
_TR = _NS + "tr"
_TD = _NS + "td"
_TH = _NS + "th"
_WS = re.compile(r"\s+")
#: Zero-width spaces and soft hyphens are line-break hints in names, keywords and
#: UIDs; non-breaking
#: spaces are spaces.
_INVISIBLE = str.maketrans({"\u200b": None, "\u00ad": None, "\u00a0": " ", "\ufeff": None})

_PART_TITLE = re.compile(r"PS\s?3\.(\d+)")
_EDITION = re.compile(r"PS\s?3\.\d+\s+(\d{4}[a-e]?)")


def tag(local: str) -> str:
    """The qualified name of a DocBook element."""
    return _NS + local


def text_of(element: etree._Element) -> str:
    """The element's text with invisible characters removed and spaces folded."""
    raw = "".join(str(piece) for piece in element.itertext())
    return _WS.sub(" ", raw.translate(_INVISIBLE)).strip()


@dataclass(frozen=True)
class Document:
    """A loaded part of the standard."""

    path: Path
    part: int
    edition: str
    sha256: str
    root: etree._Element
    tables: dict[str, etree._Element]

    def table(self, table_id: str) -> etree._Element:
        """The table with this ``xml:id``; :class:`InputError` if there is none."""
        found = self.tables.get(table_id)
        if found is None:
            raise InputError(self.path, "table not found", table=table_id)
        return found

    def has_table(self, table_id: str) -> bool:
        return table_id in self.tables

    def error(self, reason: str, *, table: str | None = None, row: int | None = None) -> InputError:
        return InputError(self.path, reason, table=table, row=row)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(path: Path, expected_part: int) -> Document:
    """Parse one part of the standard and check it is the part we expect.

    Excerpts may repeat ``xml:id`` values (the PS3.3 excerpt does), so ids are not
    collected by the parser; the first table with an id wins and later duplicates
    are ignored.
    """
    if not path.is_file():
        raise InputError(path, "file not found")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    parser = etree.XMLParser(
        collect_ids=False, huge_tree=True, resolve_entities=False, no_network=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        lineno: object = exc.lineno
        line = lineno if isinstance(lineno, int) else None
        raise InputError(path, f"not well-formed XML: {exc.msg}", line=line) from None
    if root.tag != _NS + "book":
        raise InputError(path, f"not a DocBook 5 book (root element is {root.tag!r})")
    label = root.get("label") or root.get(XML_ID) or ""
    title_el = root.find(_NS + "title")
    subtitle_el = root.find(_NS + "subtitle")
    title = " ".join(
        text_of(e) for e in (title_el, subtitle_el) if e is not None
    )
    match = _PART_TITLE.search(label) or _PART_TITLE.search(title)
    if match is None:
        raise InputError(path, f"cannot tell which part of the standard this is (title {title!r})")
    part = int(match.group(1))
    if part != expected_part:
        raise InputError(path, f"wrong part: this is PS3.{part}, expected PS3.{expected_part}")
    edition_match = _EDITION.search(text_of(subtitle_el) if subtitle_el is not None else title)
    edition = edition_match.group(1) if edition_match else "unknown"
    tables: dict[str, etree._Element] = {}
    for table in root.iter(_TABLE):
        table_id = table.get(XML_ID)
        if table_id and table_id not in tables:
            tables[table_id] = table
    return Document(path, part, edition, digest, root, tables)


@dataclass(frozen=True)
class Row:
    """One body row of a table, with spans resolved: ``cells[i]`` is column ``i``.

    ``number`` is 1-based within the table body, as error messages give it.
    A cell that a span covers repeats the spanning element; a column the row does
    not fill is ``None``.
    """

    number: int
    element: etree._Element
    cells: tuple[etree._Element | None, ...]

    def texts(self) -> list[str]:
        return ["" if c is None else text_of(c) for c in self.cells]


def header_texts(table: etree._Element) -> list[str]:
    """The texts of the last header row (the one naming the columns)."""
    thead = table.find(_NS + "thead")
    if thead is None:
        return []
    rows = thead.findall(_TR)
    if not rows:
        return []
    texts: list[str] = []
    for cell in rows[-1]:
        if cell.tag in (_TH, _TD):
            span = int(cell.get("colspan") or 1)
            texts.extend([text_of(cell)] * span)
    return texts


def grid_rows(table: etree._Element) -> list[Row]:
    """The body rows of ``table`` as a grid, resolving rowspan and colspan."""
    tbody = table.find(_NS + "tbody")
    if tbody is None:
        return []
    pending: dict[int, tuple[etree._Element, int]] = {}  # column -> (cell, rows left)
    result: list[Row] = []
    for number, tr in enumerate(tbody.iter(_TR), start=1):
        cells: list[etree._Element | None] = []
        column = 0
        own = [c for c in tr if c.tag in (_TD, _TH)]
        index = 0
        while index < len(own) or column in pending:
            if column in pending:
                cell, left = pending[column]
                cells.append(cell)
                if left <= 1:
                    del pending[column]
                else:
                    pending[column] = (cell, left - 1)
                column += 1
                continue
            cell = own[index]
            index += 1
            colspan = max(1, int(cell.get("colspan") or 1))
            rowspan = max(1, int(cell.get("rowspan") or 1))
            for _ in range(colspan):
                cells.append(cell)
                if rowspan > 1:
                    pending[column] = (cell, rowspan - 1)
                column += 1
        result.append(Row(number, tr, tuple(cells)))
    return result
