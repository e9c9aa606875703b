"""An instance of an Image Storage SOP class is an IMAGE record whether or not it holds Pixel
Data: the small CT files of pydicom's dicomdirtests (TINY_ALPHA) have none, their own DICOMDIR
makes IMAGE records of them, and so does dcmmkdir; they were refused ('no directory record
type is known for SOP class 1.2.840.10008.5.1.4.1.1.2'). A SOP class PS3.4 does not list, with
no pixel data, still has no record type."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pydicom.fileset import FileSet as PydicomFileSet

from dicom_runtime.dataset import DataElement
from dicom_runtime.fileformat import read_file, write_file
from dicom_runtime.media import FileSet, MediaError
from dicom_runtime.media.records import record_type_for

from .conftest import DICOMDIR_TESTS

TINY = sorted((DICOMDIR_TESTS / "TINY_ALPHA" / "PT000000" / "ST000000" / "SE000000").glob("IM*"))[:3]


def test_tiny_alpha_images_are_image_records(tmp_path: Path) -> None:
    assert TINY and all(0x7FE00010 not in read_file(p).dataset for p in TINY)
    fileset = FileSet(tmp_path / "fs")
    assert [fileset.add(p).record_type for p in TINY] == ["IMAGE"] * 3
    fileset.write()
    assert [i.DirectoryRecordType for i in PydicomFileSet(tmp_path / "fs" / "DICOMDIR")] == ["IMAGE"] * 3
    if shutil.which("dcmmkdir") is None:
        pytest.fail("dcmmkdir is missing: bash .ci/install installs dcmtk")
    theirs = tmp_path / "theirs"
    (theirs / "DICOM").mkdir(parents=True)
    for p in TINY:
        shutil.copy(p, theirs / "DICOM" / p.name)
    subprocess.run(["dcmmkdir", "+r", "+id", str(theirs), "DICOM"], check=True, capture_output=True, cwd=theirs)
    assert [i.DirectoryRecordType for i in PydicomFileSet(theirs / "DICOMDIR")] == ["IMAGE"] * 3


def test_a_sop_class_no_table_lists_needs_pixel_data(tmp_path: Path) -> None:
    dataset = read_file(TINY[0]).dataset
    assert record_type_for("1.2.840.10008.5.1.4.1.1.7", dataset) == "IMAGE"  # Secondary Capture Image Storage
    dataset[0x00080016] = DataElement(0x00080016, "UI", "1.2.3.4.5")
    path = tmp_path / "odd.dcm"
    write_file(path, dataset)
    with pytest.raises(MediaError, match="no directory record type is known for SOP class 1.2.3.4.5"):
        FileSet(tmp_path / "fs").add(path)
