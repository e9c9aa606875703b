"""What a row of an attribute table says beyond its cells, for :mod:`.passes_objects`: the
condition of an Include row, the row of an included table required under it, and the
Enumerated Values two modules both allow."""

from __future__ import annotations

import dataclasses
import re

from .conditions import condition_sentence
from .model import AttributeRow

INT_VRS = frozenset("US SS UL SL UV SV IS".split())


def include_condition(name: str) -> str:
    """The condition an Include row's text gives ("Include ... if and only if Value Type
    (0040,A040) is NUM." -> "Value Type (0040,A040) is NUM"); "" for none."""
    match = re.search(r"\bif (?:and only if )?(.+?)(?:\.(?:\s|$)|$)", name)
    return match.group(1).strip() if match else ""


def common_values(vr: str, kept: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    """The values of ``kept`` that ``new`` also enumerates; numbers compared as numbers
    (the Image Pixel Module's ``0000H`` is the Segmentation Image Module's ``0``)."""

    def value(text: str) -> object:
        text = text.strip()
        if vr in INT_VRS and re.fullmatch(r"[0-9A-Fa-f]+H", text):
            return int(text[:-1], 16)
        if vr in INT_VRS and re.fullmatch(r"-?\d+", text):
            return int(text)
        return text

    allowed = {value(v) for v in new}
    return tuple(v for v in kept if value(v) in allowed)


def conditional_row(row: AttributeRow, condition: str) -> AttributeRow:
    """A row of a table included under ``condition``: Type 1 and 2 become 1C and 2C
    required under it; a 1C or 2C row is required under both (its own condition's "or"
    would make the two ambiguous: such a row keeps its own)."""
    own = condition_sentence(row.description)
    if row.type in ("1", "2"):
        return dataclasses.replace(row, type=f"{row.type}C", description=f"Required if {condition}. {row.description}")
    if row.type in ("1C", "2C") and own and " or " not in f" {own} ":
        return dataclasses.replace(row, description=f"Required if {condition} and {own}. {row.description}")
    return row
