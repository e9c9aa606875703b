"""A storage folder (``<SOP Instance UID>.dcm`` files) kept as a File-set: conformant File IDs
as hard links, no copies, brought up to date as instances come and go."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dicom_runtime.fileformat import read_file
from dicom_runtime.media import FileSet
from dicom_runtime.media.folder import keep_as_fileset
from pydicom.fileset import FileSet as PydicomFileSet

from .conftest import make_instances


def _store(root: Path, files: list[Path]) -> list[Path]:
    out = []
    for f in files:
        uid = str(read_file(f, stop_before_pixels=True).dataset.value(0x00080018))
        target = root / f"{uid}.dcm"
        target.write_bytes(f.read_bytes())
        out.append(target)
    return out


def test_folder_kept_as_fileset(tmp_path: Path) -> None:
    root = tmp_path / "scp"
    root.mkdir()
    stored = _store(root, make_instances(tmp_path / "src", 5, patients=2))
    (root / "junk.dcm").write_bytes(b"not dicom")
    assert keep_as_fileset(root, fileset_id="SCP") == (5, 0)
    fileset = FileSet.open(root)
    assert fileset.verify() == [next(p for p in fileset.verify() if p.where == "junk.dcm")]  # only the junk is an orphan
    for record in fileset.instances():
        original = root / f"{record.sop_instance_uid}.dcm"
        assert fileset.path_of(record).stat().st_ino == original.stat().st_ino  # a hard link, not a copy
    assert {i.SOPInstanceUID for i in PydicomFileSet(root / "DICOMDIR")} == {p.stem for p in stored}
    result = subprocess.run(["dciodvfy", str(root / "DICOMDIR")], check=False, capture_output=True, text=True)
    assert "Error" not in result.stdout + result.stderr
    # one instance deleted by the SCP, two new ones stored
    stored[0].unlink()
    more = _store(root, make_instances(tmp_path / "more", 2, patients=1))
    assert keep_as_fileset(root) == (2, 1)
    assert keep_as_fileset(root) == (0, 0)
    fileset = FileSet.open(root)
    assert {r.sop_instance_uid for r in fileset.instances()} == {p.stem for p in stored[1:] + more}
    assert [p.where for p in fileset.verify()] == ["junk.dcm"]
