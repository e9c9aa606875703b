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
