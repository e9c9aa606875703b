"""The storage SCP keeping its folder as a File-set (StorageFolder(fileset=True), TOML
``fileset = true``): after dcmtk's storescu releases, the folder's DICOMDIR lists what it sent."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pydicom.fileset import FileSet as PydicomFileSet

from dicom_runtime.fileformat import read_file
from dicom_runtime.media import FileSet
from dicom_runtime.net import blocking
from dicom_runtime.net.aio import storage_policy
from dicom_runtime.net.storage import StorageFolder
from tests.runtime.net.helpers import CT, VERIFICATION, tool

from .conftest import make_instances


def _send(port: int, files: list[Path]) -> None:
    result = subprocess.run(
        [tool("storescu"), "-aec", "OURSCP", "127.0.0.1", str(port), *map(str, files)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_storage_scp_keeps_a_fileset(tmp_path: Path) -> None:
    folder = StorageFolder(tmp_path / "archive", fileset=True)
    first = make_instances(tmp_path / "a", 4, patients=2)
    second = make_instances(tmp_path / "b", 2, patients=1)
    uids = {str(read_file(f, stop_before_pixels=True).dataset.value(0x00080018)) for f in first + second}
    with blocking.BlockingServer(storage_policy("OURSCP", [VERIFICATION, CT]), folder.handlers()) as server:
        _send(server.port, first)
        fileset = FileSet.open(tmp_path / "archive")
        assert len(fileset.instances()) == 4 and [p.where for p in fileset.verify()] == []
        _send(server.port, second)
    folder.close()
    fileset = FileSet.open(tmp_path / "archive")
    assert {r.sop_instance_uid for r in fileset.instances()} == uids
    assert fileset.verify() == []
    assert {i.SOPInstanceUID for i in PydicomFileSet(tmp_path / "archive" / "DICOMDIR")} == uids
    assert folder.synchronise() == (0, 0)  # the DICOMDIR and its links are not instances of the folder's index
