"""Bytes that break PS3.5 7.1 (data elements in ascending tag order, each tag at most once)
or PS3.10 7.1 (a File Meta Information Group Length that is the group's length), and
input with no end: read as dcmtk reads them, and said so.

A tag twice kept the last one silently (the first value was lost on write); elements out
of order were sorted on write and never reported; a wrong group length was fatal when too
short and ignored when too long; ``/dev/zero`` was read until memory ran out. dcmtk's
``dcmdump`` (which keeps the first of a tag read twice, with a warning) and dicom3tools'
``dciodvfy`` (which reports both) are the references where they are installed (.ci/install
installs both).
"""

from __future__ import annotations

import errno
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_runtime import fileformat
from dicom_runtime.errors import DicomDecodeError
from dicom_runtime.fileformat import read_bytes, read_file, write_file
from dicom_runtime.dataset import Dataset
from dicom_runtime.reader import EXPLICIT_LE, MAX_PROBLEMS, read_dataset
from dicom_runtime.typed import read, write
from dicom_runtime.validate import validate_file

CT = Path(str(pydicom.data.get_testdata_file("CT_small.dcm")))
DEFLATED = Path(str(pydicom.data.get_testdata_file("image_dfl.dcm")))
DCMDUMP = shutil.which("dcmdump", path="/usr/bin")
DCIODVFY = shutil.which("dciodvfy")


def _element(raw: bytes, tag: bytes, vr: bytes) -> tuple[int, int]:
    """Where the explicit VR short-form element ``tag`` starts in ``raw``, and its length."""
    at = raw.index(tag + vr)
    return at, 8 + struct.unpack("<H", raw[at + 6 : at + 8])[0]


def _duplicate(tmp_path: Path) -> Path:
    """CT_small with a second Patient ID (0010,0020) right after the first."""
    raw = CT.read_bytes()
    at, length = _element(raw, b"\x10\x00\x20\x00", b"LO")
    path = tmp_path / "duplicate.dcm"
    path.write_bytes(raw[: at + length] + b"\x10\x00\x20\x00LO\x04\x00ZZZZ" + raw[at + length :])
    return path


def _out_of_order(tmp_path: Path) -> Path:
    """CT_small with Patient ID (0010,0020) before Patient's Name (0010,0010)."""
    raw = CT.read_bytes()
    name_at, name_length = _element(raw, b"\x10\x00\x10\x00", b"PN")
    id_at, id_length = _element(raw, b"\x10\x00\x20\x00", b"LO")
    assert name_at + name_length == id_at
    path = tmp_path / "out_of_order.dcm"
    path.write_bytes(raw[:name_at] + raw[id_at : id_at + id_length] + raw[name_at:id_at] + raw[id_at + id_length :])
    return path


def test_a_tag_twice_keeps_the_first_as_dcmtk_does_and_says_so(tmp_path: Path) -> None:
    path = _duplicate(tmp_path)
    dataset = read_file(path).dataset
    assert dataset.value(0x00100020) == "1CT1"  # the first; it was the second, "ZZZZ"
    [(where, message, source)] = dataset.read_problems
    assert where == "(0010,0020)" and "occurs twice in one data set" in message and source == "PS3.5 Section 7.1"
    assert f"byte {CT.read_bytes().index(b'1CT1') + 4}:" in message  # the second one's header
    if DCMDUMP:
        dumped = subprocess.run([DCMDUMP, str(path)], capture_output=True, text=True)
        assert "found twice" in dumped.stdout + dumped.stderr
        assert "(0010,0020) LO [1CT1]" in dumped.stdout and "[ZZZZ]" not in dumped.stdout


def test_a_tag_twice_is_an_error_of_validation_and_the_copy_keeps_the_first(tmp_path: Path) -> None:
    path = _duplicate(tmp_path)
    image = read(path, CTImage)
    assert [(f.path, f.rule) for f in image.errors() if f.rule == "encoding"] == [("(0010,0020)", "encoding")]
    report = validate_file(str(path))
    assert report.status == "errors" and any(f.rule == "encoding" for f in report.errors)
    out = tmp_path / "copy.dcm"
    write(image, out, validate=False)
    again = read_file(out).dataset
    assert again.value(0x00100020) == "1CT1" and not again.read_problems
    assert pydicom.dcmread(out).PatientID == "1CT1"


def test_elements_out_of_order_are_read_and_reported(tmp_path: Path) -> None:
    path = _out_of_order(tmp_path)
    dataset = read_file(path).dataset
    assert str(dataset.value(0x00100010)) == "CompressedSamples^CT1" and dataset.value(0x00100020) == "1CT1"
    [(where, message, _)] = dataset.read_problems
    assert where == "(0010,0010)" and "comes after (0010,0020): not in ascending tag order" in message
    assert [f.rule for f in read(path, CTImage).errors()] == ["encoding"]
    out = tmp_path / "copy.dcm"
    write_file(out, read_file(path).dataset)
    assert not read_file(out).dataset.read_problems  # written in ascending order
    if DCIODVFY:
        checked = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True)
        assert "out of order" in (checked.stdout + checked.stderr).lower()


@pytest.mark.parametrize("make", [_duplicate, _out_of_order])
def test_strict_refuses_either(tmp_path: Path, make: object) -> None:
    assert callable(make)
    path = make(tmp_path)
    with pytest.raises(DicomDecodeError) as caught:
        read_file(path, strict=True)
    assert "(PS3.5 7.1)" in caught.value.reason and caught.value.path in ("(0010,0020)", "(0010,0010)")


def _short(group: int, number: int, vr: bytes, value: bytes) -> bytes:
    """An explicit VR little endian element of a short-form VR."""
    return struct.pack("<HH2sH", group, number, vr, len(value)) + value


def test_a_tag_twice_in_an_item_read_later_is_reported_with_its_path() -> None:
    item = (
        _short(0x0008, 0x0100, b"SH", b"1 ") + _short(0x0008, 0x0100, b"SH", b"ZZ")
        + _short(0x0008, 0x0102, b"SH", b"DCM ") + _short(0x0008, 0x0104, b"LO", b"x ")
    )
    data = (
        _short(0x0008, 0x0016, b"UI", b"1.2.840.10008.5.1.4.1.1.7\x00")
        + b"\x08\x00\x18\x22SQ\x00\x00\xff\xff\xff\xff"  # Anatomic Region Sequence, undefined length
        + b"\xfe\xff\x00\xe0\xff\xff\xff\xff" + item + b"\xfe\xff\x0d\xe0\x00\x00\x00\x00"
        + b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
    )
    read_set = read_dataset(data, EXPLICIT_LE)
    assert not read_set.read_problems  # the sequence is skimmed, its items read when asked for
    items = read_set[0x00082218].value
    assert isinstance(items, list)
    [item_read] = items
    assert isinstance(item_read, Dataset) and item_read.value(0x00080100) == "1" and item_read.value(0x00080104) == "x"
    [(where, message, _)] = read_set.read_problems
    assert where == "(0008,2218)[0].(0008,0100)" and "occurs twice" in message


def test_the_problems_listed_are_bounded() -> None:
    # /dev/zero's first bytes as a data set: (0000,0000) UL of length 0, again and again
    file = read_bytes(b"\x00" * (8 * (MAX_PROBLEMS + 50)), source="zeros")
    problems = file.dataset.read_problems
    assert len(problems) == MAX_PROBLEMS + 1 and "not listed" in problems[-1][1]


def _with_group_length(length: int, tmp_path: Path) -> Path:
    raw = bytearray(CT.read_bytes())
    assert raw[132:140] == b"\x02\x00\x00\x00UL\x04\x00"
    raw[140:144] = struct.pack("<I", length)
    path = tmp_path / f"group_length_{length}.dcm"
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize("length", [40, 100_000])
def test_a_wrong_meta_group_length_is_read_past_and_reported(tmp_path: Path, length: int) -> None:
    path = _with_group_length(length, tmp_path)
    file = read_file(path)
    original = read_file(CT)
    assert file.dataset == original.dataset
    assert file.meta.value(0x00020000) == length  # as read; the writer writes the right one
    assert [e for e in file.meta.elements() if e.tag != 0x00020000] == [e for e in original.meta.elements() if e.tag != 0x00020000]
    [(where, message, source)] = file.dataset.read_problems
    assert where == "(0002,0000)" and f"Group Length is {length}" in message and source == "PS3.10 Section 7.1"
    assert pydicom.dcmread(path).PatientID == "1CT1"  # pydicom reads both too


def test_the_right_meta_group_length_is_no_problem() -> None:
    assert not read_file(CT).dataset.read_problems


def test_a_cut_deflated_file_says_where_and_why(tmp_path: Path) -> None:
    raw = DEFLATED.read_bytes()
    path = tmp_path / "cut.dcm"
    path.write_bytes(raw[:634])  # the deflated data set begins at byte 334
    with pytest.raises(DicomDecodeError) as caught:
        read_file(path)
    assert "of the data set inflated from file byte 334" in caught.value.reason
    assert "the deflate stream ends early: the file is cut short" in caught.value.reason


def test_an_endless_device_is_refused_at_max_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fileformat, "MAX_STREAM", 1 << 20)
    with pytest.raises(DicomDecodeError) as caught:
        read_file("/dev/zero")
    assert caught.value.source == "/dev/zero" and "from a pipe or a device" in caught.value.reason


def test_a_pipe_is_read(tmp_path: Path) -> None:
    dumped = subprocess.run(
        [sys.executable, "-m", "dicom_runtime.dump", "/dev/stdin"], input=CT.read_bytes(), capture_output=True
    )
    assert dumped.returncode == 0 and b"1CT1" in dumped.stdout


def test_a_folder_is_named() -> None:
    with pytest.raises(IsADirectoryError) as caught:
        read_file(CT.parent)
    assert caught.value.errno == errno.EISDIR and caught.value.filename == str(CT.parent)
