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
from tests.runtime.media.conftest import make_instances

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


def test_records_left_empty_by_an_inactive_one_are_dropped_when_rewritten(tmp_path: Path) -> None:
    """A SERIES record marked inactive (Record In-use Flag 0000H) hides its image; the STUDY and
    PATIENT above it, left with nothing, are dropped at the next rewrite, not kept empty."""
    root = tmp_path / "fs"
    fileset = FileSet(root)
    fileset.add(CORPUS / "CT_small.dcm")
    fileset.add(CORPUS / "MR_small.dcm")
    fileset.write(durable=False)
    series = next(r for r in FileSet.open(root).records() if r.record_type == "SERIES" and r.keys.value(0x00080060) == "CT")
    assert series.offset is not None
    data = bytearray((root / "DICOMDIR").read_bytes())
    flag = data.index(b"\x04\x00\x10\x14US\x02\x00", series.offset) + 8  # this record's Record In-use Flag's value
    data[flag : flag + 2] = b"\x00\x00"
    (root / "DICOMDIR").write_bytes(bytes(data))
    reopened = FileSet.open(root)
    (extra,) = make_instances(tmp_path / "more", 1, patients=1, series_per_patient=1)
    reopened.add(extra)
    reopened.write(durable=False)
    records = list(FileSet.open(root).records())
    empty = [r.record_type for r in records if r.record_type in ("PATIENT", "STUDY", "SERIES") and not r.children]
    assert empty == [] and {r.record_type for r in records} >= {"PATIENT", "STUDY", "SERIES", "IMAGE"}
    # the CT_small patient's study and series are gone with its hidden image; the new instance's are there
    assert not any(r.keys.value(0x00100020) == "1CT1" for r in records)


def test_a_file_under_the_root_not_at_a_file_id_is_refused_not_left_an_orphan(tmp_path: Path) -> None:
    # it was copied to a new File ID and left where it was, unreferenced: the File-set just
    # made failed verify ("mr.dcm: orphan: no record references it")
    root = tmp_path / "fs"
    root.mkdir()
    loose = root / "mr.dcm"
    shutil.copy(CORPUS / "MR_small.dcm", loose)
    before = _sha(loose)
    fileset = FileSet(root)
    with pytest.raises(MediaError) as caught:
        fileset.add(loose)
    assert str(caught.value) == (
        f"{loose}: cannot be added: it is under the File-set's root as mr.dcm, which is no File ID (component 'mr.dcm' of "
        "mr.dcm has characters outside A-Z, 0-9 and _ (PS3.10 8.5): '.cdmr'), and would stay there unreferenced: "
        "rename it, or add it from outside the root"
    )
    (root / "MR1").mkdir()
    conformant = root / "MR1" / "IM1"
    loose.rename(conformant)
    fileset.add(conformant)  # at a File ID: in place, as it is
    fileset.write(durable=False)
    assert fileset.verify() == [] and _sha(conformant) == before


def test_a_write_that_fails_leaves_nothing_of_itself(tmp_path: Path) -> None:
    # a source cut short between add and write: one error naming it once, and neither the
    # files written before it nor their folders are left (there were: DICOM/S.../R.../I...)
    first, second = make_instances(tmp_path / "src", 2, patients=1)
    shutil.copy(CORPUS / "MR_small_bigendian.dcm", tmp_path / "src" / "MRBE")  # copied in converted
    root = tmp_path / "fs"
    fileset = FileSet(root)
    for path in (first, tmp_path / "src" / "MRBE", second):
        fileset.add(path)
    cut = tmp_path / "src" / "MRBE"
    cut.write_bytes(cut.read_bytes()[:1000])
    with pytest.raises(MediaError) as caught:
        fileset.write(durable=False)
    assert str(caught.value).startswith(f"{cut}: cannot be written into the File-set: byte ") and str(caught.value).count(str(cut)) == 1
    assert [p for p in root.rglob("*")] == []
    shutil.copy(CORPUS / "MR_small_bigendian.dcm", cut)
    fileset.write(durable=False)  # the same staged changes, once the source is back
    assert fileset.verify() == [] and len(fileset.instances()) == 3
