"""The optional bridge to pydicom: both directions keep every element."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pydicom.data

from dicom_runtime.fileformat import read_file
from dicom_runtime.pydicom_bridge import from_pydicom, to_pydicom


def test_both_directions() -> None:
    path = Path(pydicom.data.__file__).parent / "test_files" / "CT_small.dcm"
    ours = read_file(path).dataset
    theirs = to_pydicom(ours)
    assert str(theirs.PatientName) == str(pydicom.dcmread(path).PatientName)
    assert {int(e.tag) for e in theirs} == set(ours)
    assert from_pydicom(theirs) == ours


def test_a_compressed_image_goes_to_pydicom_in_its_own_syntax() -> None:
    # in Explicit VR Little Endian, its encapsulated Pixel Data was declared native:
    # pydicom's pixel_array then said "the number of bytes of pixel data is less than expected"
    path = Path(pydicom.data.__file__).parent / "test_files" / "JPEG2000.dcm"
    theirs = to_pydicom(read_file(path).dataset)
    reference = pydicom.dcmread(path)
    assert theirs.file_meta.TransferSyntaxUID == reference.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.91"
    assert (theirs.pixel_array == reference.pixel_array).all()
    big = Path(pydicom.data.__file__).parent / "test_files" / "MR_small_bigendian.dcm"
    assert to_pydicom(read_file(big).dataset).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.2"
    assert to_pydicom(read_file(big).dataset, "1.2.840.10008.1.2.1").file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
