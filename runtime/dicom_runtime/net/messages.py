"""DIMSE command sets by keyword (PS3.7 Section 9.3 and 10.3) and status codes (Annex C).

:func:`command` builds a command set from the keywords of PS3.7 Table E.1-1,
with each element's VR from the dictionary; :class:`Status` gives a status code
its PS3.7 category and meaning.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from ..dataset import Dataset
from ..dictionary import lookup
from .dimse import COMMAND_FIELDS, NO_DATA_SET

DATA_SET_PRESENT = 0x0000  # Command Data Set Type: any value but 0x0101 means a data set follows
VERIFICATION = "1.2.840.10008.1.1"

#: Status codes of PS3.7 Annex C and of the PS3.4 service classes, with meanings.
STATUS_MEANINGS: Mapping[int, str] = {
    0x0000: "Success",
    0x0001: "Warning: requested optional attributes are not supported",
    0x0107: "Warning: attribute list error",
    0x0116: "Warning: attribute value out of range",
    0xB000: "Warning: coercion of data elements, or sub-operations complete with one or more failures",
    0xB006: "Warning: elements discarded",
    0xB007: "Warning: data set does not match SOP class",
    0x0105: "Failure: no such attribute",
    0x0106: "Failure: invalid attribute value",
    0x0110: "Failure: processing failure",
    0x0111: "Failure: duplicate SOP instance",
    0x0112: "Failure: no such SOP instance",
    0x0113: "Failure: no such event type",
    0x0114: "Failure: no such argument",
    0x0115: "Failure: invalid argument value",
    0x0117: "Failure: invalid object instance",
    0x0118: "Failure: no such SOP class",
    0x0119: "Failure: class-instance conflict",
    0x0120: "Failure: missing attribute",
    0x0121: "Failure: missing attribute value",
    0x0122: "Refused: SOP class not supported",
    0x0123: "Failure: no such action",
    0x0124: "Refused: not authorized",
    0x0210: "Failure: duplicate invocation",
    0x0211: "Failure: unrecognized operation",
    0x0212: "Failure: mistyped argument",
    0x0213: "Failure: resource limitation",
    0xA700: "Refused: out of resources",
    0xA701: "Refused: out of resources - unable to calculate number of matches",
    0xA702: "Refused: out of resources - unable to perform sub-operations",
    0xA801: "Refused: move destination unknown",
    0xA900: "Error: data set or identifier does not match SOP class",
    0xC000: "Error: cannot understand",
    0xFE00: "Cancel: matching or sub-operations terminated due to a cancel request",
    0xFF00: "Pending: matches are continuing",
    0xFF01: "Pending: matches are continuing, optional keys not supported",
}


#: What each code means for each service, in the words of PS3.4 (B.2.3 for C-STORE, C.4.1.1.4,
#: C.4.2.1.5 and C.4.3.1.4 for C-FIND, C-MOVE and C-GET; PS3.7 Annex C for the general codes):
#: one code means different things in different services (B000 is a coercion for C-STORE and
#: sub-operations with failures for C-MOVE). Codes not listed take :data:`STATUS_MEANINGS`.
SERVICE_STATUS_MEANINGS: dict[str, dict[int, str]] = {
    "C-ECHO": {0x0000: "Success", 0x0211: "Failure: Unrecognized operation (PS3.7 C.5)"},
    "C-STORE": {
        0x0000: "Success",
        0xB000: "Warning: Coercion of Data Elements",
        0xA700: "Refused: Out of Resources",
        0xA900: "Error: Data Set does not match SOP Class",
        0xC000: "Error: Cannot understand",
        0xC111: "Error: Cannot understand - duplicate SOP Instance with another data set (this implementation's Cxxx code)",
        0x0117: "Failure: Invalid SOP Instance (PS3.7 C.5)",
        0x0122: "Refused: SOP Class not supported (PS3.7 C.5)",
        0x0211: "Failure: Unrecognized operation (PS3.7 C.5)",
    },
    "C-FIND": {
        0xFF00: "Pending: Matches are continuing - Current Match is supplied and any Optional Keys were supported in the same manner as Required Keys",
        0x0000: "Success: Matching is complete - No final Identifier is supplied",
        0xFE00: "Cancel: Matching terminated due to Cancel request",
        0xA900: "Error: Data Set does not match SOP Class",
        0xC000: "Failed: Unable to process",
        0x0122: "Failed: SOP Class not supported",
        0x0211: "Failure: Unrecognized operation (PS3.7 C.5)",
    },
    "C-MOVE": {
        0xFF00: "Pending: Sub-operations are continuing",
        0x0000: "Success: Sub-operations Complete - No Failures or Warnings",
        0xFE00: "Cancel: Sub-operations terminated due to Cancel Indication",
        0xB000: "Warning: Sub-operations Complete - One or more Failures or Warnings",
        0xA801: "Refused: Move Destination unknown",
        0xA702: "Refused: Out of resources - Unable to perform sub-operations",
        0xA900: "Error: Data Set does not match SOP Class",
        0xC000: "Failed: Unable to process",
        0x0122: "Failed: SOP Class not supported",
        0x0211: "Failure: Unrecognized operation (PS3.7 C.5)",
    },
}
SERVICE_STATUS_MEANINGS["C-GET"] = {k: v for k, v in SERVICE_STATUS_MEANINGS["C-MOVE"].items() if k != 0xA801}


@dataclass(frozen=True)
class Status:
    """A DIMSE status code, with its category (PS3.7 C.1) and meaning."""

    code: int
    comment: str = ""
    #: The DIMSE-C service that answered ("C-FIND"), where known: its meaning of the code
    #: (PS3.4: C000 is "Error: Cannot understand" for C-STORE, "Failed: Unable to process" for C-FIND).
    service: str = dataclass_field(default="", compare=False)

    @property
    def category(self) -> str:
        code = self.code
        if code == 0x0000:
            return "Success"
        if code in (0xFF00, 0xFF01):
            return "Pending"
        if code == 0xFE00:
            return "Cancel"
        if code in (0x0001, 0x0107, 0x0116) or 0xB000 <= code <= 0xBFFF:
            return "Warning"
        return "Failure"

    @property
    def is_success(self) -> bool:
        return self.code == 0

    @property
    def is_pending(self) -> bool:
        return self.category == "Pending"

    @property
    def meaning(self) -> str:
        own = SERVICE_STATUS_MEANINGS.get(self.service, {})
        if self.code in own:
            return own[self.code]
        if 0xC000 <= self.code <= 0xCFFF and self.service in ("C-FIND", "C-MOVE", "C-GET"):
            return "Failed: Unable to process"
        if self.code in STATUS_MEANINGS:
            return STATUS_MEANINGS[self.code]
        if 0xC000 <= self.code <= 0xCFFF:
            return "Error: cannot understand"
        if 0xA700 <= self.code <= 0xA7FF:
            return "Refused: out of resources"
        return self.category

    def __str__(self) -> str:
        text = f"0x{self.code:04X} {self.meaning}"
        return f"{text} ({self.comment})" if self.comment else text


@functools.cache
def _element(keyword: str) -> tuple[int, str]:
    entry = lookup(keyword)
    return entry.tag, entry.vrs[0]


def command(name: str, *, data_set: bool = False, **fields: object) -> Dataset:
    """The command set of DIMSE message ``name`` ("C-STORE-RQ"...), from keywords.

    ``data_set`` sets Command Data Set Type; ``fields`` are PS3.7 Table E.1-1
    keywords (None values are left out).
    """
    result = Dataset()
    result.add(0x00000100, "US", COMMAND_FIELDS[name])
    result.add(0x00000800, "US", DATA_SET_PRESENT if data_set else NO_DATA_SET)
    for keyword, value in fields.items():
        if value is None:
            continue
        tag, vr = _element(keyword)
        result.add(tag, vr, value)  # type: ignore[arg-type]
    return result


def field(command_set: Dataset, keyword: str) -> object:
    """The value of a command element by keyword; None where absent."""
    tag = _element(keyword)[0]
    element = command_set.get(tag)
    return element.value if element is not None else None


def text(command_set: Dataset, keyword: str) -> str:
    value = field(command_set, keyword)
    return value if isinstance(value, str) else ""


def number(command_set: Dataset, keyword: str) -> int | None:
    value = field(command_set, keyword)
    return value if isinstance(value, int) else None


def status_of(command_set: Dataset) -> Status:
    code = number(command_set, "Status")
    kind = NAME_OF.get(number(command_set, "CommandField") or -1, "")
    service = kind.removesuffix("-RSP") if kind.endswith("-RSP") else ""
    return Status(0xC000 if code is None else code, text(command_set, "ErrorComment"), service)


#: The command field of the response to each request.
RESPONSE_OF: Mapping[int, int] = {
    value: COMMAND_FIELDS[name[:-2] + "RSP"]
    for name, value in COMMAND_FIELDS.items()
    if name.endswith("-RQ") and name != "C-CANCEL-RQ"
}
NAME_OF: Mapping[int, str] = {value: name for name, value in COMMAND_FIELDS.items()}
