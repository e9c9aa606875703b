"""dicom-media create, list, add, remove and verify, run as a command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pydicom.fileset import FileSet as PydicomFileSet

from .conftest import make_instances


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dicom_runtime.media", *map(str, args)], check=False, capture_output=True, text=True)


def test_create_list_add_remove_verify(tmp_path: Path) -> None:
    make_instances(tmp_path / "src", 4, patients=2, series_per_patient=1)
    extra = make_instances(tmp_path / "extra", 2, patients=1)
    root = tmp_path / "fs"
    created = _run("create", root, tmp_path / "src", "--fileset-id", "CLI_TEST")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == f"{root / 'DICOMDIR'}: 4 instances"
    assert PydicomFileSet(root / "DICOMDIR").ID == "CLI_TEST"
    listed = _run("list", root).stdout.splitlines()
    assert [line.split()[0] for line in listed] == ["PATIENT", "STUDY", "SERIES", "IMAGE", "IMAGE"] * 2
    assert listed[1].startswith("  STUDY") and listed[3].startswith("      IMAGE") and "file DICOM\\" in listed[3]
    added = _run("add", root, *extra)
    assert added.returncode == 0 and "2 instances added, 6 in all" in added.stdout
    tree = json.loads(_run("list", root, "--format", "json").stdout)
    assert tree["fileset_id"] == "CLI_TEST" and len(tree["records"]) == 2  # the extra files are PAT0 too (a second study)
    uid = tree["records"][0]["children"][0]["children"][0]["children"][0]["keys"]["ReferencedSOPInstanceUIDInFile"]
    file_id = tree["records"][1]["children"][0]["children"][0]["children"][0]["keys"]["ReferencedFileID"]
    removed = _run("remove", root, uid, file_id.replace("\\", "/"))
    assert removed.returncode == 0 and "2 instances removed, 4 left" in removed.stdout
    verified = _run("verify", root)
    assert verified.returncode == 0 and verified.stdout.strip().endswith("4 instances, 0 problems")
    (root / "DICOM" / "STRAY").write_bytes(b"x")
    verified = _run("verify", root)
    assert verified.returncode == 1 and "DICOM/STRAY: orphan: no record references it" in verified.stdout


def test_bad_input_exit_status_2(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    make_instances(tmp_path / "src", 1, patients=1)
    assert _run("create", root, tmp_path / "src").returncode == 0
    again = _run("create", root, tmp_path / "src")
    assert again.returncode == 2 and "a File-set exists here already" in again.stderr
    (tmp_path / "junk").write_bytes(b"junk" * 100)
    bad = _run("add", root, tmp_path / "junk")
    assert bad.returncode == 2 and bad.stderr.startswith(f"dicom-media: {tmp_path / 'junk'}: cannot be added")
    skipped = _run("add", root, tmp_path / "junk", "--skip-bad")
    assert skipped.returncode == 0 and "skipped:" in skipped.stderr
    missing = _run("list", tmp_path / "nowhere")
    assert missing.returncode == 2 and "cannot read the DICOMDIR" in missing.stderr
    assert _run("--version").stdout.startswith("dicom-media ")


def test_a_source_that_cannot_be_read_is_named_once_with_the_reason(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    (source,) = make_instances(tmp_path / "src", 1, patients=1)
    truncated = tmp_path / "cut.dcm"
    truncated.write_bytes(source.read_bytes()[:1000])
    missing = _run("create", root, tmp_path / "nowhere.dcm")
    assert (missing.returncode, missing.stderr) == (2, f"dicom-media: {tmp_path / 'nowhere.dcm'}: cannot be added: No such file or directory\n")
    cut = _run("create", root, truncated)
    assert cut.returncode == 2 and cut.stderr.count(str(truncated)) == 1, cut.stderr
    assert cut.stderr.startswith(f"dicom-media: {truncated}: cannot be added: byte ") and cut.stderr.count("\n") == 1
    assert not root.exists()


def test_a_root_that_cannot_be_made_is_one_error_and_status_2(tmp_path: Path) -> None:
    (source,) = make_instances(tmp_path / "src", 1, patients=1)
    a_file = tmp_path / "afile"
    a_file.write_bytes(b"")
    for root, why in ((a_file, "not a folder"), (a_file / "sub", "Not a directory")):
        made = _run("create", root, source)
        assert (made.returncode, made.stdout) == (2, ""), made.stderr
        assert made.stderr.startswith("dicom-media: ") and why in made.stderr and "Traceback" not in made.stderr, made.stderr
        assert made.stderr.count("\n") == 1 and str(root) in made.stderr
    assert a_file.read_bytes() == b""
