"""PS3.4, service classes: SOP class listings, DIMSE service groups, query keys.

What is read, and how it is found:

* SOP class tables: every table whose columns are headed "SOP Class Name", "SOP
  Class UID" (Table B.5-1 and its kin in each annex); each row is cited by the
  table's ``xml:id``. The "IOD Specification" column's ``olink`` gives the PS3.3
  section of the IOD.
* SOP classes defined in text (Verification, Print, Storage Commitment, ...): the
  sentences that give a UID, with the SOP class named in them.
* "DIMSE Service Group" tables (first column "DICOM Message Service Element"):
  the services each SOP class uses, with SCU/SCP usage.
* Query/Retrieve keys (Annex C) and Modality Worklist keys (Annex K) from the
  tables named in :data:`QUERY_TABLES`, found by ``xml:id``.

Everything is kept as PS3.4 prints it; :mod:`dicom_codegen.passes` resolves names,
kinds, service classes and DIMSE services, with PS3.6 where it is there.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from .docbook import (
    CHAPTER,
    OLINK,
    PARA,
    SECTION,
    TABLE,
    XML_ID,
    Document,
    Row,
    grid_rows,
    header_texts,
    link_target,
    load,
    text_of,
    title_of,
)
from .model import (
    DimseGroup,
    MetaSopClassMembers,
    QueryKey,
    QueryLevel,
    ServiceClass,
    ServiceRegistry,
    SopClassListing,
    Source,
)
from .parse_elements import parse_tag

_UID = re.compile(r"1\.2\.840\.10008(?:\.\d+)+")
_WORDS = r"((?:[A-Z0-9][\w/&\-]*)(?: (?:[A-Z0-9][\w/&\-]*|and|of|for|to|in))*)"
# "The Basic Film Session SOP Class UID shall ...", "the Printer SOP Instance"
_NAMED = re.compile(r"\b" + _WORDS + r" (Meta SOP Class|SOP Class|SOP Instance|Service Class)\b")
# "1.2.840.10008.5.1.4.34.6.1 (UPS Push SOP Class)"
_NAMED_AFTER = re.compile(r"^\W*\(" + _WORDS + r" (Meta SOP Class|SOP Class|SOP Instance|Service Class)\)")
_WORDS_AT_END = re.compile(_WORDS + r"$")
#: Innermost paragraphs outside tables that give a UID (zero-width spaces ignored).
_UID_PARAS = etree.XPath(
    ".//d:para[not(ancestor::d:table)][not(.//d:para)]"
    "[contains(translate(., '\u200b\u00ad', ''), '1.2.840.10008.')]",
    namespaces={"d": "http://docbook.org/ns/docbook"},
)
_DIMSE_HEADERS = ("DICOM Message Service Element", "DIMSE Service element", "DIMSE Service Element")

#: (model, level, table id) of each query key table, in PS3.4 order. The Study Root
#: model shares the Series and Image level tables of the Patient Root model
#: (PS3.4 C.6.2.1).
QUERY_TABLES: tuple[tuple[str, str, str], ...] = (
    ("Patient Root", "PATIENT", "table_C.6-1"),
    ("Patient Root", "STUDY", "table_C.6-2"),
    ("Patient Root", "SERIES", "table_C.6-3"),
    ("Patient Root", "IMAGE", "table_C.6-4"),
    ("Study Root", "STUDY", "table_C.6-5"),
    ("Study Root", "SERIES", "table_C.6-3"),
    ("Study Root", "IMAGE", "table_C.6-4"),
    ("Modality Worklist", "", "table_K.6-1"),
)
_QR_HEADERS = (("Attribute Name", "Tag", "Type"), ("Description", "Tag", "Type"))
_MWL_HEADERS = (
    ("Description / Module", "Tag", "Matching Key Type", "Return Key Type", "Remark / Matching Type"),
)


def _strip_article(words: str) -> str:
    return re.sub(r"^(?:The|This|Each|A|An)\b ?", "", words)


def _annex_of(element: etree._Element) -> str:
    for ancestor in element.iterancestors(CHAPTER):
        return ancestor.get("label") or ""
    return ""


def _section_of(element: etree._Element) -> etree._Element | None:
    for ancestor in element.iterancestors(SECTION):
        return ancestor
    return None


def service_classes(doc: Document) -> list[ServiceClass]:
    """The annexes (chapters labelled with letters) and their titles."""
    found = []
    for chapter in doc.root.iterchildren(CHAPTER):
        label = chapter.get("label") or ""
        if label.isalpha():
            name = re.sub(r"\s*\((?:Normative|Informative)\)\s*$", "", title_of(chapter))
            found.append(ServiceClass(label, re.sub(r"(\w)\(", r"\1 (", name)))
    return found


def _sop_class_tables(doc: Document) -> list[tuple[str, etree._Element, list[str]]]:
    doc.has_table("")  # index every table, not only the outline's
    result = []
    for table_id, table in doc.tables.items():
        header = header_texts(table)
        if header[:2] == ["SOP Class Name", "SOP Class UID"]:
            result.append((table_id, table, header))
    return result


def table_listings(doc: Document) -> tuple[list[SopClassListing], list[tuple[str, int]]]:
    """Rows of every SOP class table."""
    listings: list[SopClassListing] = []
    counts: list[tuple[str, int]] = []
    for table_id, table, header in _sop_class_tables(doc):
        retired = "Retired" in title_of(table)
        iod_column = next((i for i, h in enumerate(header) if h.startswith("IOD Specification")), None)
        special_column = next((i for i, h in enumerate(header) if h == "Specialization"), None)
        annex = _annex_of(table)
        rows = grid_rows(table)
        counts.append((table_id, len(rows)))
        for row in rows:
            texts = row.texts
            if len(texts) < 2:
                raise doc.error(f"{len(texts)} cells, expected at least 2", table=table_id, row=row.number)
            if not re.search(r"[A-Za-z0-9]", texts[0]):
                raise doc.error(f"no SOP Class Name (the cell reads {texts[0]!r})", table=table_id, row=row.number)
            uid = texts[1].replace(" ", "")
            if not _UID.fullmatch(uid):
                raise doc.error(f"unreadable SOP Class UID {texts[1]!r}", table=table_id, row=row.number)
            reference = ""
            if iod_column is not None and iod_column < len(row.cells):
                for link in row.cells[iod_column].iter(OLINK):
                    reference = link.get("targetptr") or ""
                    break
            specialization = texts[special_column] if special_column is not None and special_column < len(texts) else ""
            listings.append(
                SopClassListing(
                    uid=uid,
                    name=texts[0],
                    kind="SOP Class",
                    annex=annex,
                    source=table_id,
                    row=row.number,
                    iod_reference=reference,
                    specialization=specialization,
                    retired=retired,
                )
            )
    return listings, counts


def text_listings(doc: Document) -> list[SopClassListing]:
    """UIDs given in sentences of the annexes, outside tables."""
    listings = []
    for chapter in doc.root.iterchildren(CHAPTER):
        annex = chapter.get("label") or ""
        if not annex.isalpha():
            continue
        found = _UID_PARAS(chapter)
        for para in found if isinstance(found, list) else []:
            if not isinstance(para, etree._Element):
                continue
            sentence = text_of(para)
            named = [
                (m.start(), _strip_article(m.group(1)), m.group(2)) for m in _NAMED.finditer(sentence)
            ]
            named = [n for n in named if n[1]]
            for match in _UID.finditer(sentence):
                after = _NAMED_AFTER.match(sentence[match.end() :])
                before = [n for n in named if n[0] < match.start()]
                if after is not None:
                    name, kind = _strip_article(after.group(1)), after.group(2)
                elif before:
                    name, kind = before[-1][1], before[-1][2]
                elif named:
                    name, kind = named[0][1], named[0][2]
                else:
                    name, kind = "", ""
                if kind == "SOP Class" and name.endswith(" Meta"):
                    name, kind = name.removesuffix(" Meta"), "Meta SOP Class"
                section = _section_of(para)
                listings.append(
                    SopClassListing(
                        uid=match.group(0),
                        name=name,
                        kind=kind,
                        annex=annex,
                        source=(section.get(XML_ID) or "") if section is not None else "",
                        row=0,
                        iod_reference="",
                        specialization="",
                        retired=False,
                    )
                )
    return listings


def _cells(doc: Document, table_id: str, row: Row, least: int) -> tuple[str, ...]:
    """The texts of a row that must have at least ``least`` cells; fewer is an :class:`InputError`."""
    if len(row.texts) < least:
        raise doc.error(f"{len(row.texts)} cells, expected at least {least}", table=table_id, row=row.number)
    return row.texts


def dimse_groups(doc: Document) -> list[DimseGroup]:
    groups = []
    for table_id, table in doc.tables.items():
        header = header_texts(table)
        if not header or header[0] not in _DIMSE_HEADERS:
            continue
        applies = re.sub(r"^DIMSE Service Group Applicable to (the )?", "", title_of(table))
        section = _section_of(table)
        # The SOP class is defined by the section above the "DIMSE Service Group" one.
        owner = section.getparent() if section is not None else None
        services = []
        for row in grid_rows(table):
            _cells(doc, table_id, row, 1)
            service = row.texts[0].split(" - ")[0].strip()
            usage = row.texts[1] if len(row.texts) > 1 else ""
            if service:
                services.append((service, usage))
        groups.append(
            DimseGroup(
                table=table_id,
                annex=_annex_of(table),
                section=(owner.get(XML_ID) or "") if owner is not None and owner.tag == SECTION else "",
                applies_to=applies,
                services=tuple(services),
            )
        )
    return groups


def meta_members(doc: Document) -> list[MetaSopClassMembers]:
    """Tables listing the SOP classes of a Meta SOP class (header "SOP Class Name", "Reference", ...)."""
    found = []
    for table_id, table in doc.tables.items():
        header = header_texts(table)
        if header[:2] == ["SOP Class Name", "Reference"] and "Optional" not in title_of(table):
            section = _section_of(table)
            found.append(
                MetaSopClassMembers(
                    table=table_id,
                    section=(section.get(XML_ID) or "") if section is not None else "",
                    members=tuple(_cells(doc, table_id, row, 1)[0] for row in grid_rows(table)),
                )
            )
    return found


def query_keys(doc: Document, table_id: str, depth: int = 0, seen: tuple[str, ...] = ()) -> list[QueryKey]:
    """The keys of one table, with "Include Table" rows replaced by the included keys."""
    if table_id in seen:
        raise doc.error(f"table includes itself through {' -> '.join(seen)}", table=table_id)
    table = doc.table(table_id)
    header = header_texts(table)
    worklist = tuple(header) in _MWL_HEADERS
    if not worklist and tuple(header) not in _QR_HEADERS and not header[:2] == ["Attribute Name", "Tag"]:
        raise doc.error(f"unexpected columns {header!r} for query keys", table=table_id)
    keys: list[QueryKey] = []
    for row in grid_rows(table):
        texts = _cells(doc, table_id, row, 1)
        name = texts[0]
        level = depth + len(name) - len(name.lstrip(">"))
        name = name.lstrip(">").strip()
        spanning = bool(row.cells) and all(c is row.cells[0] for c in row.cells)
        if spanning:
            target = link_target(row.cells[0], "table_")
            if name.startswith("Include") and not target:
                raise doc.error(f"an Include row without a table reference: {texts[0]!r}", table=table_id, row=row.number)
            if target:
                if not doc.has_table(target):
                    raise doc.error(f"included {target} not found", table=table_id, row=row.number)
                keys.extend(query_keys(doc, target, level, (*seen, table_id)))
            continue  # otherwise a module heading row of a worklist table
        _cells(doc, table_id, row, 5 if worklist else 3)
        parsed = parse_tag(texts[1]) if texts[1] else None
        if texts[1] and parsed is None:
            raise doc.error(f"unreadable tag {texts[1]!r}", table=table_id, row=row.number)
        if parsed is None:
            continue  # "All other Attributes at ... Level": no key of its own
        if worklist:
            matching, return_type, remark = texts[2], texts[3], texts[4]
        else:
            matching, return_type, remark = (texts[2] if len(header) > 2 else ""), "", ""
        keys.append(QueryKey(name, parsed[0], parsed[1], level, matching, return_type, remark, row.number, table_id))
    return keys


def query_level(doc: Document, model: str, level: str, table_id: str) -> QueryLevel:
    return QueryLevel(model, level, table_id, tuple(query_keys(doc, table_id)))


def _sop_class_phrases(doc: Document) -> list[tuple[str, str]]:
    """(annex, name) for every "<Name> SOP Class" phrase in the annexes' text."""
    seen: dict[tuple[str, str], None] = {}
    for chapter in doc.root.iterchildren(CHAPTER):
        annex = chapter.get("label") or ""
        if not annex.isalpha():
            continue
        text = text_of(chapter)
        # Look back from each " SOP Class": a regex scanning the whole text for
        # capitalised runs is forty times slower.
        at = text.find(" SOP Class")
        while at >= 0:
            match = _WORDS_AT_END.search(text, max(0, at - 160), at)
            if match is not None:
                seen.setdefault((annex, match.group(1)), None)
            at = text.find(" SOP Class", at + 1)
    return list(seen)


def behaviors(doc: Document) -> list[tuple[str, str, str]]:
    """The sections on SCU and SCP behaviour, as (annex, xml:id, title)."""
    found = []
    for chapter in doc.root.iterchildren(CHAPTER):
        annex = chapter.get("label") or ""
        if not annex.isalpha():
            continue
        for section in chapter.iter(SECTION):
            title = title_of(section)
            if "Behavior" in title and section.get(XML_ID):
                found.append((annex, section.get(XML_ID) or "", title))
    return found


def parse(path: Path) -> ServiceRegistry:
    """Read one PS3.4 file into a :class:`ServiceRegistry` (listings, not yet resolved)."""
    doc = load(path, 4)
    listings, counts = table_listings(doc)
    listings += text_listings(doc)
    levels = []
    for model, level, table_id in QUERY_TABLES:
        if model == "Modality Worklist" and not doc.has_table(table_id):
            continue
        levels.append(query_level(doc, model, level, table_id))
        counts.append((table_id, len(levels[-1].keys)))
    return ServiceRegistry(
        source=Source(4, doc.edition, path.name, doc.sha256),
        service_classes=tuple(service_classes(doc)),
        listings=tuple(listings),
        dimse_groups=tuple(dimse_groups(doc)),
        meta_members=tuple(meta_members(doc)),
        query_levels=tuple(levels),
        annex_texts=tuple(_sop_class_phrases(doc)),
        behaviors=tuple(behaviors(doc)),
        table_counts=tuple(counts),
    )
