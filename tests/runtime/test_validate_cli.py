"""dicom-validate: findings per file, exit statuses, JSON, folders (issue #15)."""

from __future__ import annotations

import importlib.metadata

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicom_runtime.typed import write
from dicom_runtime.validate import main, validate_file
from tests.conftest import REPO
from tests.test_iod_classes import _ct


def _corpus(name: str) -> Path:
    found = pydicom.data.get_testdata_file(name)
    assert isinstance(found, str), name
    return Path(found)


CT = _corpus("CT_small.dcm")
RTDOSE = _corpus("rtdose.dcm")
MR = _corpus("MR_small.dcm")
EMPTY = object()
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(str(REPO / p) for p in ("runtime", "generated"))}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dicom_runtime.validate", "--no-progress", *args],
        capture_output=True, text=True, env=ENV, cwd=REPO,
    )


def _mutant(tmp_path: Path, name: str, **changes: object) -> Path:
    """CT_small.dcm with attributes removed (value None), made empty (EMPTY) or changed, written by pydicom."""
    dataset = pydicom.dcmread(CT)
    for keyword, value in changes.items():
        if value is None:
            delattr(dataset, keyword)
        elif value is EMPTY:
            dataset[keyword].value = None
        else:
            setattr(dataset, keyword, value)
    path = tmp_path / name
    dataset.save_as(path)
    return path


def _error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if ": error: " in line]


def test_ct_small_has_no_errors_and_lists_not_checked_conditions() -> None:
    result = _run(str(CT))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert _error_lines(result.stdout) == []
    unchecked = [line for line in lines if ": not checked: " in line]
    assert f"{CT}: not checked: PatientBreedCodeSequence: condition not compiled: the patient is an animal (PS3.3 2016c Table C.7-1 row 27)" in unchecked
    assert lines[-1] == f"{CT}: CT Image Storage (1.2.840.10008.5.1.4.1.1.2) validated as CTImage: no errors, {len(unchecked)} not checked"


def test_rtdose_reports_its_missing_type_2_attribute() -> None:
    # and its Referenced SOP Instance UID's component "0123", which dciodvfy reports too
    # ("Leading zeroes ... Value invalid for this VR")
    result = _run(str(RTDOSE))
    assert result.returncode == 1
    assert _error_lines(result.stdout) == [
        f"{RTDOSE}: error: OperatorsName: type2-missing: Type 2 attribute is missing (PS3.3 2016c Table C.8-37 row 9)",
        f"{RTDOSE}: error: ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID: vr-format: UID component '0123' has a "
        "leading zero (PS3.5 Table 6.2-1) (PS3.3 2016c Table 10-11 row 2)",
    ]
    assert "validated as RTDose: 2 errors," in result.stdout.splitlines()[-1]


def test_a_removed_type_1_attribute_is_validated_not_a_crash(tmp_path: Path) -> None:
    path = _mutant(tmp_path, "no_modality.dcm", Modality=None)
    result = _run(str(path))
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert _error_lines(result.stdout) == [
        f"{path}: error: Modality: type1-missing: Type 1 attribute is missing (PS3.3 2016c Table C.7-5a row 1)"
    ]
    assert "(not a conformant instance: validated as read): 1 error," in result.stdout.splitlines()[-1]


def test_an_empty_type_1_and_a_changed_enumerated_value(tmp_path: Path) -> None:
    path = _mutant(tmp_path, "bad.dcm", PatientSex="X", Rows=EMPTY)
    result = _run("--errors-only", str(path))
    assert result.returncode == 1
    assert _error_lines(result.stdout) == [
        f"{path}: error: PatientSex: enumerated-value: 'X' is not one of M, F, O (PS3.3 2016c Table C.7-1 row 8)",
        f"{path}: error: Rows: type1-empty: Type 1 attribute is empty (PS3.3 2016c Table C.7-11b row 3)",
    ]
    assert ": not checked: " not in result.stdout  # --errors-only
    assert result.stdout.splitlines()[-1].endswith(": 2 errors, 17 not checked")


def test_a_clean_constructed_ct_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "clean.dcm"
    write(_ct(), path)
    result = _run("--errors-only", str(path))
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == [
        f"{path}: CT Image Storage (1.2.840.10008.5.1.4.1.1.2) validated as CTImage: no errors, "
        f"{len(_ct().validate())} not checked"
    ]


def test_a_text_file_is_not_dicom_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not DICOM\n")
    result = _run(str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}: not a DICOM file: no preamble and 'DICM', no File Meta Information, and the first bytes are not a data element"
    ]


def test_a_damaged_file_exits_2_with_where_it_is_damaged() -> None:
    truncated = _corpus("MR_truncated.dcm")
    result = _run(str(truncated))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{truncated}: damaged, not validated: byte 1488 at (7FE0,0010): length 8192 is larger than the 8130 bytes that remain"
    ]


def test_the_progress_bar_goes_to_standard_error(capsys: pytest.CaptureFixture[str]) -> None:
    from dicom_runtime.validate import _validate_all

    reports = list(_validate_all([str(CT), str(RTDOSE)], progress=True))
    assert [(r.iod, r.status) for r in reports] == [("CTImage", "clean"), ("RTDose", "errors")]
    assert capsys.readouterr().out == ""


def test_a_sop_class_without_an_iod_is_said_and_is_not_an_error() -> None:
    mr = MR
    result = _run(str(mr))
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f"{mr}: MR Image Storage (1.2.840.10008.5.1.4.1.1.4) has no generated IOD: not validated"
    ]


def test_a_folder_is_walked_and_summarised(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(CT, folder / "a_ct.dcm")
    shutil.copy(RTDOSE, folder / "sub" / "dose.dcm")
    _mutant(folder, "b_no_modality.dcm", Modality=None)
    shutil.copy(MR, folder / "c_mr.dcm")
    result = _run("--errors-only", str(folder))
    assert result.returncode == 1
    headers = [line.split(":")[0] for line in result.stdout.splitlines() if "validated" in line]
    assert headers == [str(folder / n) for n in ("a_ct.dcm", "b_no_modality.dcm", "c_mr.dcm", "sub/dose.dcm")]
    summary = result.stdout.split("\nsummary: ")[1].splitlines()
    unchecked = sum(validate_file(str(p)).not_checked for p in sorted(folder.rglob("*.dcm")))
    assert unchecked > 0
    assert summary == [
        "4 files: 1 clean, 2 with errors, 1 without a generated IOD, 0 not DICOM, 0 unreadable",
        "  type1-missing: 1 error in 1 file",
        "  type2-missing: 1 error in 1 file",
        "  vr-format: 1 error in 1 file",  # rtdose.dcm's UID component '0123' (dciodvfy reports it too)
        f"  not checked: {unchecked} conditions",
    ]


def test_a_folder_with_a_text_file_exits_2(tmp_path: Path) -> None:
    shutil.copy(CT, tmp_path / "ct.dcm")
    (tmp_path / "README").write_text("not dicom")
    result = _run(str(tmp_path))
    assert result.returncode == 2
    assert f"{tmp_path / 'README'}: not a DICOM file" in result.stderr
    assert "1 clean, 0 with errors, 0 without a generated IOD, 1 not DICOM, 0 unreadable" in result.stdout


def test_json_output_parses_and_matches_the_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutant = _mutant(tmp_path, "bad.dcm", PatientSex="X", Modality=None)
    paths = [str(CT), str(RTDOSE), str(mutant)]
    assert main(["--no-progress", *paths]) == 1
    text = capsys.readouterr().out
    assert main(["--no-progress", "--format", "json", *paths]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [f["file"] for f in document["files"]] == paths
    assert document["exit_status"] == 1
    from_json = []
    for entry in document["files"]:
        for f in entry["findings"]:
            kind = "error" if f["severity"] == "error" else "not checked"
            rule = "" if f["rule"] == "not-checked" else f"{f['rule']}: "
            from_json.append(f"{entry['file']}: {kind}: {f['path']}: {rule}{f['message']} ({f['source']})")
    finding_lines = [line for line in text.splitlines() if ": error: " in line or ": not checked: " in line]
    assert from_json == finding_lines
    assert document["summary"]["errors_by_rule"] == {"enumerated-value": 1, "type1-missing": 1, "type2-missing": 1, "vr-format": 1}
    statuses = {e["file"]: (e["status"], e["iod"], e["conformant"]) for e in document["files"]}
    assert statuses[str(mutant)] == ("errors", "CTImage", False)
    assert statuses[str(CT)] == ("clean", "CTImage", True)


def test_help_and_version_are_fast_and_import_no_model() -> None:
    probe = (
        "import sys\nfrom dicom_runtime import validate\n"
        "try:\n    validate.main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('dicom_model', 'rich'))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=ENV)
    # the package's version, as every command reports it (dicom_runtime.version)
    assert result.stdout.splitlines() == [f"dicom-validate (dicom-typed) {importlib.metadata.version('dicom-typed')}", "[]"]
    assert _run("--help").stdout.startswith("usage: dicom-validate")


def test_the_console_script_is_declared() -> None:
    text = (REPO / "pyproject.toml").read_text()
    assert 'dicom-validate = "dicom_runtime.validate:main"' in text


def test_an_empty_folder_exits_2_with_one_line_naming_it(tmp_path: Path) -> None:
    # nothing validated must not read as "all valid" (exit 0)
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    result = _run(str(tmp_path / "empty"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{tmp_path / 'empty'}: folder holds no files: nothing validated"]
    assert result.stdout == ""  # no summary of nothing beside it


def test_a_folder_without_a_dicom_file_exits_2_naming_the_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not dicom")
    (tmp_path / "empty.dcm").write_bytes(b"")
    result = _run(str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'empty.dcm'}: damaged, not validated: byte 0: empty file",
        f"{tmp_path / 'notes.txt'}: not a DICOM file: no preamble and 'DICM', no File Meta Information, and the first bytes are not a data element",
        f"{tmp_path}: no DICOM file in the folder (2 files, not DICOM or unreadable): nothing validated",
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_a_path_that_does_not_exist_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.dcm"
    result = _run(str(missing), str(CT))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{missing}: cannot be read: No such file or directory"]


def test_a_folder_that_cannot_be_listed_is_said_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def walk(top: str, onerror: object = None) -> list[object]:
        assert callable(onerror)
        onerror(PermissionError(13, "Permission denied", top))
        return []

    monkeypatch.setattr(os, "walk", walk)  # the os module dicom_runtime.validate walks with
    assert main(["--no-progress", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [f"{tmp_path}: folder cannot be read: Permission denied"]


def test_json_of_an_empty_folder_has_the_problem_and_exit_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-progress", "--format", "json", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["problems"] == [f"{tmp_path}: folder holds no files: nothing validated"]
    assert document["exit_status"] == 2 and document["files"] == []
    assert captured.err.splitlines() == document["problems"]


def test_the_help_documents_exit_status_2_for_a_folder_with_nothing_to_validate() -> None:
    assert "or a folder holds no file or no DICOM file (nothing validated)" in " ".join(_run("--help").stdout.split())


def test_json_says_a_file_not_validated_is_not_conformant(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a truncated file, a missing one and one that is not DICOM said "conformant": true
    truncated = tmp_path / "trunc.dcm"
    truncated.write_bytes(CT.read_bytes()[:2000])
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM\n")
    missing = tmp_path / "missing.dcm"
    no_iod = tmp_path / "no_iod.dcm"
    shutil.copy(_corpus("MR_small.dcm"), no_iod)  # MR Image Storage: the excerpt has no MR Image IOD
    no_sop_class = tmp_path / "no_sop_class.dcm"
    shutil.copy(_corpus("nested_priv_SQ.dcm"), no_sop_class)
    paths = [str(CT), str(truncated), str(missing), str(text), str(no_iod), str(no_sop_class)]
    assert main(["--no-progress", "--format", "json", *paths]) == 2
    document = json.loads(capsys.readouterr().out)
    found = {e["file"]: (e["status"], e["conformant"]) for e in document["files"]}
    assert found == {
        str(CT): ("clean", True),
        str(truncated): ("unreadable", None),
        str(missing): ("unreadable", None),
        str(text): ("not-dicom", None),
        str(no_iod): ("no-iod", None),
        str(no_sop_class): ("errors", None),
    }


def test_a_file_without_a_sop_class_is_an_error_but_a_dicomdir_is_not(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # both said "no-iod" and exit 0, as if a SOP class without a generated IOD; dciodvfy reports
    # "MediaStorageSOPClassUID but missing SOPClassUID and not a directory"
    bare = tmp_path / "dicm_only.dcm"
    bare.write_bytes(bytes(128) + b"DICM")
    no_sop_class = str(_corpus("nested_priv_SQ.dcm"))
    for path in (str(bare), no_sop_class):
        assert main(["--no-progress", path]) == 1
        out = capsys.readouterr().out
        assert f"{path}: error: SOPClassUID: type1-missing" in out
        assert f"{path}: no SOP Class UID (0008,0016): not validated against an IOD: 1 error" in out
    dicomdir = str(_corpus("DICOMDIR"))
    assert main(["--no-progress", dicomdir]) == 0
    assert capsys.readouterr().out == f"{dicomdir}: a DICOMDIR (Media Storage Directory Storage): no IOD to validate against\n"


def test_help_documents_the_json_fields(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "conformant: true typed instance made, false validated as read, null not tried" in shown
