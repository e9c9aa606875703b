"""The formats of PS3.5 Table 6.2-1 that a text value of a VR must have.

:func:`problem` says what is wrong with one value (``None`` when nothing is): the
characters a VR allows (CS: uppercase letters, digits, space and underscore; UI:
digits and periods, no empty or zero-led component; AS: ``nnnD|W|M|Y``), and the
forms of dates and times (DA ``YYYYMMDD``, TM ``HH[MM[SS[.F...]]]``, DT
``YYYY[MM[DD[HH[MM[SS[.F...]]]]]][&ZZXX]``), with their ranges; the forms of numbers
(DS: ``0-9 + - E e .``, IS: ``0-9 + -`` in -2^31..2^31-1); the Control Characters of
the strings and texts (LO, SH, PN, UC: only ESC; LT, ST, UT: TAB, LF, FF, CR, ESC; AE and
UR: none; UR takes a URI's characters, RFC 3986's); a PN's at most three component groups of at
most five components. Values given as
``datetime`` objects are not text and are not judged here; nor is the padding a value
was read with (trailing spaces, a UI's trailing NUL), which PS3.5 allows, or an empty
value (whether an attribute may be empty is its Type's rule). :func:`number_problem`
judges a number given as such: the range of an integer VR (US, SS, UL, SL, UV, SV, AT
and IS), a DS that is not finite.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal

_CS = re.compile(r"[A-Z0-9 _]*")
_AS = re.compile(r"\d{3}[DWMY]")
_TM = re.compile(r"(?P<h>\d{2})(?:(?P<m>\d{2})(?:(?P<s>\d{2})(?:\.\d{1,6})?)?)?")
_DT = re.compile(
    r"(?P<y>\d{4})(?:(?P<mo>\d{2})(?:(?P<d>\d{2})(?:(?P<h>\d{2})(?:(?P<mi>\d{2})(?:(?P<s>\d{2})(?:\.\d{1,6})?)?)?)?)?)?"
    r"(?:(?P<sign>[+-])(?P<zh>\d{2})(?P<zm>\d{2}))?"
)
#: Leading spaces are significant in these VRs only if PS3.5 says so; their trailing
#: padding (space, or NUL for UI) is not part of the value.
_PADDING = {"UI": "\0", "DA": " ", "TM": " ", "DT": " ", "CS": " ", "AS": " ", "DS": " ", "IS": " "}
_DS = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[Ee][+-]?\d+)?")
_IS = re.compile(r"[+-]?\d+")
#: The characters of a URI (RFC 3986: unreserved, reserved and ``%`` of percent-encoding), UR's.
_URI = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%")
#: The range of each integer VR (PS3.5 Table 6.2-1), lowest and highest.
RANGES: dict[str, tuple[int, int]] = {
    "US": (0, 2**16 - 1), "SS": (-(2**15), 2**15 - 1), "UL": (0, 2**32 - 1), "SL": (-(2**31), 2**31 - 1),
    "UV": (0, 2**64 - 1), "SV": (-(2**63), 2**63 - 1), "AT": (0, 2**32 - 1), "IS": (-(2**31), 2**31 - 1),
}


#: The Control Characters each text VR allows (PS3.5 Table 6.2-1, 6.1.3): ESC only for the
#: strings (ISO 2022 escape sequences), TAB LF FF CR and ESC for the texts, none for AE and UR.
CONTROLS_ALLOWED: dict[str, str] = {
    **dict.fromkeys(("LO", "SH", "PN", "UC"), "\x1b"),
    **dict.fromkeys(("LT", "ST", "UT"), "\t\n\x0c\r\x1b"),
    "AE": "",
    "UR": "",
}


def _control_problem(vr: str, text: str) -> str | None:
    allowed = CONTROLS_ALLOWED[vr]
    bad = next((c for c in text if (c < " " or c == "\x7f") and c not in allowed), None)
    if bad is None:
        return None
    which = {"": "none", "\x1b": "only ESC"}.get(allowed, "only TAB, LF, FF, CR and ESC")
    return f"control character {bad!r} is not allowed in {vr}, which takes {which} of them"


def problem(vr: str, value: str) -> str | None:
    """What makes ``value`` not a value of ``vr`` (PS3.5 Table 6.2-1), or None."""
    text = value.rstrip(_PADDING.get(vr, ""))
    if not text:
        return None  # an empty value: whether one may be empty is the attribute's Type
    if vr == "UR":
        text = text.rstrip(" ")  # trailing spaces are ignored; leading and embedded ones are no URI's (RFC 3986)
        bad = next((c for c in text if c not in _URI), None)
        return None if bad is None else f"character {bad!r} is not allowed in UR (a URI of RFC 3986: no spaces, no backslash)"
    if vr in CONTROLS_ALLOWED:
        return _control_problem(vr, text) or (_name_problem(text) if vr == "PN" else None)
    if vr == "CS":
        text = text.lstrip(" ")  # leading and trailing spaces are not significant
        bad = next((c for c in text if not _CS.fullmatch(c)), None)
        return None if bad is None else f"character {bad!r} is not allowed in CS (uppercase letters, digits, space, underscore)"
    if vr == "UI":
        bad = next((c for c in text if c not in "0123456789."), None)
        if bad is not None:
            return f"character {bad!r} is not allowed in UI (digits and periods)"
        for component in text.split("."):
            if not component:
                return "a UID component is empty"
            if len(component) > 1 and component[0] == "0":
                return f"UID component {component!r} has a leading zero"
        return None
    if vr in ("DS", "IS"):
        text = text.lstrip(" ")  # leading and trailing spaces are padding; embedded ones are not allowed
        if vr == "DS":
            return None if _DS.fullmatch(text) else f"{text!r} is not a decimal string (0-9, + - E e and . as a fixed or floating point number)"
        if not _IS.fullmatch(text):
            return f"{text!r} is not an integer string (0-9 with an optional leading + or -)"
        return number_problem("IS", int(text))
    if vr == "AS":
        return None if _AS.fullmatch(text) else f"{text!r} is not an age nnnD, nnnW, nnnM or nnnY"
    if vr == "DA":
        return _date_problem(text)
    if vr == "TM":
        return _time_problem(text)
    if vr == "DT":
        return _datetime_problem(text)
    return None


def _name_problem(text: str) -> str | None:
    """A PN of more than three component groups (alphabetic, ideographic, phonetic: ``=``)
    or a group of more than five components (``^``), PS3.5 6.2.1, as dciodvfy counts them."""
    groups = text.split("=")
    if len(groups) > 3:
        return f"{text!r} has {len(groups)} component groups; a PN has at most 3 (alphabetic, ideographic, phonetic)"
    most = max(group.count("^") for group in groups) + 1
    if most > 5:
        return f"{text!r} has {most} components; a PN component group has at most 5 (family, given, middle, prefix, suffix)"
    return None


def number_problem(vr: str, value: int | float | Decimal) -> str | None:
    """What makes a number not a value of ``vr`` (PS3.5 Table 6.2-1), or None: an integer
    outside its VR's range, or a DS that is NaN or infinite (FL and FD may be: they are
    IEEE 754 numbers; a DS is text of digits)."""
    limits = RANGES.get(vr)
    if limits is not None and isinstance(value, int):
        low, high = limits
        if not low <= value <= high:
            return f"{value} is outside the range of VR {vr}, {low}..{high}"
        return None
    if vr == "DS" and not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
        return f"{value!r} is not a decimal string: DS has no NaN or infinity (0-9, + - E e and . only)"
    return None


def _date_problem(text: str) -> str | None:
    if re.fullmatch(r"\d{4}\.\d{2}\.\d{2}", text):  # ACR-NEMA's form, which PS3.5 still asks readers to take
        text = text.replace(".", "")
    if not re.fullmatch(r"\d{8}", text):
        return f"{text!r} is not a date YYYYMMDD ({len(text)} characters)"
    try:
        datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return f"{text!r} is not a date of the calendar"
    return None


def _time_problem(text: str) -> str | None:
    match = _TM.fullmatch(text)
    if match is None:
        return f"{text!r} is not a time HH[MM[SS[.FFFFFF]]]"
    hours, minutes, seconds = (int(match.group(g)) if match.group(g) else 0 for g in ("h", "m", "s"))
    if hours > 23 or minutes > 59 or seconds > 60:  # 60: a leap second
        return f"{text!r} is not a time of day (hours 00-23, minutes 00-59, seconds 00-60)"
    return None


def _datetime_problem(text: str) -> str | None:
    match = _DT.fullmatch(text)
    if match is None:
        return f"{text!r} is not a date-time YYYY[MM[DD[HH[MM[SS[.FFFFFF]]]]]][&ZZXX]"
    month, day = int(match.group("mo") or 1), int(match.group("d") or 1)
    hours, minutes, seconds = (int(match.group(g) or 0) for g in ("h", "mi", "s"))
    try:
        datetime.date(int(match.group("y")), month, day)
    except ValueError:
        return f"{text!r} is not a date of the calendar"
    if hours > 23 or minutes > 59 or seconds > 60:
        return f"{text!r} is not a time of day (hours 00-23, minutes 00-59, seconds 00-60)"
    if match.group("zh") and (int(match.group("zh")) > (14 if match.group("sign") == "+" else 12) or int(match.group("zm")) > 59):
        return f"{text!r} has an offset from UTC outside -12:00..+14:00"
    return None
