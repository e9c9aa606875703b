"""PS3.5 Table 6.2-1 value forms (``dicom_runtime.vr_format``) against pydicom's own
validation of the same VRs (``pydicom.valuerep.validate_value``), written apart from ours.

Where the two differ by design, the difference is stated and excluded by what it is:
pydicom takes the range forms of queries (``-0830``, ``2004-``) in DA, TM and DT values,
which a stored instance cannot have; it checks dates by pattern only, where we also
check the calendar (``20040230``) and a DT's offset from UTC (``0001-2000``); and we
take ACR-NEMA's ``YYYY.MM.DD`` dates, which PS3.5 asks readers to accept.
"""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydicom import config
from pydicom.valuerep import validate_value

from dicom_runtime.vr_format import problem

pytestmark = pytest.mark.filterwarnings("ignore")


def _pydicom_accepts(vr: str, value: str) -> bool:
    try:
        validate_value(vr, value, config.RAISE)
    except ValueError:
        return False
    return True


def _excluded(vr: str, value: str) -> bool:
    if vr in ("DA", "TM", "DT") and "-" in value and (vr != "DT" or value.startswith("-") or value.endswith("-")):
        return True  # a range: pydicom takes it, an instance's value cannot be one
    low, dash, high = value.partition("-")
    if vr == "DT" and dash and low.isdigit() and high.isdigit() and len(high) != 4:
        return True  # a range of two DTs ("0001-000001"): what follows the "-" is no offset &ZZXX
    if vr == "DA" and len(value) == 8 and value.isdigit():
        try:
            datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            return True  # not a day of the calendar: pydicom checks the pattern only
    digits = value[: len(value) - len(value.lstrip("0123456789"))][:8]
    if vr == "DT" and len(digits) in (4, 6, 8):
        try:
            datetime.date(int(digits[:4]), int(digits[4:6] or 1), int(digits[6:8] or 1))
        except ValueError:
            return True  # its date is in no calendar (year 0000, February 30th): pydicom checks the pattern only
    offset = re.search(r"([+-])(\d{2})(\d{2})$", value) if vr == "DT" else None
    if offset and (int(offset[2]) > (14 if offset[1] == "+" else 12) or int(offset[3]) > 59):
        return True  # an offset from UTC outside -12:00..+14:00 (PS3.5): pydicom checks the pattern only
    return vr == "DA" and len(value) == 10 and value[4] == value[7] == "."


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(["CS", "UI", "AS", "DA", "TM", "DT"]), st.text(alphabet="0123456789.:-+AZaz_& ", max_size=16))
@example("DT", "0001-2000")  # found by a run: pydicom takes the offset -20:00, PS3.5 does not
@example("DT", "0001-000001")  # found by a run: pydicom takes it as a range, PS3.5 as no DT
@example("DT", "20200101-0500")  # an offset from UTC, not a range: both take it
def test_our_forms_agree_with_pydicoms(vr: str, value: str) -> None:
    if vr != "UI":
        value = value.strip(" ")  # padding; pydicom validates values without it
    if _excluded(vr, value):
        return
    assert (problem(vr, value) is None) == _pydicom_accepts(vr, value), (vr, value, problem(vr, value))


@pytest.mark.parametrize(
    ("vr", "value", "expected"),
    [
        ("DA", "2004130", "'2004130' is not a date YYYYMMDD (7 characters)"),
        ("DA", "20040230", "'20040230' is not a date of the calendar"),
        ("TM", "256199", "'256199' is not a time of day (hours 00-23, minutes 00-59, seconds 00-60)"),
        ("CS", "helical mode", "character 'h' is not allowed in CS (uppercase letters, digits, space, underscore)"),
        ("UI", "1.2.abc.4", "character 'a' is not allowed in UI (digits and periods)"),
        ("UI", "1.02.3", "UID component '02' has a leading zero"),
        ("UI", "1..3", "a UID component is empty"),
        ("DT", "20040130083000-1300", "'20040130083000-1300' has an offset from UTC outside -12:00..+14:00"),
        ("AS", "12Y", "'12Y' is not an age nnnD, nnnW, nnnM or nnnY"),
        ("UR", "http://a b/", "character ' ' is not allowed in UR (a URI of RFC 3986: no spaces, no backslash)"),
        ("PN", "Doe^John^A^Dr^Jr^X", "'Doe^John^A^Dr^Jr^X' has 6 components; a PN component group has at most 5 (family, given, middle, prefix, suffix)"),
    ],
)
def test_what_dciodvfy_flags_is_named(vr: str, value: str, expected: str) -> None:
    assert problem(vr, value) == expected


@pytest.mark.parametrize(
    ("vr", "value"),
    [("DA", "20040130"), ("DA", "2004.01.30"), ("TM", "0830"), ("TM", "235960.123456"), ("DT", "2004"),
     ("DT", "20040130083000.1+0100"), ("UI", "1.2.840.10008.1.2\0"), ("CS", " ORIGINAL "), ("AS", "045Y"), ("DA", ""),
     ("PN", "Doe^John^A^Dr^Jr"), ("UR", "https://example.org/wado?uid=1.2.3&x=%20 "), ("PN", "Yamada^Tarou=山田^太郎=やまだ^たろう"), ("PN", "=^Tarou")],
)
def test_values_of_their_vr_pass(vr: str, value: str) -> None:
    assert problem(vr, value) is None


def test_pn_component_groups_as_pydicom_counts_them() -> None:
    # dciodvfy counts a group's components (above); pydicom the groups, at most three
    value = "Doe=Do=D=X"
    assert not _pydicom_accepts("PN", value)
    assert problem("PN", value) == "'Doe=Do=D=X' has 4 component groups; a PN has at most 3 (alphabetic, ideographic, phonetic)"
    assert _pydicom_accepts("PN", "Doe=Do=D") and problem("PN", "Doe=Do=D") is None


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="az09:/?#[]@!$&'()*+,;=%-._~ \\\"<>{}|^`", max_size=16))
def test_ur_takes_the_characters_of_a_uri_as_pydicom_does(value: str) -> None:
    # dciodvfy: "Character invalid for this VR = ' ' (0x20)" of a URN Code Value "x y"
    value = value.lstrip(" ") if not value.strip(" ") else value  # all spaces: an empty value
    assert (problem("UR", value) is None) == _pydicom_accepts("UR", value), (value, problem("UR", value))
