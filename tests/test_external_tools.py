"""Files written from the generated classes, checked by tools nobody here wrote:
dicom3tools' dciodvfy (the IOD validator) and dcmtk's dcmdump."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dicom_runtime.typed import write
from tests.test_iod_classes import _ct


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: bash .ci/install installs dcmtk and dicom3tools")
    return found


@pytest.fixture(scope="module")
def ct_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ct") / "ct.dcm"
    # Every Type 1 and 2 attribute filled; the 2C attributes dciodvfy wants present too.
    write(_ct(Laterality="", PatientPosition="HFS", StudyTime="120000"), path)
    return path


def test_dciodvfy_finds_no_error_in_a_ct_image(ct_file: Path) -> None:
    result = subprocess.run([_tool("dciodvfy"), str(ct_file)], capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert "CTImage" in output
    errors = [line for line in output.splitlines() if line.startswith("Error")]
    assert errors == [], output


def test_dcmdump_reads_it_without_complaint(ct_file: Path) -> None:
    result = subprocess.run([_tool("dcmdump"), str(ct_file)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "E:" not in result.stderr and "W:" not in result.stderr, result.stderr
    assert "(0010,0010) PN [Doe^Jane]" in result.stdout
    assert "(7fe0,0010) OW" in result.stdout
    assert "(0002,0012) UI [2.25.234007163342352280788179250500784768237]" in result.stdout
