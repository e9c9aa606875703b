"""What a File-set does to its user's files (found by a new user's review): a file in place is
never rewritten, a big endian one copied in keeps its pixels, and nothing but File-set files is
left in the root (dcmtk's dcmmkdir +r then takes the folder)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pydicom.data
import pytest

from dicom_runtime.media import FileSet, MediaError

CORPUS = Path(pydicom.data.__file__).parent / "test_files"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_in_place_that_would_need_rewriting_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "IMG").mkdir()
    target = tmp_path / "IMG" / "MRBE"
    shutil.copy(CORPUS / "MR_small_bigendian.dcm", target)
    before = _sha(target)
    fileset = FileSet(tmp_path)
    with pytest.raises(MediaError, match="cannot be added in place: it is in 1.2.840.10008.1.2.2"):
        fileset.add(target)
    assert _sha(target) == before and not (tmp_path / "DICOMDIR").exists()


def test_a_big_endian_file_copied_in_keeps_its_pixels(tmp_path: Path) -> None:
    fileset = FileSet(tmp_path / "fs")
    record = fileset.add(CORPUS / "MR_small_bigendian.dcm")
    fileset.write(durable=False)
    assert record.file_id is not None
    copied = (tmp_path / "fs").joinpath(*record.file_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, original = pydicom.dcmread(copied), pydicom.dcmread(CORPUS / "MR_small_bigendian.dcm")
        assert ours.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
        assert np.array_equal(ours.pixel_array, original.pixel_array)


def test_only_file_set_files_are_left_in_the_root(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    fileset = FileSet(root)
    for name in ("CT_small.dcm", "MR_small.dcm"):
        fileset.add(CORPUS / name)
    fileset.write(durable=False)
    assert sorted(p.name for p in root.iterdir()) == ["DICOM", "DICOMDIR"]
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    (copy / "DICOMDIR").unlink()
    made = subprocess.run(["/usr/bin/dcmmkdir", "+r", "+I"], cwd=copy, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0 and "E:" not in made.stdout + made.stderr, made.stdout + made.stderr
