"""Date Time (DT) matching keys by their meaning (PS3.4 C.2.2.2.1.3, C.2.2.2.5.1; PS3.5 6.2).

A DT value ``YYYYMMDDHHMMSS.FFFFFF&ZZXX`` may leave out its trailing components: it is then
"not precise to the precision of those components" (PS3.5 6.2), so it names a period, not
an instant: ``2020`` is the whole year 2020, ``202003`` March 2020, ``20200315083000.5``
a tenth of a second. :func:`interval` turns a value into that period, in microseconds of
UTC, half open: ``[start, end)``.

The UTC offset is the value's own suffix (``&ZZXX``); a value without one is in the
Timezone Offset From UTC (0008,0201) of its data set (PS3.5 6.2: "unless explicitly
specified by the Timezone Offset From UTC"): for a matching key the identifier's (PS3.4
C.2.2.2.5.1: an application "may use" it "regardless of other extended negotiation"), for
a stored value the instance's (PS3.3 C.12.1.1: it applies to the instance's DT values that
have no offset). Where neither says, the value is taken as UTC (+0000), as PS3.4
C.2.2.2.1.3's note reads it ("19980128103000" with no offset matches "19980128073000" with
offset "-0300"), so that two values both without one compare as they are written.

Matching (:func:`dt_matches`):

- a range ``<dt1>-<dt2>`` covers every moment from the start of ``dt1``'s period to the end
  of ``dt2``'s, both included (``-2020`` ends with the last microsecond of 2020); an end
  left out is open;
- a single value ``<dt>`` is matched by its meaning as the range ``<dt>-<dt>`` is (the note
  of C.2.2.2.1.3 recommends that range for this reason): ``2020`` matches ``20200315``, and
  ``19980128103000.0000`` and ``19980128103000`` match each other;
- a stored value matches when its own period overlaps the key's: it may be any moment of it.

A key's ``-`` is a range's (C.2.2.2.1.3's note: a single value cannot have a negative
offset; write it in UTC with ``+0000``). Where a ``-`` could be both a range's and a
negative offset's (``2007-0500-2008``), a ``-`` followed by four digits and another ``-``
is the low end's offset. A key that is no DT value or range of them, or a range that ends
before it starts, raises :class:`DateTimeError` (the SCP answers A900, naming the attribute
and the value); a stored value that is none, or whose instance's Timezone Offset From UTC
is no offset where it needs it, matches no key.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import DicomError

_DT = r"(\d{4})(?:(\d\d)(?:(\d\d)(?:(\d\d)(?:(\d\d)(?:(\d\d)(?:\.(\d{1,6}))?)?)?)?)?)?([+-]\d{4})?"
"""A DT value (PS3.5 6.2): year, month, day, hour, minute, second, fraction, offset; each
component only after the one before it."""
_VALUE = re.compile(_DT, re.ASCII)
_END = r"\d{4}(?:\d\d(?:\d\d(?:\d\d(?:\d\d(?:\d\d(?:\.\d{1,6})?)?)?)?)?)?(?:[+-]\d{4})?"
_RANGE = re.compile(rf"(?P<low>{_END})? *- *(?P<high>{_END})?", re.ASCII)
"""A DT range: the low end's optional offset is tried first, so ``2007-0500-2008`` is
2007 at -0500 to 2008."""
_OFFSET = re.compile(r"([+-])(\d\d)(\d\d)", re.ASCII)

_MICROS = 1_000_000
_DAY = 86_400 * _MICROS
_UNIX = datetime.date(1970, 1, 1).toordinal()


class DateTimeError(DicomError, ValueError):
    """A DT value, range or UTC offset that is none (PS3.5 6.2, PS3.4 C.2.2.2.5.1)."""


@dataclass(frozen=True)
class Interval:
    """A period of time in microseconds since 1970-01-01 00:00 UTC: ``start`` included, ``end`` not."""

    start: int
    end: int

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


@lru_cache(maxsize=256)
def offset_minutes(text: str) -> int:
    """A UTC offset ``&ZZXX`` (a DT suffix, or a Timezone Offset From UTC value) in minutes;
    DateTimeError if it is none: PS3.5 6.2's range is -1200 to +1400, minutes below 60."""
    found = _OFFSET.fullmatch(text.strip(" "))
    if found is None:
        raise DateTimeError(f"{text!r} is no UTC offset (&ZZXX: + or -, then hours and minutes, e.g. -0500)")
    sign, hours, minutes = found.groups()
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or (sign == "-" and value > 12 * 60) or (sign == "+" and value > 14 * 60):
        raise DateTimeError(f"{text!r} is no UTC offset (PS3.5 6.2: from -1200 to +1400)")
    return -value if sign == "-" else value


def zone_minutes(value: object) -> int | None:
    """The offset a Timezone Offset From UTC (0008,0201) value gives, in minutes; None if it
    is absent or empty; DateTimeError if it is no offset (or several)."""
    if isinstance(value, list):
        if len(value) > 1:
            raise DateTimeError(f"{value!r} is several UTC offsets, not one")
        value = value[0] if value else None
    if value is None or (isinstance(value, str) and not value.strip(" ")):
        return None
    return offset_minutes(str(value))


@lru_cache(maxsize=4096)
def interval(text: str, zone: int | None = None) -> Interval:
    """The period a DT value names, in UTC (see the module's documentation); ``zone``: the
    offset in minutes of a value without one (None: UTC). DateTimeError if it is no DT value."""
    value = text.strip(" ")  # trailing spaces are padding (PS3.5 6.2); leading ones are tolerated, as for DA and TM
    found = _VALUE.fullmatch(value)
    if found is None:
        raise DateTimeError(f"{text!r} is no DT value (YYYYMMDDHHMMSS.FFFFFF&ZZXX, trailing components optional)")
    year, month, day, hour, minute, second, fraction, suffix = found.groups()
    try:
        first = datetime.date(int(year), int(month or 1), int(day or 1)).toordinal()
    except ValueError as exc:
        raise DateTimeError(f"{text!r} is no DT value: {exc}") from None
    if (hour and int(hour) > 23) or (minute and int(minute) > 59) or (second and int(second) > 60):
        raise DateTimeError(f"{text!r} is no DT value: hour above 23, minute above 59 or second above 60")
    if month is None:
        span = (datetime.date(int(year), 12, 31).toordinal() + 1 - first) * _DAY
    elif day is None:
        span = calendar.monthrange(int(year), int(month))[1] * _DAY
    elif hour is None:
        span = _DAY
    elif minute is None:
        span = 3600 * _MICROS
    elif second is None:
        span = 60 * _MICROS
    elif fraction is None:
        span = _MICROS
    else:
        span = 10 ** (6 - len(fraction))
    try:
        offset = offset_minutes(suffix) if suffix else (zone or 0)
    except DateTimeError as exc:
        raise DateTimeError(f"{text!r} is no DT value: {exc}") from None
    local = ((first - _UNIX) * 86_400 + int(hour or 0) * 3600 + int(minute or 0) * 60 + int(second or 0)) * _MICROS
    start = local + int((fraction or "").ljust(6, "0") or 0) - offset * 60 * _MICROS
    return Interval(start, start + span)


def own_offset(text: str) -> bool:
    """Whether a DT value has an offset of its own (``&ZZXX``); DateTimeError if it is no DT value."""
    found = _VALUE.fullmatch(text.strip(" "))
    if found is None:
        raise DateTimeError(f"{text!r} is no DT value (YYYYMMDDHHMMSS.FFFFFF&ZZXX, trailing components optional)")
    return found.group(8) is not None


_OPEN_LOW = -(1 << 62)
_OPEN_HIGH = 1 << 62


@lru_cache(maxsize=256)
def key_interval(text: str, zone: int | None = None) -> Interval:
    """The moments a DT matching key covers (see the module's documentation): a range's from
    the start of its low end to the end of its high end, an end left out open; a single
    value's period. DateTimeError if the key is no DT value or range of them, or is a range
    that ends before it starts."""
    value = text.strip(" ")
    if "-" not in value:
        return interval(value, zone)
    found = _RANGE.fullmatch(value)  # spaces around its "-" are padding, as a DA or TM range's
    if found is None:
        raise DateTimeError(f"{text!r} is no DT range (<datetime1>-<datetime2>, either end optional)")
    low, high = found.group("low"), found.group("high")
    try:
        start = interval(low, zone).start if low else _OPEN_LOW
        end = interval(high, zone).end if high else _OPEN_HIGH
    except DateTimeError as exc:
        raise DateTimeError(f"{text!r} is no DT range: {exc}") from None
    if start >= end:
        hint = (" (a single value cannot have a negative UTC offset, PS3.4 C.2.2.2.1.3: write it in UTC, with +0000)"
                if high and len(high) == 4 else "")
        raise DateTimeError(f"{text!r} is a DT range that ends before it starts{hint}")
    return Interval(start, end)


def dt_matches(text: str, haves: list[str], key_zone: int | None, value_zone: str | None) -> bool:
    """Whether a DT key ``text`` (a single value or a range) matches any of the stored values
    ``haves`` of an instance whose Timezone Offset From UTC is ``value_zone`` (its text; None:
    absent): the key's moments and a value's period overlap. DateTimeError if the key is
    invalid; a stored value that is no DT value matches nothing, nor, where the instance's
    Timezone Offset From UTC is no offset, one without an offset of its own."""
    wanted = key_interval(text, key_zone)
    try:
        zone: int | None = zone_minutes(value_zone)
        zone_known = True
    except DateTimeError:
        zone, zone_known = None, False
    for have in haves:
        if not have.strip(" "):
            continue  # an empty value is in no range, and matches no single value (C.2.2.2.5)
        try:
            if not zone_known and not own_offset(have):
                continue
            period = interval(have, zone)
        except DateTimeError:
            continue
        if period.overlaps(wanted):
            return True
    return False
