"""Rows of data element registries (PS3.6 Tables 6-1, 7-1, 8-1, 9-1; PS3.7 E.x-1).

These tables share one shape: Tag, Name, Keyword, VR, VM, then either a retirement
column (PS3.6) or a description (PS3.7 Table E.1-1). The column layout is checked
against the header; a body row longer than the header, an unknown VR token or an
unreadable tag or VM is an :class:`~dicom_codegen.errors.InputError` naming the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from keyword import iskeyword

from .docbook import Document, grid_rows, header_texts
from .model import KNOWN_VRS, DataElement, Multiplicity

_TAG = re.compile(r"^\(([0-9A-Fa-fxX]{4}),\s*([0-9A-Fa-fxX]{4})\)$")
_VM_PART = re.compile(r"^(\d+)(?:-(?:(\d+)|(\d*)n))?$")
_RETIRED = re.compile(r"^RET(?:\s*\((\d{4}[a-e]?)\))?(?:\s*-\s*(.*))?$")
_SEE_NOTE = re.compile(r"^See\s+Note(?:\s+\d+)?$")
_KEYWORD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def is_keyword(text: str) -> bool:
    """Whether ``text`` can be a keyword: a Python identifier of ASCII letters, digits and
    ``_`` that is no Python keyword (``class``, ``None``)."""
    return _KEYWORD.match(text) is not None and not iskeyword(text)


@dataclass(frozen=True)
class Layout:
    """Which header names a registry table may have, in order.

    ``optional_last`` is a trailing column some editions omit from the header
    (PS3.6 2013 prints no header cell for the retirement column).
    """

    columns: tuple[tuple[str, ...], ...]
    last: str  # "retired" or "description"
    optional_last: bool


REGISTRY = Layout(
    columns=(("Tag",), ("Name",), ("Keyword",), ("VR",), ("VM",), ("",)),
    last="retired",
    optional_last=True,
)
COMMANDS = Layout(
    columns=(("Tag",), ("Message Field", "Name"), ("Keyword",), ("VR",), ("VM",), ("Description of Field", "Description")),
    last="description",
    optional_last=True,
)


def parse_tag(text: str) -> tuple[str, int, int] | None:
    """``(60xx,0010)`` -> ("(60xx,0010)", 0x60000010, 0xFF00FFFF); None if unreadable."""
    match = _TAG.match(text.strip())
    if match is None:
        return None
    digits = (match.group(1) + match.group(2)).upper().replace("X", "x")
    value = int(digits.replace("x", "0"), 16)
    mask = int("".join("0" if d == "x" else "F" for d in digits), 16)
    return f"({digits[:4]},{digits[4:]})", value, mask


@cache
def parse_vrs(text: str) -> tuple[str, ...] | None:
    """``US or SS`` -> ("US", "SS"); "", "See Note" and "See Note 2" -> (); None for an
    unknown token. Later editions number the note (Item, Item Delimitation Item and
    Sequence Delimitation Item: "See Note 2")."""
    if not text or _SEE_NOTE.match(text):
        return ()
    tokens = tuple(t.strip() for t in text.split(" or "))
    return tokens if all(t in KNOWN_VRS for t in tokens) else None


@cache
def parse_vm(text: str) -> Multiplicity | None:
    """A VM cell; None if it does not follow PS3.5 6.4."""
    alternatives: list[tuple[int, int | None, int]] = []
    for branch in text.split(" or "):
        match = _VM_PART.match(branch.strip())
        if match is None:
            return None
        low = int(match.group(1))
        if match.group(2) is not None:
            alternatives.append((low, int(match.group(2)), 1))
        elif match.group(3) is not None:
            step = int(match.group(3)) if match.group(3) else 1
            alternatives.append((low, None, step))
        else:
            alternatives.append((low, low, 1))
    return Multiplicity(text, tuple(alternatives))


def _check_layout(doc: Document, table_id: str, layout: Layout) -> int:
    """Check the header against ``layout``; return the number of columns."""
    header = header_texts(doc.table(table_id))
    expected = len(layout.columns)
    if len(header) not in (expected, expected - 1) or (
        len(header) == expected - 1 and not layout.optional_last
    ):
        raise doc.error(
            f"unexpected column count {len(header)} (expected {expected}: "
            f"{', '.join(c[0] or '<unnamed>' for c in layout.columns)})",
            table=table_id,
        )
    for index, (name, accepted) in enumerate(zip(header, layout.columns)):
        if layout.last == "retired" and index == expected - 1:
            continue  # the retirement column has no or an empty header
        if name not in accepted:
            raise doc.error(
                f"column {index + 1} is headed {name!r}, expected {accepted[0]!r}",
                table=table_id,
            )
    return expected


def parse_registry(doc: Document, table_id: str, layout: Layout) -> list[DataElement]:
    """Every row of one registry table as :class:`DataElement`."""
    columns = _check_layout(doc, table_id, layout)
    elements: list[DataElement] = []
    for row in grid_rows(doc.table(table_id)):
        cells = list(row.texts)
        if len(cells) > columns:
            raise doc.error(
                f"{len(cells)} cells in a table of {columns} columns", table=table_id, row=row.number
            )
        if len(cells) < columns - 1:
            raise doc.error(
                f"only {len(cells)} cells in a table of {columns} columns",
                table=table_id,
                row=row.number,
            )
        cells += [""] * (columns - len(cells))  # an omitted trailing cell is empty
        tag_text, name, keyword, vr_text, vm_text, last = cells

        def fail(reason: str) -> Exception:
            return doc.error(f"{tag_text}: {reason}", table=table_id, row=row.number)

        parsed_tag = parse_tag(tag_text)
        if parsed_tag is None:
            raise doc.error(f"unreadable tag {tag_text!r}", table=table_id, row=row.number)
        tag, value, mask = parsed_tag
        if keyword and not is_keyword(keyword):
            raise fail(f"keyword {keyword!r} is not an identifier" + (" (a Python keyword)" if iskeyword(keyword) else ""))
        vrs = parse_vrs(vr_text)
        if vrs is None:
            unknown = [t for t in vr_text.split(" or ") if t.strip() not in KNOWN_VRS]
            raise fail(f"unknown VR token {unknown[0].strip()!r} in {vr_text!r}")
        vm = None
        if vm_text:
            vm = parse_vm(vm_text)
            if vm is None:
                raise fail(f"unreadable VM {vm_text!r}")
        retired = False
        retired_since: str | None = None
        note = ""
        description = ""
        if layout.last == "retired":
            match = _RETIRED.match(last)
            if match:
                retired = True
                retired_since = match.group(1)
                note = match.group(2) or ""
            else:
                note = last
        else:
            description = last
        elements.append(
            DataElement(
                tag=tag,
                value=value,
                mask=mask,
                name=name,
                keyword=keyword,
                vrs=vrs,
                vr_text=vr_text,
                vm=vm,
                retired=retired,
                retired_since=retired_since,
                note=note,
                table=table_id,
                row=row.number,
                description=description,
            )
        )
    return elements
