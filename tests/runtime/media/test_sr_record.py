"""An SR DOCUMENT record of a VERIFIED report carries Verification DateTime (PS3.3 F.5, Type 1C):
dciodvfy reported its absence as an error."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pydicom
import pydicom.data

from dicom_runtime.media import FileSet

CORPUS = Path(pydicom.data.__file__).parent / "test_files"


def test_a_verified_report_has_its_verification_datetime_in_its_record(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = pydicom.dcmread(CORPUS / "test-SR.dcm")
        assert report.VerificationFlag == "VERIFIED" and "VerificationDateTime" not in report
        times = [str(item.VerificationDateTime) for item in report.VerifyingObserverSequence]
        report.PatientID = report.get("PatientID") or "SR1"
        report.StudyDate, report.StudyTime, report.StudyID = "20240101", "120000", "1"
        source = tmp_path / "sr.dcm"
        report.save_as(source, enforce_file_format=True)
    fileset = FileSet(tmp_path / "fs")
    record = fileset.add(source)
    fileset.write(durable=False)
    assert record.keys.value(0x0040A030) == max(times)
    checked = subprocess.run([shutil.which("dciodvfy") or "dciodvfy", str(tmp_path / "fs" / "DICOMDIR")], capture_output=True, text=True)
    errors = [line for line in (checked.stdout + checked.stderr).splitlines() if line.startswith("Error")]
    assert errors == [], errors
