"""Adding and removing instances: after each step the File-set verifies clean, pydicom reads
the same instances and files, every record sits under the right parents, and no record is
left without instances below it. Inactive and stale records are dropped on rewrite."""

from __future__ import annotations

import random
import struct
import subprocess
from pathlib import Path

from dicom_runtime.fileformat import read_file
from dicom_runtime.media import FileSet, MediaError, read_dicomdir
from pydicom.fileset import FileSet as PydicomFileSet

from .conftest import make_instances


def _consistent(root: Path, expected: set[str]) -> FileSet:
    fileset = FileSet.open(root)
    assert fileset.verify() == []
    assert {r.sop_instance_uid for r in fileset.instances()} == expected
    pyfs = PydicomFileSet(root / "DICOMDIR")
    assert sorted((Path(i.path).resolve(), i.SOPInstanceUID) for i in pyfs) == sorted(
        (fileset.path_of(r).resolve(), r.sop_instance_uid) for r in fileset.instances()
    )
    for record in fileset.records():
        if record.record_type in ("PATIENT", "STUDY", "SERIES"):
            assert record.children, f"an empty {record.record_type} record"
    for record in fileset.instances():
        data = read_file(fileset.path_of(record), stop_before_pixels=True).dataset
        series = record.parent
        assert series is not None and series.record_type == "SERIES"
        assert series.text("SeriesInstanceUID") == data.value(0x0020000E)
        study = series.parent
        assert study is not None and study.text("StudyInstanceUID") == data.value(0x0020000D)
        patient = study.parent
        assert patient is not None and patient.parent is None and patient.text("PatientID") == data.value(0x00100020)
    uids = [r.text("StudyInstanceUID") for r in fileset.records() if r.record_type == "STUDY"]
    assert len(uids) == len(set(uids))
    return fileset


def test_add_remove_round_trips(tmp_path: Path) -> None:
    files = make_instances(tmp_path / "src", 24, patients=3, series_per_patient=2)
    uids = {f: str(read_file(f, stop_before_pixels=True).dataset.value(0x00080018)) for f in files}
    root = tmp_path / "fs"
    fileset = FileSet(root)
    for f in files[:6]:
        fileset.add(f)
    fileset.write()
    present = {uids[f] for f in files[:6]}
    _consistent(root, present)
    rng = random.Random(18)
    pending = files[6:]
    for step in range(8):
        fileset = FileSet.open(root)
        for f in pending[:3]:
            fileset.add(f)
            present.add(uids[f])
        pending = pending[3:]
        for uid in rng.sample(sorted(present), 2):
            fileset.remove(uid)
            present.discard(uid)
        fileset.write()
        _consistent(root, present)
    # a whole series, then everything
    fileset = FileSet.open(root)
    series = fileset.find("SERIES")[0]
    gone = {r.sop_instance_uid for r in series.walk() if r.sop_instance_uid}
    fileset.remove(series)
    fileset.write()
    present -= gone
    _consistent(root, present)
    fileset = FileSet.open(root)
    for uid in sorted(present):
        fileset.remove(uid)
    fileset.write()
    _consistent(root, set())
    assert not (root / "DICOM").exists()  # emptied folders are removed too
    result = subprocess.run(["dciodvfy", str(root / "DICOMDIR")], check=False, capture_output=True, text=True)
    assert "Error" not in result.stdout + result.stderr


def test_staged_add_then_remove_writes_nothing(tmp_path: Path) -> None:
    files = make_instances(tmp_path / "src", 2, patients=1)
    fileset = FileSet(tmp_path / "fs")
    record = fileset.add(files[0])
    fileset.add(files[1])
    fileset.remove(record)
    fileset.write()
    assert len(list((tmp_path / "fs").rglob("I*"))) == 1
    _consistent(tmp_path / "fs", {fileset.instances()[0].sop_instance_uid or ""})


def test_duplicate_and_unknown(tmp_path: Path) -> None:
    files = make_instances(tmp_path / "src", 1, patients=1)
    fileset = FileSet(tmp_path / "fs")
    fileset.add(files[0])
    try:
        fileset.add(files[0])
    except MediaError as exc:
        assert "in the File-set already" in str(exc) and str(files[0]) in str(exc)
    else:
        raise AssertionError("a duplicate was added")
    try:
        fileset.remove("1.2.3.4")
    except MediaError as exc:
        assert "no instance 1.2.3.4" in str(exc)
    else:
        raise AssertionError("an unknown instance was removed")


def test_files_in_place_are_not_copied(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    (root / "IMAGES").mkdir(parents=True)
    files = make_instances(tmp_path / "src", 3, patients=1)
    for i, f in enumerate(files):
        (root / "IMAGES" / f"IM{i}").write_bytes(f.read_bytes())
    fileset = FileSet(root)
    for i in range(3):
        fileset.add(root / "IMAGES" / f"IM{i}")
    fileset.write()
    assert sorted(r.file_id for r in fileset.instances()) == [("IMAGES", f"IM{i}") for i in range(3)]  # type: ignore[type-var]
    assert not (root / "DICOM").exists()
    _consistent(root, {r.sop_instance_uid or "" for r in fileset.instances()})


def _flag(root: Path, offset: int, value: int) -> None:
    path = root / "DICOMDIR"
    data = bytearray(path.read_bytes())
    assert data[offset + 8 + 12 : offset + 8 + 16] == b"\x04\x00\x10\x14"  # (0004,1410)
    struct.pack_into("<H", data, offset + 8 + 20, value)
    path.write_bytes(bytes(data))


def test_inactive_records_skipped_and_dropped(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    fileset = FileSet(root)
    for f in make_instances(tmp_path / "src", 4, patients=2, series_per_patient=1):
        fileset.add(f)
    fileset.write()
    first_patient = fileset.roots[0]
    assert first_patient.offset is not None
    _flag(root, first_patient.offset, 0x0000)  # PS3.10: an inactive record, ignored with what is below it
    reopened = FileSet.open(root)
    assert [r.text("PatientID") for r in reopened.roots] == ["PAT1"]  # its next link was still followed
    problems = reopened.verify()
    assert any("inactive PATIENT" in p.message for p in problems)
    assert sum(p.orphan for p in problems) == 2  # its two files: no record in use references them
    reopened.write()
    assert read_dicomdir(root / "DICOMDIR").inactive == []
    assert len(FileSet.open(root).instances()) == 2


def test_stale_records_reported_and_dropped(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    fileset = FileSet(root)
    for f in make_instances(tmp_path / "src", 4, patients=2, series_per_patient=1):
        fileset.add(f)
    fileset.write()
    offset = fileset.roots[0].offset
    assert offset is not None
    data = bytearray((root / "DICOMDIR").read_bytes())
    struct.pack_into("<I", data, offset + 8 + 8, 0)  # the first patient's next link cut: the second is stale
    (root / "DICOMDIR").write_bytes(bytes(data))
    reopened = FileSet.open(root)
    assert len(reopened.roots) == 1
    problems = reopened.verify()
    assert sum("no link reaches" in p.message for p in problems) == 5  # PATIENT, STUDY, SERIES, 2 IMAGEs
    assert sum(p.orphan for p in problems) == 2
    reopened.write()  # stale records are not written back; their files stay, as orphans
    assert read_dicomdir(root / "DICOMDIR").unreached == []
    assert [p.orphan for p in FileSet.open(root).verify()] == [True, True]


def test_never_overwrites_another_writers_dicomdir(tmp_path: Path) -> None:
    files = make_instances(tmp_path / "src", 3, patients=1)
    root = tmp_path / "fs"
    first = FileSet(root)
    first.add(files[0])
    first.write()
    before = (root / "DICOMDIR").read_bytes()
    fresh = FileSet(root)  # made new over an existing File-set: would lose its records
    fresh.add(files[1])
    try:
        fresh.write()
    except MediaError as exc:
        assert "exists already" in str(exc)
    else:
        raise AssertionError("an existing DICOMDIR was overwritten")
    a, b = FileSet.open(root), FileSet.open(root)
    a.add(files[1])
    a.write()
    b.add(files[2])
    try:
        b.write()  # b read the DICOMDIR before a changed it
    except MediaError as exc:
        assert "changed by another writer" in str(exc)
    else:
        raise AssertionError("a concurrent update was lost")
    assert (root / "DICOMDIR").read_bytes() != before
    _consistent(root, {r.sop_instance_uid or "" for r in a.instances()})
    a.add(files[2])
    a.write()  # the same object writes again: its own DICOMDIR
    assert len(FileSet.open(root).instances()) == 3
