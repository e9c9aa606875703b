"""Typed instances in and out of files: to_dataset, from_dataset, read, write."""

from __future__ import annotations

import dataclasses
import datetime
import shutil
import subprocess
from pathlib import Path

import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_runtime.dataset import Dataset
from dicom_runtime.errors import DicomEncodeError
from dicom_runtime.fileformat import read_file
from dicom_runtime.values import PersonName
from dicom_runtime.typed import ValidationFailed, from_dataset, read, to_dataset, write
from tests.test_iod_classes import _ct


def test_a_ct_image_goes_to_a_file_and_comes_back_typed(tmp_path: Path) -> None:
    image = _ct()
    path = tmp_path / "ct.dcm"
    write(image, path)
    back = read(path)
    assert isinstance(back, CTImage)
    assert isinstance(back.PatientName, PersonName) and back.PatientName.family_name == "Doe"
    assert back.PatientName == "Doe^Jane"
    assert (back.Rows, back.PixelSpacing, back.RescaleIntercept) == (512, [0.5, 0.5], -1024.0)
    assert back.PixelData == image.PixelData
    assert back.errors() == []
    raw = read_file(path)
    assert raw.meta.value(0x00020002) == "1.2.840.10008.5.1.4.1.1.2"
    assert raw.dataset.value(0x00100020) == "P1"
    assert raw.dataset.value(0x00080090) == "" and 0x00080090 in raw.dataset  # Type 2: present, empty


def test_write_refuses_an_invalid_instance_unless_told(tmp_path: Path) -> None:
    image = _ct(Modality="")
    with pytest.raises(ValidationFailed, match="Modality: Type 1 attribute is empty") as caught:
        write(image, tmp_path / "bad.dcm")
    assert not (tmp_path / "bad.dcm").exists()
    # the file is named, as every other error of write names it
    assert str(caught.value).startswith(f"{tmp_path / 'bad.dcm'}: not written: 1 validation error(s): Modality")
    assert caught.value.path == str(tmp_path / "bad.dcm")
    write(image, tmp_path / "bad.dcm", validate=False)
    assert (tmp_path / "bad.dcm").exists()


def test_undeclared_elements_are_kept(tmp_path: Path) -> None:
    dataset = to_dataset(_ct())
    dataset.add(0x00091010, "OB", b"private\0")
    dataset.add(0x00090010, "LO", "ACME")
    image = from_dataset(CTImage, dataset)
    assert image.extra_elements is not None and 0x00091010 in image.extra_elements
    assert to_dataset(image) == dataset


def test_a_file_without_a_generated_iod_reads_as_a_dataset(tmp_path: Path) -> None:
    dataset = Dataset()
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.4")  # MR Image: not in the PS3.3 excerpt
    dataset.add(0x00080018, "UI", "1.2.3")
    write(dataset, tmp_path / "mr.dcm")
    assert isinstance(read(tmp_path / "mr.dcm"), Dataset)


def test_values_keep_their_python_types() -> None:
    image = dataclasses.replace(_ct(), SliceThickness=0.1 + 0.2, StudyDate="20240101")
    dataset = to_dataset(image)
    written = dataset.value(0x00180050)
    assert isinstance(written, str) and len(written) <= 16  # DS is at most 16 characters
    assert dataset.value(0x00080020) == "20240101"
    assert from_dataset(CTImage, dataset).SliceThickness == pytest.approx(0.3)


_DATES = [
    datetime.date(1, 1, 1), datetime.date(9, 9, 9), datetime.date(99, 12, 31), datetime.date(999, 12, 31),
    datetime.date(1000, 1, 1), datetime.date(1970, 1, 1), datetime.date(2024, 2, 29), datetime.date(2999, 12, 31),
    datetime.date(9999, 12, 31),
]


@pytest.mark.parametrize("date", _DATES, ids=str)
def test_every_date_is_written_as_yyyymmdd_and_read_back(tmp_path: Path, date: datetime.date) -> None:
    """PS3.5 Table 6.2-1: DA is YYYYMMDD, eight characters; year 1 is 00010101 (strftime's
    %Y gives 1 on Linux, which was written as DA 10101). dcmdump and pydicom take each; dciodvfy
    takes the years 1000 to 2999 only (its plausibility rule), and names no other fault."""
    image = _ct(PatientBirthDate=date)
    assert image.errors() == []
    path = tmp_path / "da.dcm"
    write(image, path)
    assert read_file(path).dataset.value(0x00100030) == f"{date.year:04d}{date.month:02d}{date.day:02d}"
    back = read(path)
    assert isinstance(back, CTImage) and back.PatientBirthDate == date and back.errors() == []
    text = f"{date.year:04d}{date.month:02d}{date.day:02d}"
    dumped = subprocess.run(["/usr/bin/dcmdump", "+P", "0010,0030", str(path)], capture_output=True, text=True, timeout=60)
    assert dumped.returncode == 0 and f"DA [{text}]" in dumped.stdout and "#   8, 1 PatientBirthDate" in dumped.stdout
    from pydicom import config
    from pydicom.valuerep import validate_value

    validate_value("DA", text, config.RAISE)  # pydicom's PS3.5 check
    tool = shutil.which("dciodvfy")
    if tool is None:
        pytest.fail("dciodvfy is missing: bash .ci/install installs dicom3tools")
    said = subprocess.run([tool, str(path)], capture_output=True, text=True, errors="replace", timeout=120)
    complaints = [line for line in (said.stdout + said.stderr).splitlines() if "Patient's Birth Date" in line]
    if 1000 <= date.year <= 2999:
        assert complaints == []
    else:  # dciodvfy's own plausibility rule (a year's first digit 1 or 2), not PS3.5's: the form is right
        assert complaints == [
            f"Error - Value invalid for this VR - (0x0010,0x0030) DA Patient's Birth Date  DA [1] = <{text}> - "
            f"Character invalid for this VR = '{text[0]}' (0x{ord(text[0]):x})"
        ]


_TIMES = [
    (datetime.time(0, 0, 0), "000000"), (datetime.time(1, 2, 3), "010203"),
    (datetime.time(1, 2, 3, 4), "010203.000004"), (datetime.time(23, 59, 59, 999999), "235959.999999"),
]
_DATETIMES = [
    (datetime.datetime(5, 1, 2, 3, 4, 5), "00050102030405"),
    (datetime.datetime(999, 12, 31, 23, 59, 59, 500000), "09991231235959.500000"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc), "20240102030405+0000"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))),
     "20240102030405.000006-0530"),
    (datetime.datetime(12, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=14))), "00120102030405+1400"),
]


@pytest.mark.parametrize(("time", "text"), _TIMES, ids=str)
def test_times_are_written_zero_padded_with_microseconds(tmp_path: Path, time: datetime.time, text: str) -> None:
    image = _ct(AcquisitionTime=time)
    assert image.errors() == []
    write(image, tmp_path / "tm.dcm")
    assert read_file(tmp_path / "tm.dcm").dataset.value(0x00080032) == text
    back = read(tmp_path / "tm.dcm")
    assert isinstance(back, CTImage) and back.AcquisitionTime == time


@pytest.mark.parametrize(("value", "text"), _DATETIMES, ids=str)
def test_date_times_are_written_zero_padded_with_their_offset(tmp_path: Path, value: datetime.datetime, text: str) -> None:
    """DT is YYYYMMDDHHMMSS.FFFFFF&ZZXX (PS3.5 Table 6.2-1): year 5 was written 50102030405."""
    image = _ct(AcquisitionDateTime=value)
    assert image.errors() == []
    write(image, tmp_path / "dt.dcm")
    assert read_file(tmp_path / "dt.dcm").dataset.value(0x0008002A) == text
    back = read(tmp_path / "dt.dcm")
    assert isinstance(back, CTImage) and back.AcquisitionDateTime == value
    assert back.AcquisitionDateTime.utcoffset() == value.utcoffset()  # type: ignore[union-attr]


def test_a_date_time_offset_dt_cannot_hold_is_an_error(tmp_path: Path) -> None:
    """&ZZXX is -1200..+1400 in whole minutes: an offset outside is a vr-format finding, one
    of seconds cannot be written."""
    far = datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=-13)))
    assert [f.rule for f in _ct(AcquisitionDateTime=far).errors()] == ["vr-format"]
    odd = datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(minutes=30, seconds=5)))
    image = _ct(AcquisitionDateTime=odd)
    assert [(f.path, f.rule) for f in image.errors()] == [("AcquisitionDateTime", "vr-format")]
    with pytest.raises(DicomEncodeError, match="AcquisitionDateTime: DT value .* not whole minutes"):
        write(image, tmp_path / "odd.dcm", validate=False)


def test_a_dataset_keyword_takes_early_dates_zero_padded() -> None:
    dataset = Dataset()
    dataset.StudyDate = datetime.date(1, 1, 1)  # type: ignore[attr-defined]
    dataset.StudyTime = datetime.time(1, 2, 3, 40)  # type: ignore[attr-defined]
    dataset.AcquisitionDateTime = datetime.datetime(99, 1, 2, 3, 4, 5)  # type: ignore[attr-defined]
    assert [dataset.value(t) for t in (0x00080020, 0x00080030, 0x0008002A)] == ["00010101", "010203.000040", "00990102030405"]


def test_a_time_with_an_offset_from_utc_is_not_written_without_it(tmp_path: Path) -> None:
    """A TM has no &ZZXX (PS3.5 Table 6.2-1): an aware time was written without its offset
    and read back as another time; it is a vr-format finding and a DicomEncodeError."""
    aware = datetime.time(1, 2, 3, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    image = _ct(AcquisitionTime=aware)
    assert [(f.path, f.rule) for f in image.errors()] == [("AcquisitionTime", "vr-format")]
    with pytest.raises(DicomEncodeError, match="AcquisitionTime: TM value .* has an offset from UTC"):
        write(image, tmp_path / "tm.dcm", validate=False)
    assert not (tmp_path / "tm.dcm").exists()
