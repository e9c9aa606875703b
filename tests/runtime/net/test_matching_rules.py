"""PS3.4 C.2.2.2 matching rules where dcmtk's dcmqrscp and the standard showed
:func:`matching.matches` wrong (``test_find_dcmqrscp.py`` sends the same queries to both):

- a range key's spaces are padding, not part of its ends: `` 20100101-20101231`` is the
  range 20100101-20101231 (PS3.5 6.2: a DA, TM or DT value has no leading or embedded
  spaces), where the low end `` 20100101`` was below every date;
- a wild card of ``*`` with a space between (``* *``) needs a space, where it was taken for
  ``*``, universal matching (C.2.2.2.4);
- times match by their meaning (C.2.2.2.1.3: "the TM 2230 matches 223000"; ranges "by
  meaning", C.2.2.2.5): ``0830`` is in ``083000-0900`` and matches ``083000.000``;
- a wild card key's surrounding spaces are padding, as a single value's are: `` D*`` is
  ``D*`` (PS3.5 6.2: leading spaces are not significant in a PN, LO, SH, CS or AE value);
- so do dates: ``2010.05.05``, the ACR-NEMA form PS3.5 6.2 recommends reading, is
  20100505; a range whose end is no date or time (``2010-2011``, ``0830-0900-1000``)
  matches nothing, where its ends were compared as strings.

Each also through the query index, whose SQL step must let the same instances through.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_runtime.dataset import DataElement, Dataset, Value
from dicom_runtime.fileformat import write_bytes_atomic
from dicom_runtime.net.index import rebuild
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.matching import is_universal, matches
from tests.runtime.net.helpers import matched_by_index_and_scan

STUDY_DATE, STUDY_TIME, PATIENT_ID, DESCRIPTION, STUDY_UID = 0x00080020, 0x00080030, 0x00100020, 0x00081030, 0x0020000D


def _match(tag: int, vr: str, key: Value, value: Value) -> bool:
    return matches(DataElement(tag, vr, key), DataElement(tag, vr, value))


@pytest.mark.parametrize("key", [" 20100101-20101231", "20100101-20101231 ", "20100101 - 20101231", " 20100101 -20101231 "])
def test_a_date_range_with_spaces_is_the_range_without_them(key: str) -> None:
    assert _match(STUDY_DATE, "DA", key, "20100505")
    assert _match(STUDY_DATE, "DA", key, "20100101") and _match(STUDY_DATE, "DA", key, "20101231")  # inclusive
    assert not _match(STUDY_DATE, "DA", key, "20091231") and not _match(STUDY_DATE, "DA", key, "20110101")


def test_an_open_range_with_spaces_is_open_at_that_end_only() -> None:
    assert _match(STUDY_DATE, "DA", " -20050101", "20040119") and not _match(STUDY_DATE, "DA", " -20050101", "20100505")
    assert _match(STUDY_DATE, "DA", "20050101- ", "20100505") and not _match(STUDY_DATE, "DA", "20050101- ", "20040119")
    assert not _match(STUDY_DATE, "DA", " - ", "")  # an empty value is in no range
    assert _match(STUDY_TIME, "TM", " 1200-235959", "143012.123456") and not _match(STUDY_TIME, "TM", " 1200-235959", "083000")


def test_a_star_with_a_space_between_is_no_universal_match() -> None:
    for key in ("* *", " * * ", "*^ *"):
        assert not is_universal(DataElement(DESCRIPTION, "LO", key)), key
        assert not _match(DESCRIPTION, "LO", key, "HEAD")
        assert not _match(DESCRIPTION, "LO", key, None) and not matches(DataElement(DESCRIPTION, "LO", key), None)
    assert _match(DESCRIPTION, "LO", "* *", "head ct") and _match(PATIENT_ID, "LO", "* *", "ID 5")
    for key in ("*", "**", " * ", "***  "):  # stars alone, surrounded by padding: universal
        assert is_universal(DataElement(DESCRIPTION, "LO", key)), key
        assert matches(DataElement(DESCRIPTION, "LO", key), None)


def test_a_wild_card_key_s_surrounding_spaces_are_padding() -> None:
    for key in (" D*", " D* ", "  D?e^John", " *John"):
        assert _match(0x00100010, "PN", key, "Doe^John"), key
        assert _match(PATIENT_ID, "LO", key, "Doe^John"), key
    assert not _match(0x00100010, "PN", " D *", "Doe^John") and _match(DESCRIPTION, "LO", " * ct", "head ct")


@pytest.mark.parametrize(("key", "value"), [
    ("083000", "0830"), ("0830", "083000"), ("083000.000", "0830"), ("08", "080000.0"), ("0830 ", "083000"),
    ("08:30:00", "083000"),  # the ACR-NEMA form PS3.5 6.2 still lets a reader meet
])
def test_a_time_matches_the_same_time_written_otherwise(key: str, value: str) -> None:
    assert _match(STUDY_TIME, "TM", key, value)


def test_time_ranges_compare_times_not_strings() -> None:
    assert _match(STUDY_TIME, "TM", "083000-0900", "0830")  # "0830" < "083000" as strings
    assert _match(STUDY_TIME, "TM", "-0830", "083000") and _match(STUDY_TIME, "TM", "000000-0830 ", "083000")
    assert _match(STUDY_TIME, "TM", "101500-1015", "1015")
    assert _match(STUDY_TIME, "TM", "10-10", "10") and not _match(STUDY_TIME, "TM", "10-10", "100001")
    assert not _match(STUDY_TIME, "TM", "0830-", "0829") and not _match(STUDY_TIME, "TM", "083000.5", "0830")
    assert _match(STUDY_TIME, "TM", "083000.5-", "083000.500001")


def test_a_date_in_the_acr_nema_form_is_that_date() -> None:
    assert _match(STUDY_DATE, "DA", "20100505", "2010.05.05") and _match(STUDY_DATE, "DA", "2010.05.05", "20100505")
    assert _match(STUDY_DATE, "DA", "20100101-20101231", "2010.05.05")  # "2010.05.05" < "20100101" as strings
    assert _match(STUDY_DATE, "DA", "2010.01.01-2010.12.31", "20100505") and not _match(STUDY_DATE, "DA", "2010.05.06-", "2010.05.05")


@pytest.mark.parametrize(("vr", "key", "value"), [
    ("DA", "2010-2011", "20100505"), ("DA", "201005-201006", "20100505"), ("DA", "-20100505-", "20040119"),
    ("DA", "20100505-\\-20040119", "20040119"), ("DA", "20100101-20101231", "2010"), ("DA", "-", "x"),
    ("TM", "0830-0900-1000", "0845"), ("TM", "-0830-", "0800"), ("TM", "1-2", "10"), ("TM", "08-09", "8"),
])
def test_a_range_of_what_is_no_date_or_time_matches_nothing(vr: str, key: str, value: str) -> None:
    assert not _match(STUDY_DATE if vr == "DA" else STUDY_TIME, vr, key, value)


def test_a_single_value_that_is_no_date_matches_its_own_text_only() -> None:
    assert _match(STUDY_DATE, "DA", "2010", "2010") and not _match(STUDY_DATE, "DA", "2010", "20100505")


def _instance(n: int, date: str, time: str, description: str, patient: str) -> bytes:
    data = Dataset()
    data.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    data.add(0x00080018, "UI", f"1.2.826.0.1.3680043.10.979.9.{n}")
    data.add(STUDY_DATE, "DA", date)
    data.add(STUDY_TIME, "TM", time)
    data.add(DESCRIPTION, "LO", description)
    data.add(PATIENT_ID, "LO", patient)
    data.add(STUDY_UID, "UI", f"1.2.826.0.1.3680043.10.979.8.{n}")
    data.add(0x0020000E, "UI", f"1.2.826.0.1.3680043.10.979.8.{n}.1")
    return Instance.from_dataset(data).file_bytes()


ROWS = [("20100505", "0830", "head ct", "ID 5"), ("20040119", "143012.123456", "HEAD", "P001"),
        ("20101231", "083000", "", "P002"), ("20110101", "10", "Knee L", "A"), ("2010.06.01", "", "X", "B")]


@pytest.mark.parametrize(("tag", "vr", "key", "wanted"), [
    (STUDY_DATE, "DA", " 20100101-20101231", {0, 2, 4}),
    (STUDY_DATE, "DA", "20100101 - 20101231", {0, 2, 4}),
    (STUDY_DATE, "DA", "20100601", {4}),
    (STUDY_DATE, "DA", "2010.06.01", {4}),
    (STUDY_DATE, "DA", "2010.05.05-2010.05.31", {0}),
    (STUDY_DATE, "DA", "2010-2011", set()),
    (STUDY_DATE, "DA", " -20050101", {1}),
    (DESCRIPTION, "LO", "* *", {0, 3}),  # "head ct", "Knee L"
    (PATIENT_ID, "LO", "* *", {0}),
    (PATIENT_ID, "LO", " P00?", {1, 2}),
    (DESCRIPTION, "LO", " HE* ", {1}),
    (STUDY_TIME, "TM", "083000", {0, 2}),
    (STUDY_TIME, "TM", "083000-1000", {0, 2, 3}),
])
def test_the_index_finds_what_the_matcher_finds(tmp_path: Path, tag: int, vr: str, key: str, wanted: set[int]) -> None:
    for n, row in enumerate(ROWS):
        write_bytes_atomic(tmp_path / f"{n}.dcm", _instance(n, *row), durable=False)
    assert rebuild(tmp_path) == len(ROWS)
    identifier = Dataset()
    identifier.add(0x00080052, "CS", "STUDY")
    identifier.add(STUDY_UID, "UI", None)
    identifier.add(tag, vr, key)
    assert matched_by_index_and_scan(tmp_path, identifier, "STUDY") == wanted
