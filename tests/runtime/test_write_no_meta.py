"""A file read without File Meta Information is written back in the transfer syntax it was read
in (README: "write uses the transfer syntax read unless given one"; PS3.10 7.1: the written
file's (0002,0010) names the syntax its data set is encoded in), and written in another one
its bulk data is converted from the syntax read (Big Endian OW pixels swapped). pydicom says
which syntax the copy is in and what it holds."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest

from dicom_runtime.fileformat import EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, read_file
from dicom_runtime.typed import read, write

T = Path(pydicom.data.__file__).parent / "test_files"


def _without_meta(whole: Path, bare: Path) -> Path:
    """The data set of ``whole`` alone: its preamble, DICM and meta group cut off."""
    data = whole.read_bytes()
    meta_length = int.from_bytes(data[140:144], "little")  # (0002,0000) UL, Explicit VR Little Endian
    bare.write_bytes(data[144 + meta_length :])
    return bare


@pytest.mark.parametrize(
    ("name", "syntax"),
    [
        ("ExplVR_BigEndNoMeta.dcm", EXPLICIT_VR_BIG_ENDIAN),
        ("ExplVR_LitEndNoMeta.dcm", EXPLICIT_VR_LITTLE_ENDIAN),
        ("MR_small_implicit.dcm", IMPLICIT_VR_LITTLE_ENDIAN),
    ],
)
def test_a_file_without_meta_is_written_in_the_syntax_read(tmp_path: Path, name: str, syntax: str) -> None:
    path = T / name
    if "NoMeta" not in name:
        path = _without_meta(T / name, tmp_path / f"bare_{name}")
    read_back = read_file(path)
    assert read_back.transfer_syntax == syntax and len(read_back.meta) == 0  # the FileDataset's meta: what the file holds
    copy = tmp_path / name
    write(read(path), copy, validate=False)
    written = pydicom.dcmread(copy)
    assert written.file_meta.TransferSyntaxUID == syntax
    original = pydicom.dcmread(path, force=True)
    assert [(e.tag, e.VR, e.value) for e in written if e.tag != 0x7FE00010] == [(e.tag, e.VR, e.value) for e in original if e.tag != 0x7FE00010]


def test_big_endian_pixels_without_meta_are_swapped_when_written_little_endian(tmp_path: Path) -> None:
    """MR_small_bigendian.dcm's data set alone (its meta group cut off): OW pixels in Big Endian."""
    whole = T / "MR_small_bigendian.dcm"
    bare = _without_meta(whole, tmp_path / "mr_be_no_meta.dcm")
    assert read_file(bare).transfer_syntax == EXPLICIT_VR_BIG_ENDIAN
    same, little = tmp_path / "same.dcm", tmp_path / "little.dcm"
    write(read(bare), same, validate=False)
    write(read(bare), little, transfer_syntax=EXPLICIT_VR_LITTLE_ENDIAN, validate=False)
    reference = pydicom.dcmread(whole).pixel_array
    for copy, syntax in ((same, EXPLICIT_VR_BIG_ENDIAN), (little, EXPLICIT_VR_LITTLE_ENDIAN)):
        written = pydicom.dcmread(copy)
        assert written.file_meta.TransferSyntaxUID == syntax
        assert (written.pixel_array == reference).all()
