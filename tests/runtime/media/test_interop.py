"""Our DICOMDIRs read by independent tools: dcmdump (offsets and records), dciodvfy (the
Basic Directory IOD), pydicom's FileSet (same records and files), dcmtk's dcmmkdir
appending to them (+A) and dcmgpdir -v rebuilding over them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest
from dicom_runtime.media import FileSet, MediaError
from pydicom.fileset import FileSet as PydicomFileSet

from .conftest import MR_SMALL, TEST_FILES, make_instances
from .test_reader import _same_as_pydicom


@pytest.fixture
def ours(tmp_path: Path) -> FileSet:
    fileset = FileSet(tmp_path / "fs", fileset_id="OURS")
    for path in make_instances(tmp_path / "src", 9, patients=3, series_per_patient=2):
        fileset.add(path)
    for name in ("SC_rgb_small_odd.dcm", "examples_palette.dcm", "liver_1frame.dcm"):  # SC, US, Segmentation
        fileset.add(TEST_FILES / name)
    fileset.add(MR_SMALL)
    fileset.write()
    return FileSet.open(tmp_path / "fs")


def test_dcmdump_sees_our_offsets(ours: FileSet) -> None:
    out = subprocess.run(["/usr/bin/dcmdump", str(ours.dicomdir_path)], capture_output=True, text=True, check=True).stdout
    item_offsets = [int(m) for m in re.findall(r"#\s+offset=\$(\d+)", out)]
    types = re.findall(r"\(0004,1430\) CS \[([^\]]*)\]", out)
    by_offset = {r.offset: r for r in ours.records()}
    assert sorted(item_offsets) == sorted(o for o in by_offset if o is not None)
    assert [by_offset[o].record_type for o in item_offsets] == [t.strip() for t in types]
    links = [int(m) for m in re.findall(r"\((?:0004,1200|0004,1202|0004,1400|0004,1420)\) up (\d+)", out)]
    assert links and all(link == 0 or link in by_offset for link in links)


def test_dciodvfy_passes(ours: FileSet) -> None:
    result = subprocess.run(["dciodvfy", str(ours.dicomdir_path)], check=False, capture_output=True, text=True)
    lines = (result.stdout + result.stderr).splitlines()
    assert "BasicDirectory" in lines
    assert [line for line in lines if line.startswith("Error")] == []


def test_pydicom_reads_ours(ours: FileSet) -> None:
    assert _same_as_pydicom(ours.dicomdir_path) == 13
    pyfs = PydicomFileSet(ours.dicomdir_path)
    assert pyfs.ID == "OURS"
    assert {i.SOPInstanceUID for i in pyfs} == {r.sop_instance_uid for r in ours.instances()}
    for instance in pyfs:  # pydicom opens each referenced file
        assert instance.load().SOPInstanceUID == instance.SOPInstanceUID


def test_transcoded_for_the_profile(tmp_path: Path) -> None:
    fileset = FileSet(tmp_path / "fs")
    record = fileset.add(TEST_FILES / "MR_small_implicit.dcm")
    fileset.write()
    assert record.transfer_syntax_uid == "1.2.840.10008.1.2.1"
    copy = pydicom.dcmread(fileset.path_of(record))
    original = pydicom.dcmread(TEST_FILES / "MR_small_implicit.dcm")
    assert copy.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert copy.PixelData == original.PixelData and copy.SOPInstanceUID == original.SOPInstanceUID
    assert FileSet.open(tmp_path / "fs").verify() == []
    with pytest.raises(MediaError, match="not one STD-GEN-CD allows"):
        fileset.add(TEST_FILES / "JPEG2000.dcm")
    jpeg = FileSet(tmp_path / "j2k", profile="STD-GEN-USB-J2K")
    assert jpeg.add(TEST_FILES / "JPEG2000.dcm").transfer_syntax_uid == "1.2.840.10008.1.2.4.91"


@pytest.mark.parametrize("tool", ["dcmmkdir", "dcmgpdir"])
def test_dcmtk_appends_to_ours(ours: FileSet, tmp_path: Path, tool: str) -> None:
    # +A: dcmtk reads our DICOMDIR (-v: what it does) and writes it back with one more record
    extra = make_instances(tmp_path / "extra", 1, patients=1)[0]
    (ours.root / "EXTRA").mkdir()
    shutil.copy(extra, ours.root / "EXTRA" / "IM1")
    result = subprocess.run([f"/usr/bin/{tool}", "-v", "+A", "EXTRA/IM1"], cwd=ours.root, capture_output=True, text=True, check=True)
    log = result.stdout + result.stderr
    assert "appending to DICOMDIR file" in log and "writing file: DICOMDIR" in log
    assert "E: " not in log and "W: " not in log  # no error, no warning about our DICOMDIR
    after = FileSet.open(ours.root)
    before = {r.sop_instance_uid: r.file_id for r in ours.instances()}
    now = {r.sop_instance_uid: r.file_id for r in after.instances()}
    assert len(now) == len(before) + 1 and all(now[uid] == file_id for uid, file_id in before.items())
    assert after.verify() == []


def test_dcmgpdir_verbose_over_ours(ours: FileSet, tmp_path: Path) -> None:
    # dcmgpdir builds its own DICOMDIR over our File IDs: the same instances in the same files
    copy = tmp_path / "copy"
    shutil.copytree(ours.root / "DICOM", copy / "DICOM")
    result = subprocess.run(["/usr/bin/dcmgpdir", "-v", "+r", "DICOM"], cwd=copy, capture_output=True, text=True, check=True)
    assert "writing file: DICOMDIR" in result.stdout + result.stderr
    theirs = FileSet.open(copy)
    assert {(r.sop_instance_uid, r.file_id) for r in theirs.instances()} == {(r.sop_instance_uid, r.file_id) for r in ours.instances()}
