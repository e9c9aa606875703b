"""NonConformantError names the file, the class and each attribute once."""

from __future__ import annotations

from pathlib import Path

import pydicom.data
import pytest

from dicom_runtime.typed import NonConformantError, read

TEST_FILES = Path(pydicom.data.__file__).parent / "test_files"


def test_a_non_conformant_file_names_its_class_once() -> None:
    # it said "not a conformant RTDose: RTDose: RTDose.NumberOfFrames: ...": the class three times
    path = TEST_FILES / "badVR.dcm"
    with pytest.raises(NonConformantError) as caught:
        read(path)
    assert str(caught.value) == (
        f"{path}: not a conformant RTDose: RTDose.NumberOfFrames: '1A' is a str; VR IS takes int (PS3.3 2016c Table C.7-14 row 1)"
    )
