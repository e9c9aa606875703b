"""PS3.7, the command dictionary: Tables E.1-1 (command fields) and E.2-1 (retired)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .docbook import load
from .model import CommandDictionary, DataElement, Source
from .parse_elements import COMMANDS, parse_registry
from .parse_ps6 import check_unique


def parse(path: Path) -> CommandDictionary:
    """Read one PS3.7 file into a :class:`CommandDictionary`."""
    doc = load(path, 7)
    current = parse_registry(doc, "table_E.1-1", COMMANDS)
    retired: list[DataElement] = []
    if doc.has_table("table_E.2-1"):
        retired = [
            dataclasses.replace(e, retired=True)
            for e in parse_registry(doc, "table_E.2-1", COMMANDS)
        ]
    elements = current + retired
    for element in elements:
        if element.value >> 16 != 0:
            raise doc.error(
                f"{element.tag} is not a command element (group 0000)",
                table=element.table,
                row=element.row,
            )
    check_unique(doc, elements)
    counts = [("table_E.1-1", len(current))]
    if retired:
        counts.append(("table_E.2-1", len(retired)))
    return CommandDictionary(
        source=Source(7, doc.edition, path.name, doc.sha256),
        elements=tuple(elements),
        table_counts=tuple(counts),
    )
