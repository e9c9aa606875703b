"""PS3.3, information object definitions: IOD module tables, functional group
macro tables, and the module and macro attribute tables they refer to.

* IOD module tables: tables with the columns IE, Module, Reference, Usage
  (Table A.3-1 ...); rowspans carry the IE down. The Reference cell's ``xref``
  names the module's section; the module's attribute table is the first
  attribute table in that section.
* Functional group macro tables: columns Functional Group Macro, Section, Usage
  (Table A.38-2 ...), attached to the IOD of the same Annex A section.
* Attribute tables: columns Attribute Name, Tag, Type, Attribute Description.
  Leading ">" marks give the sequence nesting; "Include" rows name a macro table
  by ``xref``; the description's variable lists give Enumerated Values and
  Defined Terms.

Every module and macro attribute table of the document is read, whether an IOD
reaches it or not (:func:`_every_attribute_table`): a table is an attribute table
by its header (the columns above, or Attribute Name, Tag, Attribute Description for
the normalized modules that have no Type column; their rows get Type ``""``) and by
its Tag column holding tags, never by its caption. Module or macro
(:func:`_kinds`): a table an IOD module table lists is a module; else a table a
functional group table lists or another table includes is a macro; else the
wording of the standard decides: a caption ending in "Module" or "Macro" (after
"Attributes"), else the section title ("... Module", "... Macro(s)"), else a macro
(an attribute set no IOD lists, e.g. "Encrypted Attributes Data Set Attributes").
References the input lacks (the PS3.3 excerpt lacks many) are collected as
:class:`~dicom_codegen.model.MissingReference`, never invented.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from lxml import etree

from .docbook import (
    PARA,
    SECTION,
    TABLE,
    TERM,
    TITLE,
    VARIABLELIST,
    XML_ID,
    XREF,
    Document,
    grid_rows,
    header_texts,
    link_target,
    load,
    outline_sections,
    text_of,
    text_with_links,
    title_of,
)
from .item_counts import ItemCount, item_count
from .model import AttributeRow, AttributeTable, InformationObjects, Iod, MissingReference, ModuleRef, Source
from .parse_elements import parse_tag

_IOD_HEADER = ["IE", "Module", "Reference", "Usage"]
_FG_HEADER = ["Functional Group Macro", "Section", "Usage"]
_ATTRIBUTE_HEADERS = (
    ["Attribute Name", "Tag", "Type", "Attribute Description"],
    ["Attribute Name", "Tag", "Type", "Description"],
)
#: The attribute tables of normalized modules (Annexes B-F), which have no Type column.
_TYPELESS_HEADER = ["Attribute Name", "Tag", "Attribute Description"]
_ANY_ATTRIBUTE_HEADER = (*_ATTRIBUTE_HEADERS, _TYPELESS_HEADER)
_TYPES = frozenset({"1", "1C", "2", "2C", "3"})
#: The ``include`` of the rows that stand for "the IOD's functional group macros".
FUNCTIONAL_GROUPS = "*functional-groups*"
_USAGE = re.compile(r"^(M|U|C)\b\s*(?:-\s*)?(.*)$", re.S)


class _Reader:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.sections = outline_sections(doc.root)
        self.tables: dict[str, AttributeTable] = {}
        self.missing: list[MissingReference] = []
        self._section_tables: dict[str, str] = {}

    def table_in_section(self, section_id: str) -> str:
        """The first attribute table inside a section (the module or macro it defines)."""
        found = self._section_tables.get(section_id)
        if found is None:
            section = self.sections.get(section_id)
            found = _first_attribute_table(section) if section is not None else ""
            self._section_tables[section_id] = found
        return found

    def usage(self, text: str, table: str, row: int) -> tuple[str, str]:
        match = _USAGE.match(text.strip())
        if match is None:
            raise self.doc.error(f"unreadable Usage {text!r}", table=table, row=row)
        return match.group(1), " ".join(match.group(2).split())

    def refs(self, table_id: str, header: list[str], what: str) -> list[ModuleRef]:
        table = self.doc.table(table_id)
        refs = []
        for row in grid_rows(table):
            texts = row.texts
            if len(texts) != len(header):
                raise self.doc.error(f"{len(texts)} cells, expected {len(header)}", table=table_id, row=row.number)
            ie, name, ref_cell, usage_text = (
                (texts[0], texts[1], row.cells[2], texts[3]) if what == "module" else ("", texts[0], row.cells[1], texts[2])
            )
            reference = link_target(ref_cell)
            if not reference:
                raise self.doc.error(f"no reference for {name!r}", table=table_id, row=row.number)
            usage, condition = self.usage(usage_text, table_id, row.number)
            target = self.table_in_section(reference)
            if not target:
                self.missing.append(MissingReference(table_id, row.number, reference, what))
            else:
                self.attribute_table(target, "module" if what == "module" else "macro")
            refs.append(ModuleRef(ie, name, reference, target, usage, condition, row.number))
        return refs

    def attribute_table(self, table_id: str, kind: str) -> None:
        if table_id in self.tables:
            return
        table = self.doc.table(table_id)
        header = header_texts(table)
        if header not in _ANY_ATTRIBUTE_HEADER:
            raise self.doc.error(f"unexpected columns {header!r} for an attribute table", table=table_id)
        typed = header != _TYPELESS_HEADER
        title = re.sub(r"\s+Attributes(\s+Description)?$", "", title_of(table) or table_id)
        title = re.sub(r"\b(Module|Macro) Table$", r"\1", title)  # "Enhanced XA/XRF Image Module Table"
        parent = table.getparent()
        section = (parent.get(XML_ID) or "") if parent is not None and parent.tag == SECTION else ""
        rows: list[AttributeRow] = []
        self.tables[table_id] = AttributeTable(table_id, title, kind, section, ())  # guards include cycles
        for row in grid_rows(table):
            entry = self.attribute_row(table_id, row.number, row.cells, row.texts, typed)
            if entry is not None:
                rows.append(entry)
        rows = _rules_stated_elsewhere(rows)
        self.tables[table_id] = AttributeTable(table_id, title, kind, section, tuple(rows))
        for entry in rows:
            if entry.include and entry.include != FUNCTIONAL_GROUPS:
                if self.doc.has_table(entry.include):
                    self.attribute_table(entry.include, "macro")
                else:
                    self.missing.append(MissingReference(table_id, entry.row, entry.include, "included macro"))

    def attribute_row(
        self, table_id: str, number: int, cells: tuple[etree._Element, ...], texts: tuple[str, ...], typed: bool = True
    ) -> AttributeRow | None:
        """The row; None for an italic heading row that spans the table. ``typed`` False:
        a table without a Type column, read as if its Type cells were blank."""
        if not typed:
            cells, texts = _blank_type_column(cells, texts)
        name = texts[0] if texts else ""
        stripped = name.lstrip(">")
        depth = len(name) - len(stripped)
        stripped = stripped.strip()
        if cells and cells[0] is cells[min(2, len(cells) - 1)]:  # a spanning "Include" row
            target = link_target(cells[0])
            if not target.startswith("table_") and "Functional Group Macros" in stripped:
                # The Shared/Per-frame Functional Groups Sequence items: filled with
                # the macros of each IOD's functional group table.
                return AttributeRow(stripped, "", 0, 0, depth, "", "", (), (), FUNCTIONAL_GROUPS, number)
            if not target.startswith("table_"):
                if stripped.startswith("Include"):
                    raise self.doc.error(
                        f"an Include row without a table reference: {name!r}", table=table_id, row=number
                    )
                return None
            restriction = texts[3] if len(texts) > 3 and cells[3] is not cells[0] else ""
            return AttributeRow(stripped, "", 0, 0, depth, "", restriction, (), (), target, number)
        if len(texts) != 4:
            raise self.doc.error(f"{len(texts)} cells, expected 4", table=table_id, row=number)
        if cells[0] is cells[1]:
            # "Any Attribute from the main data set ...": an item open to any attribute.
            type_ = texts[2].replace(" ", "")
            return AttributeRow(stripped, "", 0, 0, depth, type_, texts[3], (), (), "", number)
        parsed = parse_tag(texts[1])
        if parsed is None:
            raise self.doc.error(f"unreadable tag {texts[1]!r} of {stripped!r}", table=table_id, row=number)
        type_ = texts[2].replace(" ", "")
        if type_ not in _TYPES and (typed or type_):
            raise self.doc.error(f"{parsed[0]}: unknown Type {texts[2]!r}", table=table_id, row=number)
        terms = _Terms()
        terms.read(cells[3], parsed[0])
        terms.read_text(texts[3], parsed[0])
        for section in self.referenced_sections(cells[3], stripped, table_id):
            terms.read(section, parsed[0])
            for paragraph in section.iter(PARA):
                terms.read_text(text_of(paragraph), parsed[0])
                self.value_table(paragraph, parsed[0], terms)
        description = text_with_links(cells[3])
        items = item_count(description) if stripped.endswith("Sequence") else ItemCount(None, (), ())
        return AttributeRow(
            name=stripped,
            tag=parsed[0],
            value=parsed[1],
            mask=parsed[2],
            depth=depth,
            type=type_,
            description=description,
            enumerated_values=tuple(dict.fromkeys(terms.enumerated.get(0, []))),
            defined_terms=tuple(dict.fromkeys(terms.defined.get(0, []))),
            include="",
            row=number,
            value_enumerations=terms.by_value(terms.enumerated),
            value_defined_terms=terms.by_value(terms.defined),
            relations=tuple(dict.fromkeys(terms.relations)),
            item_count=items.count,
            item_sentences_unread=items.unread,
            item_values_of=items.values_of,
        )

    def value_table(self, paragraph: etree._Element, tag: str, terms: _Terms) -> None:
        """"Value 1 of Image Type (0008,0008) and Frame Type (0008,9007) shall use one of the
        following Enumerated Values from Table C.8-127": the first column of that table
        (found by its ``xml:id``) gives value 1's Enumerated Values (or Defined Terms)."""
        match = _VALUE_TABLE.match(text_of(paragraph))
        if match is None or tag.upper() not in (f"({g},{e})".upper() for g, e in _OTHER_TAG.findall(match.group("of"))):
            return
        target = link_target(paragraph, "table_")
        if not target or not self.doc.has_table(target):
            return
        names = [row.texts[0] for row in grid_rows(self.doc.table(target)) if row.texts and row.texts[0]]
        into = terms.enumerated if match.group("kind").startswith("Enumerated") else terms.defined
        into.setdefault(int(match.group("value")), []).extend(names)

    def referenced_sections(self, cell: etree._Element, name: str, table_id: str) -> list[etree._Element]:
        """The sections a description refers to ("See Section C.8.8.3.4.1") that are about
        the attribute: found by ``xml:id``, titled with the attribute's name (or a title
        holding it: "Modality LUT and Rescale Type"), and holding no attribute table (a
        module's section is not read as one attribute's)."""
        own = self.doc.table(table_id).getparent()
        found: list[etree._Element] = []
        wanted = _words(name)
        for link in cell.iter(XREF):
            target = link.get("linkend") or ""
            section = self.sections.get(target) if target.startswith("sect_") else None
            if section is None or section is own or section in found:
                continue
            title = _words(title_of(section))
            if not wanted or not title or (wanted not in title and title not in wanted):
                continue
            if _first_attribute_table(section):
                continue
            found.append(section)
        return found


_VALUE_NUMBER = re.compile(r"\bValue (\d+)\b", re.I)
_OTHER_TAG = re.compile(r"\(([0-9A-Fa-fx]{4}),([0-9A-Fa-fx]{4})\)")


_VALUE_TABLE = re.compile(
    r"^Value (?P<value>\d+) of (?P<of>.*?) shall use one of the following "
    r"(?P<kind>Enumerated Values|Defined Terms) from"
)
_VALUE_STATEMENT = re.compile(
    r"^(?:For [^,.]+, )?(?P<subject>This value|[^.]*?)\s*shall (?:be|have a value of) "
    r"(?P<values>\d+(?:(?:\s*,\s*|\s*or\s*)\d+)*)\s*\.?$"
)
_RELATION = re.compile(
    r"^(?:For [^,.]+, )?(?P<subject>[^.]*?)\s*[Ss]hall be (?P<how>one less than|equal to) "
    r"(?:the value (?:sent )?in )?[^().]*\((?P<g>[0-9A-Fa-f]{4}),(?P<e>[0-9A-Fa-f]{4})\)\s*\.?$"
)


_STATED_ELSEWHERE = re.compile(
    r"(?<!\w)(?P<condition>If [^.]+?), (?P<subject>[a-z][a-z ]+?) shall be (?:[A-Za-z ]+ )?\((?P<value>[A-Z][A-Z0-9_]*)\)\."
)


def _rules_stated_elsewhere(rows: list[AttributeRow]) -> list[AttributeRow]:
    """A sentence in one row's description that gives another attribute's value under a
    condition, naming that attribute by what its description says it specifies: "If Image
    Type (0008,0008) Value 1 is ORIGINAL and Value 3 is not LOCALIZER, output units shall
    be Hounsfield Units (HU)." (Rescale Intercept) is a rule of Rescale Type, which
    "Specifies the output units of ...". A subject no other row of the same level
    specifies, or several do, is left alone."""
    found = list(rows)
    for row in rows:
        for match in _STATED_ELSEWHERE.finditer(" ".join(row.description.split())):
            subject = match.group("subject")
            targets = [
                i for i, other in enumerate(found)
                if other is not row and other.tag and other.depth == row.depth
                and re.match(rf"Specifies the {re.escape(subject)}\b", other.description)
            ]
            if len(targets) != 1:
                continue
            target = found[targets[0]]
            rule = (match.group("condition"), (match.group("value"),))
            if rule not in target.value_rules:
                found[targets[0]] = dataclasses.replace(target, value_rules=target.value_rules + (rule,))
    return found


def _own_subject(subject: str, tag: str) -> bool:
    """A sentence's subject is the attribute itself: none ("Shall be ..."), "This value",
    "... in this image", or words ending with the attribute's own tag."""
    subject = subject.strip()
    if subject in ("", "This value") or subject.endswith("in this image"):
        return True
    tags = _OTHER_TAG.findall(subject)
    return bool(tags) and f"({tags[-1][0]},{tags[-1][1]})".upper() == tag.upper() and subject.endswith(")")


def _words(text: str) -> str:
    """Lower-case words joined by single spaces, for comparing a title and a name."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


class _Terms:
    """The Enumerated Values and Defined Terms of one attribute, by value number (0: every
    value), from the variable lists of its description and of the sections it refers to."""

    def __init__(self) -> None:
        self.enumerated: dict[int, list[str]] = {}
        self.defined: dict[int, list[str]] = {}
        self.relations: list[tuple[str, int]] = []

    def read_text(self, text: str, tag: str) -> None:
        """Constraints stated in sentences of the attribute's own: "This value shall be 12
        or 16." (Enumerated Values), "High Bit (0028,0102) shall be one less than Bits
        Stored (0028,0101)." / "Shall be one less than the value in ..." (a relation). A
        sentence whose subject is another attribute is not this one's."""
        for sentence in re.split(r"(?<=\.)\s+", text):
            value = _VALUE_STATEMENT.search(sentence)
            if value is not None and _own_subject(value.group("subject"), tag):
                numbers = re.findall(r"\d+", value.group("values"))
                self.enumerated.setdefault(0, []).extend(numbers)
            relation = _RELATION.search(sentence)
            if relation is not None and _own_subject(relation.group("subject"), tag):
                offset = -1 if relation.group("how") == "one less than" else 0
                self.relations.append((f"({relation.group('g')},{relation.group('e')})".upper(), offset))

    def read(self, node: etree._Element, tag: str) -> None:
        for listing in node.iter(VARIABLELIST):
            title = title_of(listing)
            other = [f"({g},{e})".upper() for g, e in _OTHER_TAG.findall(title)]
            if other and tag.upper() not in other and not re.search(r"\b(if|when)\b", title):
                continue  # "Defined Terms for Strain Nomenclature (0010,0213)": another attribute's
            kind = title.lower()
            if re.search(r"\bfor bits? \d", kind):
                continue  # "Enumerated Values for Bit 0 (lsb):": the bits of a bit field, not its values
            if kind.startswith("enumerated value") or re.match(r"value \d+ enumerated value", kind):
                into = self.enumerated
            elif kind.startswith("defined term") or re.match(r"value \d+ defined term", kind):
                into = self.defined
            else:
                continue
            into.setdefault(_value_number(listing, title), []).extend(text_of(t) for t in listing.iter(TERM))

    @staticmethod
    def by_value(terms: dict[int, list[str]]) -> tuple[tuple[int, tuple[str, ...]], ...]:
        return tuple((n, tuple(dict.fromkeys(v))) for n, v in sorted(terms.items()) if n)


def _value_number(listing: etree._Element, title: str) -> int:
    """The value a variable list is for: "Enumerated Values for Value 1:", "Value 2
    Enumerated Values:", or a list right after a paragraph about one value only ("Value 3
    shall ... Defined Terms:"); 0 for every value."""
    found = _VALUE_NUMBER.findall(title)
    if re.search(r"\b(if|when)\b", title):
        return 0  # "Enumerated Values if Image Type (0008,0008) Value 3 is ...": a condition
    if not found:
        before = listing.getprevious()
        if before is not None and before.tag == PARA and before.find(VARIABLELIST) is None:
            found = _VALUE_NUMBER.findall(text_of(before))
            if len(set(found)) != 1 or not re.match(r"\s*Value \d+\b", text_of(before)):
                found = []
    return int(found[0]) if len(set(found)) == 1 else 0


def _first_attribute_table(node: etree._Element) -> str:
    """The ``xml:id`` of the first attribute table in ``node``, in document order ("" if
    none). Subsections are walked child by child and an attribute table's own rows are
    never searched, which is what keeps this cheap for sections with large tables."""
    for child in node.iterchildren(TABLE, SECTION, "{*}*"):
        if child.tag == TABLE:
            if header_texts(child) in _ANY_ATTRIBUTE_HEADER:
                return child.get(XML_ID) or ""
            nested = _first_attribute_table(child)
        elif child.tag == SECTION:
            nested = _first_attribute_table(child)
        else:
            nested = next(
                (t.get(XML_ID) or "" for t in child.iter(TABLE) if header_texts(t) in _ANY_ATTRIBUTE_HEADER),
                None,
            ) or ""
        if nested:
            return nested
    return ""


def _iod_tables(doc: Document) -> tuple[list[tuple[str, etree._Element]], dict[str, str]]:
    """IOD module tables, and functional group tables keyed by their Annex A section."""
    doc.has_table("")  # index every table
    modules = []
    groups: dict[str, str] = {}
    for table_id, table in doc.tables.items():
        header = header_texts(table)
        if header == _IOD_HEADER:
            modules.append((table_id, table))
        elif header == _FG_HEADER:
            groups[_iod_section(table)] = table_id
    return modules, groups


def _iod_section(table: etree._Element) -> str:
    """The Annex A section that defines the IOD a table belongs to (``sect_A.38.1``)."""
    section = table.getparent()
    while section is not None and section.tag == SECTION:
        parent = section.getparent()
        title = title_of(section)
        if title.endswith("IOD") or parent is None or parent.tag != SECTION:
            return section.get(XML_ID) or ""
        section = parent
    return ""


def parse(path: Path) -> InformationObjects:
    """Read one PS3.3 file (complete or an excerpt)."""
    doc = load(path, 3)
    reader = _Reader(doc)
    module_tables, group_tables = _iod_tables(doc)
    iods = []
    counts: list[tuple[str, int]] = []
    for table_id, table in module_tables:
        name = re.sub(r"\s+IOD Modules$", "", title_of(table) or table_id)
        section_id = _iod_section(table)
        section = reader.sections.get(section_id)
        modules = reader.refs(table_id, _IOD_HEADER, "module")
        counts.append((table_id, len(modules)))
        group_table = group_tables.get(section_id, "")
        groups = reader.refs(group_table, _FG_HEADER, "functional group macro") if group_table else []
        if group_table:
            counts.append((group_table, len(groups)))
        iods.append(
            Iod(
                name=name,
                title=(title_of(section) if section is not None else "") or name,
                section=section_id,
                table=table_id,
                modules=tuple(modules),
                functional_group_table=group_table,
                functional_groups=tuple(groups),
            )
        )
    for table_id in _every_attribute_table(doc):
        reader.attribute_table(table_id, "")  # kinds are decided below, once every table is read
    kinds = _kinds(reader, iods)
    tables = tuple(
        _without_value_patterns(dataclasses.replace(reader.tables[key], kind=kinds[key]))
        for key in sorted(reader.tables, key=_table_order)
    )
    counts.extend((t.table, len(t.rows)) for t in tables)
    return InformationObjects(
        source=Source(3, doc.edition, path.name, doc.sha256),
        iods=tuple(iods),
        tables=tables,
        missing=tuple(reader.missing),
        table_counts=tuple(counts),
    )


def _table_order(table_id: str) -> tuple[tuple[int, str], ...]:
    """table_C.7-10 after table_C.7-9: compare the number runs as numbers."""
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"(\d+)", table_id))


# --- every attribute table of the document (issue #13) ---------------------------------


def _blank_type_column(
    cells: tuple[etree._Element, ...], texts: tuple[str, ...]
) -> tuple[tuple[etree._Element, ...], tuple[str, ...]]:
    """A row of a table without a Type column as a row of the four-column form: a blank
    Type cell after the Tag, or, where the first cell spans the Name and Tag columns (an
    "Include" row), that cell spanning the Type column as well."""
    if len(cells) < 2:
        return cells, texts
    if cells[0] is cells[1]:
        return (*cells[:2], cells[1], *cells[2:]), (*texts[:2], texts[1], *texts[2:])
    return (*cells[:2], etree.Element(PARA), *cells[2:]), (*texts[:2], "", *texts[2:])


def _holds_tags(table: etree._Element) -> bool:
    """Whether an attribute-table header heads an attribute table: some row's Tag cell
    holds a tag ("(0010,0010)", "(60xx,0010)"), or some row includes a table by
    ``xref``. A table of Defined Terms or codes under the same column names has neither."""
    for row in grid_rows(table):
        cells = row.cells
        if len(cells) < 2:
            continue
        if cells[0] is cells[1]:
            if any((link.get("linkend") or "").startswith("table_") for link in cells[0].iter(XREF)):
                return True
        elif parse_tag(row.texts[1]) is not None:
            return True
    return False


def _every_attribute_table(doc: Document) -> list[str]:
    """The ``xml:id`` of every module and macro attribute table of the document, in
    document order: found by their columns and their Tag column, wherever they are."""
    doc.has_table("")  # index every table
    return [
        table_id
        for table_id, table in doc.tables.items()
        if header_texts(table) in _ANY_ATTRIBUTE_HEADER and _holds_tags(table)
    ]


def _kinds(reader: _Reader, iods: list[Iod]) -> dict[str, str]:
    """"module" or "macro" for every table read. A table an IOD module table lists is a
    module; else one a functional group table lists or another table includes is a
    macro; else the standard's wording decides (:func:`_kind_by_wording`)."""
    modules = {m.table for iod in iods for m in iod.modules if m.table}
    macros = {g.table for iod in iods for g in iod.functional_groups if g.table}
    macros |= {
        row.include
        for table in reader.tables.values()
        for row in table.rows
        if row.include and row.include != FUNCTIONAL_GROUPS and row.include != table.table
    }
    kinds = {}
    for table_id in reader.tables:
        if table_id in modules:
            kinds[table_id] = "module"
        elif table_id in macros:
            kinds[table_id] = "macro"
        else:
            kinds[table_id] = _kind_by_wording(reader.doc.table(table_id))
    return kinds


_KIND_WORD = re.compile(r"\b(Module|Macro)s?$")


def _kind_by_wording(table: etree._Element) -> str:
    """The kind of a table nothing lists or includes, from the words PS3.3 names it with:
    its caption without "Attributes" / "Attributes Description" / "Table"
    ("Patient Relationship Module Attributes" -> module), else its section's title
    ("Palette Color Lookup Table Module", "General Anatomy Macros"), else a macro."""
    caption = re.sub(r"(\s+(Attributes|Description|Table))+$", "", title_of(table))
    parent = table.getparent()
    section = title_of(parent) if parent is not None and parent.tag == SECTION else ""
    for words in (caption, section):
        match = _KIND_WORD.search(words.strip())
        if match:
            return match.group(1).lower()
    return "macro"


def _without_value_patterns(table: AttributeTable) -> AttributeTable:
    """A term holding a backslash, the value delimiter (PS3.5 6.2), is a pattern of several
    values ("STANDARD\\C,R" of Image Display Format, C.13-3), never one value: Enumerated
    Values with one are no closed list of values and are dropped (the description keeps
    them); such Defined Terms are dropped one by one."""

    def values(terms: tuple[str, ...]) -> tuple[str, ...]:
        return () if any("\\" in t for t in terms) else terms

    def terms_only(terms: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(t for t in terms if "\\" not in t)

    rows = []
    for row in table.rows:
        if any("\\" in t for t in (*row.enumerated_values, *row.defined_terms)) or any(
            "\\" in t for _, terms in (*row.value_enumerations, *row.value_defined_terms) for t in terms
        ):
            row = dataclasses.replace(
                row,
                enumerated_values=values(row.enumerated_values),
                defined_terms=terms_only(row.defined_terms),
                value_enumerations=tuple((n, values(v)) for n, v in row.value_enumerations if values(v)),
                value_defined_terms=tuple((n, terms_only(v)) for n, v in row.value_defined_terms if terms_only(v)),
            )
        rows.append(row)
    return dataclasses.replace(table, rows=tuple(rows))
