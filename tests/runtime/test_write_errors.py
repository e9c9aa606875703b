"""A file that cannot be made (no such folder, a file where a folder should be, a folder of
that name) is an OSError naming the path asked for, not the temporary sibling the write
goes through (it named '.x.dcm.<pid>.<thread>.tmp'), and nothing is left behind; dicom-media
says so in one line, exit status 2."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest

from dicom_runtime.fileformat import write_bytes_atomic
from dicom_runtime.typed import write
from tests.runtime.media.conftest import make_instances
from tests.test_iod_classes import _ct


@pytest.mark.parametrize(("where", "code"), [("nowhere/x.dcm", errno.ENOENT), ("a_file/x.dcm", errno.ENOTDIR), ("a_folder", errno.EISDIR)])
def test_the_error_names_the_path_asked_for(where: str, code: int, tmp_path: Path) -> None:
    (tmp_path / "a_file").write_bytes(b"")
    (tmp_path / "a_folder").mkdir()
    target = tmp_path / where
    with pytest.raises(OSError) as caught:
        write(_ct(), target)
    assert caught.value.errno == code and caught.value.filename == str(target), caught.value
    assert ".tmp" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a_file", "a_folder"]


def test_write_bytes_atomic_too(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        write_bytes_atomic(tmp_path / "no" / "x", b"x")
    assert str(caught.value) == f"[Errno 2] No such file or directory: '{tmp_path / 'no' / 'x'}'"


def test_dicom_media_says_it_in_one_line(tmp_path: Path) -> None:
    (source,) = make_instances(tmp_path / "src", 1, patients=1)
    root = tmp_path / "fs"
    root.mkdir()
    (root / "DICOM").write_bytes(b"")  # a file where the File IDs' folder goes
    run = subprocess.run([sys.executable, "-m", "dicom_runtime.media", "create", root, source], capture_output=True, text=True)
    assert (run.returncode, run.stdout) == (2, ""), run.stderr
    assert run.stderr.startswith(f"dicom-media: {root}: cannot write the File-set: ") and run.stderr.count("\n") == 1, run.stderr
    assert str(root / "DICOM") in run.stderr and "Traceback" not in run.stderr
    assert sorted(p.name for p in root.iterdir()) == ["DICOM"]


@pytest.mark.parametrize(("where", "code"), [("", errno.ENOENT), ("/", errno.EISDIR), (".", errno.EISDIR)])
def test_no_file_name_is_an_oserror_naming_it(where: str, code: int) -> None:
    # "" said "ValueError: PosixPath('.') has an empty name"
    with pytest.raises(OSError) as caught:
        write(_ct(), where)
    assert caught.value.errno == code and caught.value.filename == where
