"""Date Time (DT) matching keys by their meaning (PS3.4 C.2.2.2.1.3, C.2.2.2.5.1; PS3.5 6.2),
where they were compared as text: a value that leaves out trailing components names a
period (``2020`` is the whole year), values are compared in UTC (their own ``&ZZXX``
offset, else the Timezone Offset From UTC (0008,0201) of the identifier or of the
instance, else +0000), ranges may be open at either end, and a key that is no DT value is
refused (the SCP answers A900, ``test_find_datetime.py``), where a stored value that is
none matches nothing. Each also through the query index and the scan of the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_runtime.dataset import DataElement, Dataset
from dicom_runtime.fileformat import write_bytes_atomic
from dicom_runtime.net.index import rebuild
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.matching import matches
from tests.runtime.net.helpers import matched_by_index_and_scan

ACQUISITION = 0x0008002A  # Acquisition DateTime, kept in the index's rows
ZONE = 0x00080201  # Timezone Offset From UTC
STUDY_UID = 0x0020000D


def _match(key: str, value: str) -> bool:
    return matches(DataElement(ACQUISITION, "DT", key), DataElement(ACQUISITION, "DT", value))


@pytest.mark.parametrize(("key", "value"), [
    ("2020", "20200315083000"), ("2020", "20201231235959.999999"), ("2020", "20200101"),
    ("202003", "20200331235959"), ("20200315", "2020031523"), ("2020031508", "202003150859"),
    ("19980128103000.0000", "19980128103000"), ("19980128103000", "19980128103000.0000"),  # PS3.4 C.2.2.2.1.3's example
    ("20200101120000.5", "20200101120000.59"), ("20200315", "2020"),  # a stored year may be any day of it
    ("20200229", "20200229120000"),  # a leap day
])
def test_a_single_value_matches_the_moments_of_its_period(key: str, value: str) -> None:
    assert _match(key, value)


@pytest.mark.parametrize(("key", "value"), [
    ("2020", "2019"), ("2020", "20191231235959.999999"), ("2020", "20210101"), ("202003", "20200401"),
    ("20200101120000.5", "20200101120000.6"), ("20200101120000", "20200101120001"),
    ("20200101", "20200101 1200"), ("20200101", ""),
])
def test_a_single_value_does_not_match_other_moments(key: str, value: str) -> None:
    assert not _match(key, value)


def test_a_range_runs_from_the_start_of_its_low_end_to_the_end_of_its_high_end() -> None:
    assert _match("2019-2020", "20201231235959.999999") and _match("2019-2020", "20190101")
    assert not _match("2019-2020", "20210101") and not _match("2019-2020", "20181231235959.999999")
    assert _match("20200101120000-20200101120000", "20200101120000.999")  # the range from a value to itself
    assert _match("20200101 - 20200102", "20200102235959")  # a range's spaces are padding
    assert not _match("20200101120000-20200101130000", "20200101130001") and _match("202001011200-202001011300", "20200101130059")


def test_a_range_open_at_one_end() -> None:
    assert _match("-20200101", "20200101235959.999999") and _match("-20200101", "0001")
    assert not _match("-20200101", "20200102") and not _match("-20200101", "2021")
    assert _match("20200101-", "20200101") and _match("20200101-", "99991231235959")
    assert not _match("20200101-", "20191231235959.999999") and not _match("20200101-", "2019")
    assert _match("2020-", "2020") and _match("-2020", "2020")  # a stored year in a range from or to it
    assert _match(" - ", "20200101") and not _match("-", "") and not _match("20200101-", "")  # an empty value is in no range


def test_a_period_is_the_same_in_utc_written_with_another_offset() -> None:
    from dicom_runtime.net.dt_matching import interval

    assert interval("2020+0000") == interval("2020") and interval("20200101010000+0100").start == interval("20200101").start
    assert interval("202002").end - interval("202002").start == 29 * 86_400 * 1_000_000  # 2020 is a leap year
    assert interval("20200101120000.25").end - interval("20200101120000.25").start == 10_000


def test_the_same_instant_with_two_offsets_matches() -> None:
    assert _match("20200101120000+0100", "20200101110000+0000") and _match("20200101110000+0000", "20200101120000+0100")
    assert _match("20200101120000+0530", "20200101013000-0500")  # 06:30 UTC
    assert not _match("20200101120000+0100", "20200101120000+0000")
    assert _match("20200101000000+0000-", "20191231200000-0500") and not _match("20200101000000+0000-", "20191231185959-0500")
    assert _match("-20200101000000+0000", "20200101003000+0100")  # 2019-12-31 23:30 UTC
    assert _match("2007-0500-2008", "20070101050000+0000") and not _match("2007-0500-2008", "20070101045959+0000")
    assert _match("2020+0000", "20200101010000+0100") and not _match("2020+0000", "20200101005959+0100")
    assert _match("19980128103000+0000", "19980128073000-0300")  # PS3.4 C.2.2.2.1.3's example, the key in UTC


def test_a_value_without_offset_is_utc_unless_a_timezone_offset_from_utc_says() -> None:
    # Neither the identifier nor the instance has one: both as written (+0000).
    assert _match("20200101120000", "20200101120000") and _match("20200101120000+0000", "20200101120000")
    assert not _match("20200101120000+0100", "20200101120000")
    # The identifier's applies to its keys without an offset, the instance's to its values without one.
    assert matches(DataElement(ACQUISITION, "DT", "20200101120000"), DataElement(ACQUISITION, "DT", "20200101110000"), key_zone=60)
    assert matches(DataElement(ACQUISITION, "DT", "20200101120000"), DataElement(ACQUISITION, "DT", "20200101130000"), value_zone="+0100")
    assert matches(DataElement(ACQUISITION, "DT", "20200101120000"), DataElement(ACQUISITION, "DT", "20200101120000"),
                   key_zone=-300, value_zone="-0500")
    assert not matches(DataElement(ACQUISITION, "DT", "20200101120000"), DataElement(ACQUISITION, "DT", "20200101120000"),
                       value_zone="-0500")
    # A value's own offset wins over its data set's.
    assert matches(DataElement(ACQUISITION, "DT", "20200101120000+0000"), DataElement(ACQUISITION, "DT", "20200101120000+0000"),
                   key_zone=60, value_zone="-0500")


@pytest.mark.parametrize("key", [
    "2020-01-01", "20201301", "20200230", "2020010124", "202001011260", "20200101000061", "20200101120000.1234567",
    "20200101120000.", "202", "2020+1500", "2020+0160", "2020-1300-", "x2020", "2021-2020", "2007-0500", "2020\\2021",
    "20200101-20200102-20200103", "\u0662\u0660\u0662\u0660",  # Arabic-Indic digits are no DT digits
])
def test_a_key_that_is_no_dt_value_is_refused(key: str) -> None:
    from dicom_runtime.net.dt_matching import DateTimeError, key_interval
    from dicom_runtime.net.matching import key_problem

    with pytest.raises(DateTimeError):
        key_interval(key)
    with pytest.raises(DateTimeError):
        _match(key, "20200101")
    identifier = _identifier(key)
    problem = key_problem(identifier)
    assert problem is not None and "AcquisitionDateTime (0008,002A)" in problem and repr(key) in problem, problem


def test_a_negative_offset_in_a_single_value_is_a_reversed_range() -> None:
    from dicom_runtime.net.matching import key_problem

    problem = key_problem(_identifier("20200101-0500"))
    assert problem is not None and "ends before it starts" in problem and "+0000" in problem


def test_an_identifier_s_timezone_offset_from_utc_must_be_one() -> None:
    from dicom_runtime.net.matching import key_problem

    assert key_problem(_identifier("2020", zone="+0100")) is None and key_problem(_identifier("2020")) is None
    assert key_problem(_identifier("", zone="+0100")) is None
    for zone in ("0100", "+1", "UTC", "+2500"):
        problem = key_problem(_identifier("2020", zone=zone))
        assert problem is not None and "TimezoneOffsetFromUTC (0008,0201)" in problem and repr(zone) in problem, problem


def test_a_stored_value_that_is_no_dt_value_matches_nothing() -> None:
    for value in ("2020-01-01", "20201301", "yesterday", "20200101120000.1234567"):
        assert not _match("2020", value) and not _match("-", value) and not _match("2019-2021", value)
    assert not matches(DataElement(ACQUISITION, "DT", "2020-"), DataElement(ACQUISITION, "DT", "20200101"), value_zone="bad")
    assert matches(DataElement(ACQUISITION, "DT", "2020-"), DataElement(ACQUISITION, "DT", "20200101+0100"), value_zone="bad")


def _identifier(key: str, zone: str | None = None) -> Dataset:
    identifier = Dataset()
    identifier.add(0x00080052, "CS", "IMAGE")
    identifier.add(0x00080018, "UI", None)
    identifier.add(ACQUISITION, "DT", key)
    if zone is not None:
        identifier.add(ZONE, "SH", zone)
    return identifier


def _instance(n: int, value: str, zone: str | None) -> bytes:
    data = Dataset()
    data.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    data.add(0x00080018, "UI", f"1.2.826.0.1.3680043.10.979.7.{n}")
    data.add(ACQUISITION, "DT", value)
    if zone is not None:
        data.add(ZONE, "SH", zone)
    data.add(0x00100020, "LO", "P1")
    data.add(STUDY_UID, "UI", "1.2.826.0.1.3680043.10.979.6")
    data.add(0x0020000E, "UI", "1.2.826.0.1.3680043.10.979.6.1")
    return Instance.from_dataset(data).file_bytes()


STORED = [
    ("20200101120000", None),         # 0: 12:00 UTC (no offset anywhere)
    ("20200101120000+0100", None),    # 1: 11:00 UTC
    ("20200101070000", "-0500"),      # 2: 12:00 UTC, by the instance's Timezone Offset From UTC
    ("2020", None),                   # 3: the whole of 2020
    ("20191231235959.999999", None),  # 4
    ("2020-01-01", None),             # 5: no DT value
    ("20200101130000", "bad"),        # 6: its Timezone Offset From UTC is none: matches nothing
]


@pytest.mark.parametrize(("key", "zone", "wanted"), [
    ("20200101120000", None, {0, 2, 3}),
    ("20200101120000+0000", None, {0, 2, 3}),
    ("20200101130000+0100", None, {0, 2, 3}),        # the same instant with another offset
    ("20200101130000", "+0100", {0, 2, 3}),          # the identifier's Timezone Offset From UTC
    ("20200101110000", None, {1, 3}),
    ("2020", None, {0, 1, 2, 3}),
    ("2020-", None, {0, 1, 2, 3}),
    ("-20191231", None, {4}),
    ("-2019", None, {4}),
    ("20200101115959.999999-", None, {0, 2, 3}),
    ("20200101120000-20200101120000", None, {0, 2, 3}),
    ("-", None, {0, 1, 2, 3, 4}),
])
def test_the_index_and_the_scan_find_the_same_moments(tmp_path: Path, key: str, zone: str | None, wanted: set[int]) -> None:
    for n, (value, stored_zone) in enumerate(STORED):
        write_bytes_atomic(tmp_path / f"{n}.dcm", _instance(n, value, stored_zone), durable=False)
    assert rebuild(tmp_path) == len(STORED)
    identifier = _identifier(key, zone)
    identifier.add(0x00100020, "LO", "P1")
    identifier.add(STUDY_UID, "UI", "1.2.826.0.1.3680043.10.979.6")
    identifier.add(0x0020000E, "UI", "1.2.826.0.1.3680043.10.979.6.1")
    assert matched_by_index_and_scan(tmp_path, identifier, "IMAGE") == wanted
