"""A file whose File Meta Information names an Explicit VR syntax while its data set is in
Implicit VR (pydicom's SC_rgb_jpeg.dcm: JPEG Baseline, an implicit data set), which read_file
and dicom-dump read (the reader's leniency), is sent by ``dicom-net store`` as that syntax
says: its data set encoded again in Explicit VR Little Endian, the values (the JPEG fragments)
unchanged. Against a live ``dicom-net scp``; the stored copy is checked by pydicom and dcmdump."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest

from dicom_runtime.fileformat import file_header, split_file
from tests.runtime.net.helpers import ScpProcess, tool

T = Path(pydicom.data.__file__).parent / "test_files"


@pytest.fixture
def scp(tmp_path: Path) -> Iterator[ScpProcess]:
    process = ScpProcess(tmp_path / "out", tmp_path / "scp.log").start()
    yield process
    assert process.stop() == 0


def _explicit_label(tmp_path: Path) -> Path:
    """MR_small_implicit.dcm's data set (Implicit VR) under a meta group naming Explicit VR Little Endian."""
    data = (T / "MR_small_implicit.dcm").read_bytes()
    meta, offset = split_file(data)
    path = tmp_path / "mr_labelled_explicit.dcm"
    sop_class, sop_instance = str(meta.value(0x00020002)), str(meta.value(0x00020003))
    path.write_bytes(file_header(sop_class, sop_instance, "1.2.840.10008.1.2.1") + data[offset:])
    return path


@pytest.mark.parametrize("name", ["SC_rgb_jpeg.dcm", "explicit label"])
def test_an_implicit_data_set_under_an_explicit_syntax_is_stored(scp: ScpProcess, tmp_path: Path, name: str) -> None:
    path = T / name if name.endswith(".dcm") else _explicit_label(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "dicom_runtime.net.cli", "store", "--aec", "OURSCP", "127.0.0.1", str(scp.port), str(path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 of 1 stored" in result.stdout
    original = pydicom.dcmread(path)
    stored = [p for p in scp.out.rglob("*") if p.is_file() and ".dicom-net" not in p.parts]
    assert len(stored) == 1
    copy = pydicom.dcmread(stored[0])
    assert copy.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
    assert not copy.is_implicit_VR
    assert copy.PixelData == original.PixelData
    assert [(e.tag, e.value) for e in copy if e.tag != 0x7FE00010] == [(e.tag, e.value) for e in original if e.tag != 0x7FE00010]
    dump = subprocess.run([tool("dcmdump"), str(stored[0])], capture_output=True, text=True, timeout=60)
    assert dump.returncode == 0 and "Non-standard VR" not in dump.stderr and "E:" not in dump.stderr, dump.stderr
