"""dicom-net store of a File-set's folder (a CD): its DICOMDIR is skipped with one line, its
images are sent, exit status 0. It was proposed as Media Storage Directory Storage (which no
SCP takes: storescp refuses "No SOP Class or Instance UID in file"), counted "not sent" and
made the exit status 1; given alone, the association was rejected with no file named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dicom_runtime.media import FileSet
from tests.runtime.media.conftest import make_instances
from tests.runtime.net.test_cli_store import _storescp


def _store(port: int, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dicom_runtime.net", "store", "127.0.0.1", str(port), "--aec", "DCMTK", *map(str, paths)],
        capture_output=True, text=True, timeout=120,
    )


def test_a_file_set_folder_sends_its_images_and_skips_its_dicomdir(tmp_path: Path) -> None:
    files = make_instances(tmp_path / "files", 2)
    fileset = FileSet(tmp_path / "cd")
    for file in files:
        fileset.add(file)
    fileset.write()
    dicomdir = tmp_path / "cd" / "DICOMDIR"
    process, port = _storescp(tmp_path / "out", tmp_path / "scp.log")
    try:
        run = _store(port, tmp_path / "cd")
        alone = _store(port, dicomdir)
    finally:
        process.terminate()
        process.wait(20)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 of 2 stored, 1 DICOMDIR skipped" in run.stdout
    line = f"{dicomdir}: skipped, a DICOMDIR (Media Storage Directory Storage): not an instance to store"
    assert run.stderr.splitlines() == [line]
    assert len(list((tmp_path / "out").iterdir())) == 2
    assert alone.returncode == 1
    assert alone.stderr.splitlines() == [
        line, "dicom-net store: no DICOM files to send (a DICOMDIR is not sent: its folder's files are)"
    ]
