"""A DICOMDIR read as a data set and written back (``typed.write``, ``write_file``) keeps
its record links true: the File Meta Information written is of another length than the
one read (and another syntax changes the records' lengths), so every record moves and its
links must follow. Written as read, pydicom's dicomdirtests/DICOMDIR had every link 14
bytes short, and neither FileSet.open nor pydicom's FileSet could read it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest
from pydicom.fileset import FileSet as PydicomFileSet

from dicom_runtime.fileformat import read_file, write_file
from dicom_runtime.media import FileSet
from dicom_runtime.typed import read, write
from tests.runtime.media.conftest import DICOMDIR_TESTS

EXPLICIT_LE, IMPLICIT_LE, EXPLICIT_BE = "1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.2"


def _instances(root: Path) -> list[tuple[str, str]]:
    """(Referenced File ID, SOP Instance UID) of every instance, as our reader finds them."""
    fileset = FileSet.open(root)
    return sorted((str(i.file_id), i.sop_instance_uid or "") for i in fileset.instances())


def _pydicom_paths(root: Path) -> list[str]:
    return sorted(str(Path(i.path).relative_to(root)) for i in PydicomFileSet(pydicom.dcmread(root / "DICOMDIR")))


def _file_set(tmp_path: Path, folder: str, dicomdir: bytes) -> Path:
    """A copy of pydicom's dicomdirtests whose DICOMDIR is ``dicomdir``."""
    root = tmp_path / folder
    shutil.copytree(DICOMDIR_TESTS, root)
    (root / "DICOMDIR").write_bytes(dicomdir)
    return root


@pytest.mark.parametrize(
    ("name", "syntax"),
    [
        ("DICOMDIR", None),
        ("DICOMDIR-reordered", None),
        ("DICOMDIR-implicit", None),
        ("DICOMDIR-bigEnd", None),
        ("DICOMDIR-implicit", EXPLICIT_LE),
        ("DICOMDIR-bigEnd", EXPLICIT_LE),
        ("DICOMDIR", IMPLICIT_LE),
        ("DICOMDIR", EXPLICIT_BE),
    ],
)
def test_a_dicomdir_written_back_keeps_its_links(name: str, syntax: str | None, tmp_path: Path) -> None:
    original = _file_set(tmp_path, "original", (DICOMDIR_TESTS / name).read_bytes())
    dataset = read(original / "DICOMDIR")  # a DICOMDIR has no IOD: its Dataset
    if syntax is None:
        write(dataset, tmp_path / "copy")
    else:
        write(dataset, tmp_path / "copy", transfer_syntax=syntax)
    copy = _file_set(tmp_path, "copy-fs", (tmp_path / "copy").read_bytes())
    assert _instances(copy) == _instances(original) and len(_instances(copy)) == 31
    assert _pydicom_paths(copy) == _pydicom_paths(original)
    dump = subprocess.run(["/usr/bin/dcmdump", "-q", str(copy / "DICOMDIR")], capture_output=True)
    assert dump.returncode == 0 and b"E:" not in dump.stderr


def test_write_file_of_a_dicomdir_read_keeps_its_links(tmp_path: Path) -> None:
    root = _file_set(tmp_path, "fs", (DICOMDIR_TESTS / "DICOMDIR").read_bytes())
    before = _instances(root)
    read_back = read_file(root / "DICOMDIR")
    write_file(root / "DICOMDIR", read_back.dataset, read_back.transfer_syntax)
    assert _instances(root) == before


def test_links_that_lead_to_no_record_are_written_as_read(tmp_path: Path) -> None:
    from dicom_runtime.dataset import DataElement
    from dicom_runtime.fileformat import encoding_of
    from dicom_runtime.media.relink import relinked

    dataset = read_file(DICOMDIR_TESTS / "DICOMDIR").dataset
    dataset[0x00041200] = DataElement(0x00041200, "UL", 7)  # damaged: the root's link leads into the meta
    same = relinked(dataset, encoding_of(EXPLICIT_LE), encoding_of(EXPLICIT_LE), 1000)
    assert same is dataset
