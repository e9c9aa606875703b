"""Reading DICOMDIRs: pydicom's dicomdirtests and dcmtk-made ones give the records and the
referenced files pydicom reports; bad DICOMDIRs give one MediaError naming the file, the
record's byte offset and the reason."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pydicom
import pytest
from dicom_runtime.dataset import DataElement, Dataset
from dicom_runtime.media import FileSet, MediaError, read_dicomdir
from dicom_runtime.media.records import REFERENCED_FILE_ID
from pydicom.fileset import FileSet as PydicomFileSet

from .conftest import CT_SMALL, DICOMDIR_TESTS, make_instances


def _text(value: object) -> str:
    if isinstance(value, (list, pydicom.multival.MultiValue)):
        return "\\".join(str(v) for v in value)
    return "" if value is None else str(value)


def _same_as_pydicom(path: Path) -> int:
    """Every record pydicom reads (by offset) is ours with the same type and keys; the
    instances and their files are the ones pydicom's FileSet reports. Returns the count."""
    ours = FileSet.open(path)
    by_offset = {r.offset: r for r in ours.records()}
    theirs = pydicom.dcmread(path)
    seen = 0
    for item in theirs.DirectoryRecordSequence:
        record = by_offset[item.seq_item_tell]
        assert record.record_type == item.DirectoryRecordType
        for element in item:
            if element.tag.group == 0x0004 and element.tag.element in (0x1400, 0x1410, 0x1420, 0x1430) or element.VR == "SQ":
                continue
            assert _text(record.value(int(element.tag))).rstrip(" \0") == _text(element.value).rstrip(" \0"), element
        seen += 1
    assert seen == len(by_offset)
    pyfs = PydicomFileSet(path)
    expected = sorted((Path(i.path).resolve(), i.SOPInstanceUID) for i in pyfs)
    got = sorted((ours.path_of(r).resolve(), r.sop_instance_uid) for r in ours.instances())
    assert got == expected
    return len(got)


@pytest.mark.filterwarnings("ignore:The DICOMDIR dataset uses an invalid transfer syntax")
@pytest.mark.parametrize("name", ["DICOMDIR", "DICOMDIR-bigEnd", "DICOMDIR-implicit", "DICOMDIR-reordered"])
def test_pydicom_dicomdirtests(name: str) -> None:
    assert _same_as_pydicom(DICOMDIR_TESTS / name) == 31


def test_pydicom_dicomdirtests_tree() -> None:
    fileset = FileSet.open(DICOMDIR_TESTS)
    assert [r.record_type for r in fileset.roots] == ["PATIENT", "PATIENT"]
    assert [r.text("PatientID") for r in fileset.roots] == ["77654033", "98890234"]
    study = fileset.find("STUDY", StudyInstanceUID="1.3.6.1.4.1.5962.1.1.0.0.0.1196527414.5534.0.1")
    assert len(study) == 1 and study[0].parent is fileset.roots[0]
    images = [r for r in study[0].walk() if r.record_type == "IMAGE"]
    assert all(r.parent is not None and r.parent.record_type == "SERIES" for r in images)
    image = fileset.read(images[0])  # lazily read, typed by SOP class (a Dataset here: CR has no generated IOD)
    assert isinstance(image, Dataset) and image.value(0x00080018) == images[0].sop_instance_uid


def test_empty_dicomdir() -> None:
    assert FileSet.open(DICOMDIR_TESTS / "DICOMDIR-empty.dcm").instances() == []


def test_damaged_and_invalid_pydicom_variants() -> None:
    # an item longer than its sequence: pydicom reads on past the sequence's end, we refuse
    with pytest.raises(MediaError, match="damaged DICOMDIR: item length 248") as caught:
        FileSet.open(DICOMDIR_TESTS / "DICOMDIR-nooffset")
    assert caught.value.offset == 10860
    # a record type that does not exist (pydicom refuses too)
    with pytest.raises(MediaError, match="Directory Record Type 'UNKNOWN'"):
        FileSet.open(DICOMDIR_TESTS / "DICOMDIR-nopatient")


@pytest.mark.parametrize("tool", ["dcmmkdir", "dcmgpdir"])
def test_dcmtk_made(tmp_path: Path, tool: str) -> None:
    made = make_instances(tmp_path / "src", 12, patients=3)
    root = tmp_path / "fs"
    (root / "IMAGES").mkdir(parents=True)
    for i, path in enumerate(made):
        shutil.copy(path, root / "IMAGES" / f"IM{i:04d}")
    subprocess.run([f"/usr/bin/{tool}", "-q", "+r", "IMAGES"], cwd=root, check=True)
    assert _same_as_pydicom(root / "DICOMDIR") == 12
    fileset = FileSet.open(root)
    assert [r.record_type for r in fileset.roots] == ["PATIENT"] * 3
    assert fileset.verify() == []


# -- bad input ------------------------------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Path:
    fileset = FileSet(tmp_path / "fs")
    for path in make_instances(tmp_path / "src", 4, patients=2, series_per_patient=1):
        fileset.add(path)
    fileset.write()
    return tmp_path / "fs" / "DICOMDIR"


def _records(path: Path) -> list[tuple[int, int]]:
    """(offset, next-link position) of each record, by pydicom."""
    ds = pydicom.dcmread(path)
    return [(item.seq_item_tell, item.seq_item_tell + 8 + 8) for item in ds.DirectoryRecordSequence]


def _patch(path: Path, position: int, value: int) -> None:
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, position, value)
    path.write_bytes(bytes(data))


def test_offset_outside_the_file(small: Path) -> None:
    offset, next_at = _records(small)[0]
    _patch(small, next_at, small.stat().st_size + 1000)
    with pytest.raises(MediaError, match=r"Offset of the Next Directory Record \d+ points outside the file") as caught:
        FileSet.open(small)
    assert caught.value.offset == offset and caught.value.path == str(small)


def test_offset_not_a_record(small: Path) -> None:
    offset, next_at = _records(small)[0]
    _patch(small, next_at, offset + 2)
    with pytest.raises(MediaError, match="is not the start of a directory record") as caught:
        FileSet.open(small)
    assert caught.value.offset == offset


def test_cycle(small: Path) -> None:
    records = _records(small)
    last_patient = [r for r in records if pydicom.dcmread(small).DirectoryRecordSequence[records.index(r)].DirectoryRecordType == "PATIENT"][-1]
    _patch(small, last_patient[1], records[0][0])  # the last patient's next is the first
    with pytest.raises(MediaError, match="form a cycle") as caught:
        FileSet.open(small)
    assert caught.value.offset == last_patient[0]


def test_lower_level_cycle(small: Path) -> None:
    first, _ = _records(small)[0]
    series = next(r for r in FileSet.open(small).records() if r.record_type == "SERIES")
    assert series.offset is not None
    _patch(small, series.offset + 8 + 30, first)  # the series' lower-level link back to its patient
    with pytest.raises(MediaError, match="cycle"):
        FileSet.open(small)


def test_not_a_basic_directory(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="not a Basic Directory: its Media Storage SOP Class is '1.2.840.10008.5.1.4.1.1.2'"):
        FileSet.open(CT_SMALL)
    (tmp_path / "DICOMDIR").write_bytes(b"not dicom at all" * 20)
    with pytest.raises(MediaError, match="not a DICOM file"):
        FileSet.open(tmp_path)
    with pytest.raises(MediaError, match="cannot read the DICOMDIR"):
        FileSet.open(tmp_path / "nothing" / "DICOMDIR")


def _with_file_id(small: Path, file_id: list[str]) -> None:
    fileset = FileSet.open(small)
    record = fileset.instances()[0]
    record.keys[REFERENCED_FILE_ID] = DataElement(REFERENCED_FILE_ID, "CS", file_id)
    fileset.write()


@pytest.mark.parametrize("file_id", [["..", "..", "ETC", "PASSWD"], ["/etc", "passwd"], ["DICOM", "..", "..", "X"]])
def test_file_id_escaping_the_root(small: Path, file_id: list[str]) -> None:
    _with_file_id(small, file_id)
    for strict in (True, False):
        with pytest.raises(MediaError) as caught:
            fileset = FileSet.open(small, strict=strict)
            fileset.path_of(fileset.instances()[0])
        assert caught.value.offset is not None and caught.value.path == str(small)


def test_file_id_symlink_out(small: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(CT_SMALL, outside / "CT")
    (small.parent / "LINK").symlink_to(outside)
    _with_file_id(small, ["LINK", "CT"])
    fileset = FileSet.open(small)
    record = fileset.instances()[0]
    with pytest.raises(MediaError, match="leads outside the File-set's root"):
        fileset.read(record)
    assert any("leads outside" in p.message for p in fileset.verify())


def test_file_id_character_rules(small: Path) -> None:
    _with_file_id(small, ["dicom", "im.dcm"])
    with pytest.raises(MediaError, match="characters outside A-Z") as caught:
        FileSet.open(small)
    assert caught.value.offset is not None
    FileSet.open(small, strict=False)  # lenient: only the root is enforced


def test_missing_referenced_file(small: Path) -> None:
    fileset = FileSet.open(small)
    record = fileset.instances()[1]
    fileset.path_of(record).unlink()
    with pytest.raises(MediaError, match="is missing") as caught:
        fileset.read(record)
    assert caught.value.offset == record.offset
    assert [p.message for p in fileset.verify()] == ["the referenced file is missing"]


def test_reads_only_what_was_linked(small: Path) -> None:
    dicomdir = read_dicomdir(small)
    assert dicomdir.unreached == [] and dicomdir.inactive == []
    assert sum(1 for root in dicomdir.roots for _ in root.walk()) == 2 + 2 + 2 + 4


def test_read_typed_by_sop_class(small: Path) -> None:
    from dicom_model.iods.ct_image import CTImage

    fileset = FileSet.open(small)
    image = fileset.read(fileset.instances()[0])
    assert isinstance(image, CTImage) and image.SOPInstanceUID == fileset.instances()[0].sop_instance_uid


def test_damaged_bytes_give_media_errors_only(small: Path) -> None:
    import random

    original = small.read_bytes()
    rng = random.Random(18)
    refused = 0
    for _ in range(1000):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[: rng.randrange(len(data))]
        small.write_bytes(bytes(data))
        try:
            fileset = FileSet.open(small, strict=rng.random() < 0.5)
            for record in fileset.instances():
                try:
                    assert fileset.root.resolve() in fileset.path_of(record).resolve().parents
                except MediaError:
                    pass
        except MediaError as exc:
            assert exc.path == str(small)
            refused += 1
    assert refused > 100
