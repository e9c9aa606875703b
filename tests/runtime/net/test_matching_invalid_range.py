"""A DA or TM range whose end is no valid date or time finds nothing (README: "a range whose
end is no date or time ... finds nothing"). An end of eight digits that no calendar has
(month 13, day 99, 30 February) or a time with hour 25 was compared as text:
``StudyDate=20041301-`` found a study dated 20170101 and ``StudyDate=-20049999`` every
study of 2004. Through the query index (SQLite) and the scan of the files, and over the
network (``dicom-net find`` against ``dicom-net scp``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dicom_runtime.dataset import DataElement, Dataset
from dicom_runtime.fileformat import write_bytes_atomic
from dicom_runtime.net.index import rebuild
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.matching import matches, normal_date, normal_time
from tests.runtime.net.helpers import ScpProcess, matched_by_index_and_scan

STUDY_DATE, STUDY_TIME = 0x00080020, 0x00080030
PATIENT, STUDY, SERIES, SOP = 0x00100020, 0x0020000D, 0x0020000E, 0x00080018

STORED = [  # (Study Date, Study Time)
    ("20040101", "083000"),  # 0
    ("20041231", "2359"),    # 1
    ("20170101", "120000"),  # 2
    ("20041301", "250000"),  # 3: neither is a date or time: in no range
    ("2004.06.15", "08:45"),  # 4: the ACR-NEMA forms
]


def _instance(n: int, date: str, time: str) -> bytes:
    data = Dataset()
    data.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    data.add(SOP, "UI", f"1.2.826.0.1.3680043.10.981.7.{n}")
    data.add(STUDY_DATE, "DA", date)
    data.add(STUDY_TIME, "TM", time)
    data.add(PATIENT, "LO", "P1")
    data.add(STUDY, "UI", "1.2.826.0.1.3680043.10.981.6")
    data.add(SERIES, "UI", "1.2.826.0.1.3680043.10.981.6.1")
    return Instance.from_dataset(data).file_bytes()


@pytest.mark.parametrize("value", ["20041301", "20040230", "20049999", "20050000", "00000101", "20041200"])
def test_a_day_no_calendar_has_is_no_date(value: str) -> None:
    assert normal_date(value) is None
    assert normal_date("20040229") == "20040229" and normal_date("2004.02.29") == "20040229"


@pytest.mark.parametrize("value", ["2500", "240000", "1260", "123061", "99"])
def test_an_hour_minute_or_second_out_of_range_is_no_time(value: str) -> None:
    assert normal_time(value) is None
    assert normal_time("235960") == "235960.000000"  # a leap second (PS3.5 6.2)


@pytest.mark.parametrize(("vr", "tag", "key"), [
    ("DA", STUDY_DATE, "20041301-"), ("DA", STUDY_DATE, "-20049999"), ("DA", STUDY_DATE, "20040230-20041231"),
    ("DA", STUDY_DATE, "20040101-20041399"), ("TM", STUDY_TIME, "2500-"), ("TM", STUDY_TIME, "-0860"),
    ("TM", STUDY_TIME, "0800-246000"),
])
def test_a_range_with_an_invalid_end_matches_nothing(vr: str, tag: int, key: str) -> None:
    for value in ("20040101", "20170101", "20041231", "083000", "235959", "000000"):
        assert not matches(DataElement(tag, vr, key), DataElement(tag, vr, value)), value


@pytest.mark.parametrize(("tag", "key", "wanted"), [
    (STUDY_DATE, "20041301-", set()),
    (STUDY_DATE, "-20049999", set()),
    (STUDY_DATE, "20040230-20041231", set()),
    (STUDY_DATE, "20040101-20041231", {0, 1, 4}),  # valid ends: the invalid stored date is in no range
    (STUDY_DATE, "20040102-", {1, 2, 4}),
    (STUDY_DATE, "20041301", {3}),  # a single value that is no date matches its own text
    (STUDY_TIME, "2500-", set()),
    (STUDY_TIME, "-0861", set()),
    (STUDY_TIME, "0800-0900", {0, 4}),
    (STUDY_TIME, "1200-", {1, 2}),
])
def test_the_index_and_the_scan_find_the_same(tmp_path: Path, tag: int, key: str, wanted: set[int]) -> None:
    for n, (date, time) in enumerate(STORED):
        write_bytes_atomic(tmp_path / f"{n}.dcm", _instance(n, date, time), durable=False)
    assert rebuild(tmp_path) == len(STORED)
    identifier = Dataset()
    identifier.add(0x00080052, "CS", "IMAGE")
    identifier.add(tag, "DA" if tag == STUDY_DATE else "TM", key)
    identifier.add(PATIENT, "LO", "P1")
    identifier.add(STUDY, "UI", "1.2.826.0.1.3680043.10.981.6")
    identifier.add(SERIES, "UI", "1.2.826.0.1.3680043.10.981.6.1")
    identifier.add(SOP, "UI", "")
    assert matched_by_index_and_scan(tmp_path, identifier, "IMAGE") == wanted


def test_dicom_net_find_finds_nothing_for_an_invalid_range_end(tmp_path: Path) -> None:
    """The reported case, over the network: the SCP holds studies of 20040101 and 20170101."""
    source = tmp_path / "in"
    source.mkdir()
    for n, date in enumerate(("20040101", "20170101")):
        data = Dataset()
        data.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
        data.add(SOP, "UI", f"1.2.826.0.1.3680043.10.982.7.{n}")
        data.add(STUDY_DATE, "DA", date)
        data.add(PATIENT, "LO", f"P{n}")
        data.add(STUDY, "UI", f"1.2.826.0.1.3680043.10.982.6.{n}")
        data.add(SERIES, "UI", f"1.2.826.0.1.3680043.10.982.6.{n}.1")
        (source / f"{n}.dcm").write_bytes(Instance.from_dataset(data).file_bytes())
    scp = ScpProcess(tmp_path / "out", tmp_path / "scp.log").start()
    try:
        stored = subprocess.run([sys.executable, "-m", "dicom_runtime.net", "store", "127.0.0.1", str(scp.port), "--aec", "OURSCP",
                                 str(source)], capture_output=True, text=True, timeout=60)
        assert stored.returncode == 0, stored.stdout + stored.stderr

        def found(date_key: str) -> str:
            done = subprocess.run([sys.executable, "-m", "dicom_runtime.net", "find", "127.0.0.1", str(scp.port), "--aec", "OURSCP",
                                   "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyDate={date_key}", "-k", "StudyInstanceUID"],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        assert "982.6.1" in found("20040102-") and "982.6.0" not in found("20040102-")  # a valid range finds the 2017 study
        for key in ("20041301-", "-20049999", "20040230-"):
            output = found(key)
            assert "982.6" not in output, (key, output)
    finally:
        assert scp.stop() == 0
