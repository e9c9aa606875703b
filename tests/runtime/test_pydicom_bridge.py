"""The optional bridge to pydicom: both directions keep every element."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicom_model.dataset import Dataset as KeywordDataset
from dicom_runtime.dataset import Dataset
from dicom_runtime.errors import DicomEncodeError, DicomTypeError
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


# Data sets that are not files (no SOP Class and Instance UIDs, no File Meta Information):
# both directions went through a file, and refused them (to_pydicom: "a DICOM file needs SOP
# Class UID"; from_pydicom: pydicom's raw ValueError, or AttributeError once file_meta was deleted).

NOT_FILES = ["empty_charset_LEI.dcm", "meta_missing_tsyntax.dcm", "nested_priv_SQ.dcm"]


def _query() -> Dataset:
    d = KeywordDataset()  # the runtime's Dataset, its keywords declared to mypy
    d.PatientName = "DOE^J"
    d.QueryRetrieveLevel = "STUDY"
    return d


def test_a_plain_data_set_goes_to_pydicom_and_back() -> None:
    ours = _query()
    theirs = to_pydicom(ours)
    assert isinstance(theirs, pydicom.Dataset) and not isinstance(theirs, pydicom.FileDataset)
    assert (str(theirs.PatientName), theirs.QueryRetrieveLevel) == ("DOE^J", "STUDY")
    assert from_pydicom(theirs) == ours
    implicit = to_pydicom(ours, "1.2.840.10008.1.2")
    assert implicit.original_encoding == (True, True)
    assert from_pydicom(implicit) == ours


@pytest.mark.parametrize("name", NOT_FILES)
def test_a_corpus_data_set_without_sop_uids_goes_both_ways(name: str) -> None:
    path = Path(pydicom.data.__file__).parent / "test_files" / name
    ours = read_file(path).dataset
    theirs = to_pydicom(ours)
    reference = pydicom.dcmread(path)
    assert {int(e.tag) for e in theirs} == set(ours) == {int(e.tag) for e in reference}
    for element in reference:
        assert theirs[element.tag].value == element.value, element.tag
    assert theirs.file_meta.ImplementationClassUID == reference.file_meta.ImplementationClassUID
    assert from_pydicom(theirs) == ours
    assert from_pydicom(reference) == ours


def test_from_pydicom_without_file_meta() -> None:
    assert len(from_pydicom(pydicom.Dataset())) == 0
    plain = pydicom.Dataset()
    plain.PatientName = "DOE^J"
    plain.Rows = 512
    ours = from_pydicom(plain)
    assert (str(ours.value(0x00100010)), ours.value(0x00280010)) == ("DOE^J", 512)
    path = Path(pydicom.data.__file__).parent / "test_files" / "CT_small.dcm"
    theirs = pydicom.dcmread(path)
    del theirs.file_meta
    assert from_pydicom(theirs) == read_file(path).dataset


def test_what_cannot_be_converted_is_one_dicom_error() -> None:
    bad = pydicom.Dataset()
    with pytest.warns(UserWarning):
        bad.Rows = "many"
    with pytest.raises(DicomEncodeError, match=r"^pydicom cannot encode the data set: .*\(0028,0010\)[^\n]*$"):
        from_pydicom(bad)
    with pytest.raises(DicomTypeError):
        from_pydicom(b"DICM")
    with pytest.raises(DicomTypeError):
        to_pydicom(pydicom.Dataset())  # type: ignore[arg-type]
