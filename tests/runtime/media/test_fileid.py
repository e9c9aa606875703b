"""File IDs: PS3.10 8.2/8.5 rules, and paths that never leave the File-set's root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dicom_runtime.media import MediaError, check_file_id, file_id_problem, resolve
from dicom_runtime.media.fileid import new_file_id


@pytest.mark.parametrize("file_id", [("DICOMDIR",), ("A",), ("DICOM", "S1234567", "R_9", "I0000001"), ("A",) * 8, ("ABCDEFGH",)])
def test_conformant(file_id: tuple[str, ...]) -> None:
    assert file_id_problem(file_id) is None
    assert check_file_id(file_id, source="x") == file_id


@pytest.mark.parametrize(
    ("file_id", "reason"),
    [
        (("A",) * 9, "1 to 8 components"),
        (("ABCDEFGHI",), "1 to 8 characters"),
        (("dicom",), "outside A-Z"),
        (("IM.DCM",), "outside A-Z"),
        (("A B",), "outside A-Z"),
    ],
)
def test_violations(file_id: tuple[str, ...], reason: str) -> None:
    problem = file_id_problem(file_id)
    assert problem is not None and reason in problem
    with pytest.raises(MediaError, match=reason) as caught:
        check_file_id(file_id, source="DIR/DICOMDIR", offset=396)
    assert caught.value.path == "DIR/DICOMDIR" and caught.value.offset == 396
    assert str(caught.value).startswith("DIR/DICOMDIR: directory record at byte 396: ")


def test_empty_file_id() -> None:
    assert "1 to 8 components" in (file_id_problem(()) or "")
    with pytest.raises(MediaError, match="empty File ID"):
        check_file_id((), source="x", strict=False)


@pytest.mark.parametrize("file_id", [("..", "etc", "passwd"), ("A", "..", "..", "B"), ("/etc", "passwd"), ("A/B",), ("A\\B",), ("",), (".",)])
def test_escapes_refused_even_when_lenient(tmp_path: Path, file_id: tuple[str, ...]) -> None:
    with pytest.raises(MediaError):
        resolve(tmp_path, file_id, source="DICOMDIR", strict=False)


def test_symlink_out_of_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "SECRET").write_bytes(b"x")
    os.symlink(outside, root / "LINK")
    with pytest.raises(MediaError, match="leads outside the File-set's root"):
        resolve(root, ("LINK", "SECRET"), source="DICOMDIR", offset=10)
    (root / "IN").mkdir()
    os.symlink(root / "IN", root / "INLINK")  # a link that stays inside is fine
    assert resolve(root, ("INLINK", "F"), source="DICOMDIR") == root / "INLINK" / "F"


def test_new_file_ids_conformant_and_unique() -> None:
    taken: set[tuple[str, ...]] = set()
    for i in range(300):
        file_id = new_file_id("1.2.3", "1.2.3.4", f"1.2.3.4.{i % 100}", taken.__contains__)
        assert file_id_problem(file_id) is None
        assert file_id not in taken
        taken.add(file_id)
    assert len({f[:3] for f in taken}) == 1  # one folder per series
