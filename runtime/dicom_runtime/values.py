"""Value types of the generated classes that are more than a ``str``."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, TypeAlias, TypeVar

if TYPE_CHECKING:
    from decimal import Decimal

from .errors import DicomEncodeError

_V = TypeVar("_V")

MultiValued: TypeAlias = list[_V] | tuple[_V, ...]
"""The values of an attribute of several values (VM above 1) in the generated classes: a
list or a tuple (``ImageType=["ORIGINAL", "PRIMARY"]``). A ``Sequence[str]`` would take a
bare ``str`` as well (``ImageType="ORIGINAL"`` is a sequence of characters), which a type
checker should refuse. Read values are lists."""


def date_text(value: datetime.date) -> str:
    """A DA value, ``YYYYMMDD`` (PS3.5 Table 6.2-1): the year in four digits, zero-padded
    (``00010101``; ``strftime("%Y")`` gives ``1`` on Linux). A ``datetime`` gives its date."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def time_text(value: datetime.time | datetime.datetime) -> str:
    """A TM value, ``HHMMSS`` or ``HHMMSS.FFFFFF`` with microseconds (PS3.5 Table 6.2-1). A
    TM has no offset from UTC: an aware ``time`` is a :class:`DicomEncodeError` rather than
    written without its offset."""
    if isinstance(value, datetime.time) and value.utcoffset() is not None:
        raise DicomEncodeError(
            f"TM value {value!r} has an offset from UTC, which a TM cannot hold (PS3.5 Table 6.2-1): give a naive "
            "time, and the offset in Timezone Offset From UTC (0008,0201), or a DT"
        )
    text = f"{value.hour:02d}{value.minute:02d}{value.second:02d}"
    return text + (f".{value.microsecond:06d}" if value.microsecond else "")


def datetime_text(value: datetime.datetime) -> str:
    """A DT value, ``YYYYMMDDHHMMSS[.FFFFFF][&ZZXX]`` (PS3.5 Table 6.2-1): the offset from UTC
    of an aware value as ``+HHMM`` or ``-HHMM``; an offset that is not whole minutes has
    no DT form (:class:`DicomEncodeError`)."""
    text = date_text(value) + time_text(value)
    offset = value.utcoffset()
    if offset is None:
        return text
    minutes, rest = divmod(offset, datetime.timedelta(minutes=1))
    if rest:
        raise DicomEncodeError(f"DT value {value!r}: offset from UTC {offset} is not whole minutes (&ZZXX, PS3.5 Table 6.2-1)")
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}{minutes:02d}"


def temporal_text(value: object, vr: str) -> object:
    """A ``datetime`` value as the encoder writes it in ``vr`` (a ``date`` in DA, a ``time`` in
    TM, a ``datetime`` in DT); any other value as it is."""
    if vr == "DA" and isinstance(value, datetime.date):
        return date_text(value)
    if vr == "TM" and isinstance(value, datetime.time):
        return time_text(value)
    if vr == "DT" and isinstance(value, datetime.datetime):
        return datetime_text(value)
    return value


def number_text(value: float | int | Decimal) -> str:
    """A DS number as written before it is fitted to DS's 16 characters: a float by its
    shortest repr, an int or a Decimal with the digits it has; ``5.0`` as ``5``."""
    text = repr(value) if isinstance(value, float) else str(value)
    return text[:-2] if text.endswith(".0") else text


class PersonName(str):
    """A PN value (PS3.5 6.2.1): component groups split by ``=``, components by ``^``.

    It is a ``str`` in its DICOM form (``"Doe^Jane"``), with the components by name.
    """

    @classmethod
    def from_components(
        cls,
        family_name: str = "",
        given_name: str = "",
        middle_name: str = "",
        name_prefix: str = "",
        name_suffix: str = "",
    ) -> PersonName:
        parts = [family_name, given_name, middle_name, name_prefix, name_suffix]
        while parts and not parts[-1]:
            parts.pop()
        return cls("^".join(parts))

    def _component(self, index: int) -> str:
        alphabetic = self.split("=", 1)[0]
        parts = alphabetic.split("^")
        return parts[index] if index < len(parts) else ""

    @property
    def family_name(self) -> str:
        return self._component(0)

    @property
    def given_name(self) -> str:
        return self._component(1)

    @property
    def middle_name(self) -> str:
        return self._component(2)

    @property
    def name_prefix(self) -> str:
        return self._component(3)

    @property
    def name_suffix(self) -> str:
        return self._component(4)

    @property
    def ideographic(self) -> str:
        groups = self.split("=")
        return groups[1] if len(groups) > 1 else ""

    @property
    def phonetic(self) -> str:
        groups = self.split("=")
        return groups[2] if len(groups) > 2 else ""
