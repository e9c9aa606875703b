"""The query index's rows made from the stored attributes' bytes alone (index.stored_header)
equal those made from the whole header as the reader reads it (matching.read_header), on
pydicom's corpus and on files made to leave the quick walk (attributes past its 64 KiB,
sequences of undefined length before them, Implicit VR, Big Endian, no File Meta)."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pydicom.data
import pytest
from pydicom.dataset import Dataset as PydicomDataset
from pydicom.sequence import Sequence

from dicom_runtime.errors import DicomError
from dicom_runtime.net.index import _HEAD, _stored_elements, row_of, stored_header
from dicom_runtime.net.matching import read_header

CORPUS = Path(pydicom.data.__file__).parent / "test_files"


def _quick(path: Path) -> bool:
    """Whether the quick walk applies to the file (no fallback to the whole header)."""
    head = path.read_bytes()[:_HEAD]
    try:
        return _stored_elements(head, complete=len(head) < _HEAD, source=str(path)) is not None
    except DicomError:
        return False


def test_rows_from_the_stored_attributes_equal_rows_from_the_whole_header_on_the_corpus() -> None:
    compared = quick = 0
    for path in sorted(CORPUS.rglob("*.dcm")):
        try:
            expected = row_of(path.name, read_header(path))
        except (DicomError, OSError):
            with pytest.raises((DicomError, OSError)):
                stored_header(path)  # what the reader refuses is refused here too
            continue
        assert row_of(path.name, stored_header(path)) == expected, path.name
        compared += 1
        quick += _quick(path)
    assert compared >= 70 and quick >= 55, (compared, quick)


def _ct(tmp_path: Path, name: str, **changes: object) -> Path:
    dataset = pydicom.dcmread(CORPUS / "CT_small.dcm")
    for keyword, value in changes.items():
        setattr(dataset, keyword, value)
    path = tmp_path / name
    dataset.save_as(path, enforce_file_format=True)
    return path


def test_files_that_leave_the_quick_walk_give_the_same_rows(tmp_path: Path) -> None:
    item = PydicomDataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = "T-D0050", "SRT", "Tissue"
    big_private = _ct(tmp_path, "private.dcm")
    dataset = pydicom.dcmread(big_private)
    dataset.add_new(0x00091010, "OB", bytes(100_000))  # pushes the study, series and image attributes past 64 KiB
    dataset.save_as(big_private, enforce_file_format=True)
    undefined = _ct(tmp_path, "sequence.dcm", AnatomicRegionSequence=Sequence([item]), StudyDescription="Ünïcode", SpecificCharacterSet="ISO_IR 100")
    raw = pydicom.dcmread(undefined)
    raw["AnatomicRegionSequence"].is_undefined_length = True
    raw.save_as(undefined, enforce_file_format=True)
    implicit = tmp_path / "implicit.dcm"
    dataset = pydicom.dcmread(CORPUS / "CT_small.dcm")
    dataset.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    dataset.save_as(implicit, enforce_file_format=True, implicit_vr=True, little_endian=True)
    big_endian = CORPUS / "MR_small_bigendian.dcm"
    no_meta = CORPUS / "ExplVR_LitEndNoMeta.dcm"
    for path, quick in ((big_private, False), (undefined, True), (implicit, True), (big_endian, False), (no_meta, False)):
        assert _quick(path) is quick, path.name
        assert row_of(path.name, stored_header(path)) == row_of(path.name, read_header(path)), path.name
