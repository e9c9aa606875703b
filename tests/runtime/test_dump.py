"""dicom-dump: dcmdump-like output, and a clear error with exit 1 on a bad file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dicom_runtime.dump import main
from dicom_runtime.typed import write
from tests.test_iod_classes import _ct


def test_dump_prints_tag_vr_value_and_nesting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ct.dcm"
    write(_ct(), path)
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "(0010,0010) PN [Doe^Jane]" in out
    assert "(0028,0010) US 512" in out and "Rows" in out
    assert "# Used TransferSyntax: 1.2.840.10008.1.2.1" in out
    ours = {line.split()[0] for line in out.splitlines() if line.startswith("(")}
    theirs = subprocess.run(["dcmdump", str(path)], capture_output=True, text=True).stdout
    listed = {line.split()[0].upper().replace("X", "x") for line in theirs.splitlines() if line.startswith("(")}
    assert {t.upper() for t in ours} == {t.upper() for t in listed}  # the same elements as dcmdump's


def test_a_bad_file_exits_1_with_the_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(bytes(128) + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7f1.2")
    result = subprocess.run(
        [sys.executable, "-m", "dicom_runtime.dump", str(bad)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"dicom-dump: {bad}: byte ")
