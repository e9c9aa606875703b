"""Reading DICOM DocBook 5 files: loading, finding tables by ``xml:id``, cell text.

This module knows DocBook, not DICOM semantics. Tables are HTML-style
(``table/thead/tbody/tr/th|td``) with ``rowspan`` and ``colspan`` attributes, which
:func:`grid_rows` resolves into a rectangular grid.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
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
#: Zero-width spaces and soft hyphens are line-break hints in names, keywords and
#: UIDs; non-breaking spaces are spaces.
_INVISIBLE_PAIRS = (("\u200b", ""), ("\u00ad", ""), ("\u00a0", " "), ("\ufeff", ""))

_PART_TITLE = re.compile(r"PS\s?3\.(\d+)")
_EDITION = re.compile(r"PS\s?3\.\d+\s+(\d{4}[a-z]?)\b")


def tag(local: str) -> str:
    """The qualified name of a DocBook element."""
    return _NS + local


CHAPTER = tag("chapter")
SECTION = tag("section")
TITLE = tag("title")
CAPTION = tag("caption")
TABLE = tag("table")
PARA = tag("para")
XREF = tag("xref")
OLINK = tag("olink")
VARIABLELIST = tag("variablelist")
TERM = tag("term")


def link_target(element: etree._Element | None, prefix: str = "") -> str:
    """The ``linkend`` of the first ``xref`` inside ``element`` that starts with
    ``prefix`` ("" if there is none): the table an "Include" row names, the section
    a Reference cell names."""
    if element is None:
        return ""
    for link in element.iter(XREF):
        target = link.get("linkend") or ""
        if target.startswith(prefix):
            return target
    return ""


def title_of(element: etree._Element) -> str:
    """The text of a section's ``title`` or a table's ``caption`` ("" if it has none)."""
    found = element.find(CAPTION if element.tag == TABLE else TITLE)
    return text_of(found) if found is not None else ""


def _raw_text(element: etree._Element) -> str:
    text: str = etree.tostring(element, method="text", encoding="unicode", with_tail=False)
    return text


def text_of(element: etree._Element) -> str:
    """The element's text with invisible characters removed and spaces folded."""
    text = _raw_text(element)
    for invisible, replacement in _INVISIBLE_PAIRS:
        text = text.replace(invisible, replacement)
    return " ".join(text.split())


#: How a cross-reference's target reads in text, by the prefix of its ``xml:id``.
_LINK_WORDS = (
    ("sect_", "Section "),
    ("table_", "Table "),
    ("figure_", "Figure "),
    ("chapter_", "Chapter "),
    ("biblio_", "["),
)


def link_text(link: etree._Element) -> str:
    """What an ``xref`` (or ``olink``) stands for in running text: the section, table or
    figure number of its target (``Section C.7.6.1.1.2``), prefixed by the part of an
    ``olink`` (``PS3.6 Section 6``); its own text if it has some."""
    own = text_of(link)
    if own:
        return own
    target = link.get("linkend") or link.get("targetptr") or ""
    words = target
    for prefix, word in _LINK_WORDS:
        if target.startswith(prefix):
            words = word + target.removeprefix(prefix) + ("]" if word == "[" else "")
            break
    document = link.get("targetdoc") or ""
    if link.tag != OLINK:
        return words
    return document if target in ("", document) else f"{document} {words}".strip()


def text_with_links(element: etree._Element) -> str:
    """:func:`text_of`, with each cross-reference read as :func:`link_text` says (the
    plain text of DocBook drops an empty ``xref``: "See for further explanation")."""
    if not any(True for _ in element.iter(XREF, OLINK)):
        return text_of(element)
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                if child.tag in (XREF, OLINK):
                    parts.append(" " + link_text(child) + " ")
                else:
                    walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    text = "".join(parts)
    for invisible, replacement in _INVISIBLE_PAIRS:
        text = text.replace(invisible, replacement)
    text = " ".join(text.split())
    return re.sub(r" (?=[.,;:)])|(?<=\() ", "", text)


@dataclass(frozen=True)
class Document:
    """A loaded part of the standard."""

    path: Path
    part: int
    edition: str
    sha256: str
    root: etree._Element
    tables: dict[str, etree._Element]
    _searched: list[bool] = field(default_factory=lambda: [False])

    def _lookup(self, table_id: str) -> etree._Element | None:
        found = self.tables.get(table_id)
        if found is None and not self._searched[0]:
            # A table outside the structural outline (inside a para or note, say):
            # index every table of the document once.
            self._searched[0] = True
            for table in self.root.iter(_TABLE):
                key = table.get(XML_ID)
                if key and key not in self.tables:
                    self.tables[key] = table
            found = self.tables.get(table_id)
        return found

    def table(self, table_id: str) -> etree._Element:
        """The table with this ``xml:id``; :class:`InputError` if there is none."""
        found = self._lookup(table_id)
        if found is None:
            raise InputError(self.path, "table not found", table=table_id)
        return found

    def has_table(self, table_id: str) -> bool:
        return self._lookup(table_id) is not None

    def error(self, reason: str, *, table: str | None = None, row: int | None = None) -> InputError:
        return InputError(self.path, reason, table=table, row=row)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def syntax_reason(exc: etree.XMLSyntaxError) -> str:
    """lxml's reason without the ", line N, column M" it appends: the error names the line
    itself, and the column is said once (``Premature end of data in tag td line 2745, column 3``:
    the tag opened on line 2745, the file ended at column 3 of the line the error names)."""
    reason = re.sub(r", line \d+, column (\d+)$", r", column \1", str(exc.msg))
    return reason


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
        root = etree.fromstring(data, parser, base_url=str(path))  # the path, for errors found later (_span)
    except etree.XMLSyntaxError as exc:
        lineno: object = exc.lineno
        line = lineno if isinstance(lineno, int) else None
        raise InputError(path, f"not well-formed XML: {syntax_reason(exc)}", line=line) from None
    if root.tag != _NS + "book":
        raise InputError(path, f"not a DocBook 5 book (root element is {root.tag!r})")
    separate_blocks(root)
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
    return Document(path, part, edition, digest, root, _outline_tables(root))


#: Elements that are blocks of text: their text never runs into what touches them.
_BLOCKS = tuple(
    _NS + name
    for name in (
        "para", "simpara", "note", "variablelist", "varlistentry", "term", "listitem",
        "itemizedlist", "orderedlist", "title", "caption",
    )
)
_SPACES = " \t\n\r"


def separate_blocks(root: etree._Element) -> None:
    """Put a space between a paragraph (or list, note, term ...) and what touches it.

    Text is read with ``tostring(method="text")``, which joins adjacent elements as
    they are: ``<para>A.</para><para>B.</para>`` would read "A.B.". Files that
    indent their markup have whitespace there anyway; files written without it (later
    editions in places) must read the same, "A. B.". Only elements that touch
    something are changed, so an indented file reads as before.
    """
    for element in root.iter(*_BLOCKS):
        tail = element.tail
        if not (tail and tail[0] in _SPACES) and (
            (tail and not tail.isspace()) or element.getnext() is not None
        ):
            element.tail = " " + (tail or "")
        if element.getprevious() is None:
            parent = element.getparent()
            text = parent.text if parent is not None else None
            if parent is not None and text and text[-1] not in _SPACES:
                parent.text = text + " "


_OUTLINE = frozenset(
    _NS + name for name in ("book", "part", "chapter", "appendix", "section", "preface", "article")
)


def _outline_tables(root: etree._Element) -> dict[str, etree._Element]:
    """Tables that are children of the book's chapters and sections, by ``xml:id``.

    Walking the outline only (not paragraphs, not the tables' thousands of cells)
    is what makes this cheap; :meth:`Document.table` falls back to a full search.
    The first table with an id wins; later duplicates (excerpts) are ignored.
    """
    tables: dict[str, etree._Element] = {}

    def walk(node: etree._Element) -> None:
        for child in node.iterchildren(_TABLE, *_OUTLINE):
            if child.tag == _TABLE:
                table_id = child.get(XML_ID)
                if table_id and table_id not in tables:
                    tables[table_id] = child
            else:
                walk(child)

    walk(root)
    return tables


def outline_sections(root: etree._Element) -> dict[str, etree._Element]:
    """Every ``section`` of the book's outline by ``xml:id`` (the first of a repeated id),
    found by walking chapters and sections only, not their paragraphs and tables."""
    sections: dict[str, etree._Element] = {}

    def walk(node: etree._Element) -> None:
        for child in node.iterchildren(*_OUTLINE):
            if child.tag == SECTION:
                key = child.get(XML_ID)
                if key and key not in sections:
                    sections[key] = child
            walk(child)

    walk(root)
    return sections


@dataclass(frozen=True)
class Row:
    """One body row of a table, with spans resolved: ``cells[i]`` is column ``i``.

    ``number`` is 1-based within the table body, as error messages give it.
    A cell that a span covers repeats the spanning element. ``texts`` holds the
    cleaned text of each cell (see :func:`text_of`).
    """

    number: int
    element: etree._Element
    cells: tuple[etree._Element, ...]
    texts: tuple[str, ...]


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
            texts.extend([text_of(cell)] * _span(table, cell, "colspan", None))
    return texts


#: The widest span read (PS3.3, 3.4 and 3.6 span at most 23 rows and 10 columns): a larger
#: one is refused, as it would make rows of millions of cells.
MAX_SPAN = 1000
_WHOLE = re.compile(r"\s*[0-9]+\s*")


def _span(table: etree._Element, cell: etree._Element, name: str, row: int | None) -> int:
    """A cell's ``colspan`` or ``rowspan`` (1 if it has none; 0 is read as 1); anything but
    a whole number up to :data:`MAX_SPAN` is an :class:`InputError` naming the file (the
    document's URL, which :func:`load` sets to its path), the table, the row and the line."""
    text = cell.get(name)
    if text is None:
        return 1
    if _WHOLE.fullmatch(text) is None or int(text) > MAX_SPAN:
        sourceline: object = cell.sourceline
        raise InputError(
            cell.getroottree().docinfo.URL or "<document>",
            f"{name} {text!r} is not a whole number up to {MAX_SPAN}",
            table=table.get(XML_ID) or "(no xml:id)",
            row=row,
            line=sourceline if isinstance(sourceline, int) else None,
        )
    return max(1, int(text))


_SEPARATOR = "\ue000"  # a private-use character never found in the standard's text


def _clean_all(raw: list[str]) -> list[str]:
    """:func:`text_of`'s clean-up for many texts at once (one pass over one string)."""
    joined = _SEPARATOR.join(raw)
    for invisible, replacement in _INVISIBLE_PAIRS:
        joined = joined.replace(invisible, replacement)
    return [" ".join(part.split()) for part in joined.split(_SEPARATOR)]


def _plain_rows(rows: list[tuple[etree._Element, tuple[etree._Element, ...]]]) -> list[Row]:
    """Rows of a table without spans; cell texts are cleaned in one batch."""
    raw = [_raw_text(cell) for _, cells in rows for cell in cells]
    texts = iter(_clean_all(raw))
    return [
        Row(number, tr, cells, tuple(next(texts) for _ in cells))
        for number, (tr, cells) in enumerate(rows, start=1)
    ]


def grid_rows(table: etree._Element) -> list[Row]:
    """The body rows of ``table`` as a grid, resolving rowspan and colspan."""
    tbody = table.find(_NS + "tbody")
    if tbody is None:
        return []
    rows = [(tr, tuple(tr.iterchildren(_TD, _TH))) for tr in tbody.iterchildren(_TR)]
    widths = {len(cells) for _, cells in rows}
    # Every row with the same number of cells, at least as many as the header has
    # columns: no cell can span rows (the next row would have fewer cells) nor
    # columns (the row would be wider than the table), so no span needs resolving.
    # Checking the attributes of every cell instead costs as much as the rest.
    if len(widths) <= 1 and min(widths, default=0) >= len(header_texts(table)):
        return _plain_rows(rows)
    pending: dict[int, tuple[etree._Element, int]] = {}  # column -> (cell, rows left)
    result: list[Row] = []
    for number, (tr, own) in enumerate(rows, start=1):
        cells: list[etree._Element] = []
        column = 0
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
            colspan = _span(table, cell, "colspan", number)
            rowspan = _span(table, cell, "rowspan", number)
            for _ in range(colspan):
                cells.append(cell)
                if rowspan > 1:
                    pending[column] = (cell, rowspan - 1)
                column += 1
        result.append(Row(number, tr, tuple(cells), tuple(text_of(c) for c in cells)))
    return result
