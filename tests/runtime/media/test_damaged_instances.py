"""Instances damaged after their header (cut short in their Pixel Data) are kept out of a
File-set by ``add``/``create``, and found by ``verify``, as dcmgpdir refuses them.

A header read (up to the Pixel Data) passed them: pydicom's SC_rgb_rle_2frame.dcm with its
last 500 bytes cut off and its MR_truncated.dcm entered the File-set, ``verify`` reported
0 problems, and reading the instance later failed (fragment length ... larger than the
bytes that remain)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dicom_runtime.media import FileSet, MediaError

from .conftest import TEST_FILES, make_instances

RLE = TEST_FILES / "SC_rgb_rle_2frame.dcm"
MR_TRUNCATED = TEST_FILES / "MR_truncated.dcm"


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dicom_runtime.media", *map(str, args)], check=False, capture_output=True, text=True)


def _cut_rle(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cut = folder / "cut.dcm"
    cut.write_bytes(RLE.read_bytes()[:-500])
    return cut


def _dcmgpdir_refuses(path: Path, scratch: Path) -> str:
    """dcmgpdir's own verdict on ``path``: it makes no DICOMDIR of it (exit 1), and why."""
    (scratch / "IMAGES").mkdir(parents=True)
    shutil.copyfile(path, scratch / "IMAGES" / "F")
    made = subprocess.run(["/usr/bin/dcmgpdir", "+r", "IMAGES"], cwd=scratch, capture_output=True, text=True, check=False)
    assert made.returncode == 1 and not (scratch / "DICOMDIR").exists(), made.stderr
    return made.stderr


@pytest.mark.parametrize("kind", ["rle_cut", "mr_truncated"])
def test_create_refuses_an_instance_damaged_after_its_header(tmp_path: Path, kind: str) -> None:
    source = _cut_rle(tmp_path / "src") if kind == "rle_cut" else MR_TRUNCATED
    assert "premature end of stream" in _dcmgpdir_refuses(source, tmp_path / "gp")
    root = tmp_path / "fs"
    made = _run("create", root, source, "--profile", "ANY", "--no-progress")
    assert made.returncode == 2 and made.stdout == "", made.stdout
    assert made.stderr.startswith(f"dicom-media: {source}: cannot be added: byte ") and made.stderr.count("\n") == 1, made.stderr
    assert "(7FE0,0010)" in made.stderr and "larger than the" in made.stderr
    assert not root.exists()


def test_add_leaves_the_file_set_as_it_was(tmp_path: Path) -> None:
    good = make_instances(tmp_path / "src", 2, patients=1)
    root = tmp_path / "fs"
    assert _run("create", root, good[0], "--profile", "ANY", "--no-progress").returncode == 0
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    cut = _cut_rle(tmp_path / "bad")
    added = _run("add", root, good[1], cut, "--profile", "ANY", "--no-progress")
    assert added.returncode == 2 and added.stderr.count("\n") == 1 and str(cut) in added.stderr, added.stderr
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    fileset = FileSet(tmp_path / "api", profile="ANY")
    with pytest.raises(MediaError, match="fragment length 664 is larger than the bytes that remain") as raised:
        fileset.add(cut)
    assert raised.value.path == str(cut) and fileset.instances() == [] and fileset.roots == []


def test_skip_bad_leaves_out_only_the_damaged_one(tmp_path: Path) -> None:
    (good,) = make_instances(tmp_path / "src", 1, patients=1)
    root = tmp_path / "fs"
    made = _run("create", root, good, MR_TRUNCATED, "--profile", "ANY", "--skip-bad", "--no-progress")
    assert made.returncode == 0 and "skipped:" in made.stderr and str(MR_TRUNCATED) in made.stderr, made.stderr
    assert [r.sop_instance_uid is not None for r in FileSet.open(root).instances()] == [True]


def test_verify_reads_each_instance_to_its_end(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    fileset = FileSet(root, profile="ANY")
    record = fileset.add(RLE)
    fileset.write(durable=False)
    fileset = FileSet.open(root, profile="ANY")
    assert fileset.verify() == []
    path = fileset.path_of(fileset.instances()[0])
    path.write_bytes(path.read_bytes()[:-500])  # damaged after it was added
    assert "premature end of stream" in _dcmgpdir_refuses(path, tmp_path / "gp")
    problems = fileset.verify()
    assert [(p.offset, p.message) for p in problems] == [
        (fileset.instances()[0].offset, "the referenced file is damaged: byte 2016 at (7FE0,0010): fragment length 664 is larger than the bytes that remain")
    ]
    assert record.file_id is not None and problems[0].where == "\\".join(record.file_id)
    checked = _run("verify", root, "--no-progress")
    assert checked.returncode == 1 and "1 problem" in checked.stdout and "is damaged" in checked.stdout, checked.stdout
