"""``dicom-net get`` from dcmtk's dcmqrscp, over sockets. dcmqrscp sends every instance of a
SOP class on the first presentation context it accepted for that class, converting it into
that context's syntax where it can (it cannot for JPEG 2000): ``--accept-ts`` proposes its
syntaxes in the order given, so naming the compressed one first brings a JPEG 2000 instance
back byte for byte, with the native syntaxes still proposed after it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from tests.runtime.net.helpers import free_port, tool, wait_listening

J2K_LOSSLESS, EXPLICIT = "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.1"


def _file(name: str) -> Path:
    found = get_testdata_file(name)
    assert isinstance(found, str), name
    return Path(found)


@pytest.fixture
def dcmqrscp(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    (tmp_path / "db").mkdir()
    config = tmp_path / "dcmqrscp.cfg"
    config.write_text(
        f"NetworkTCPPort = {port}\nMaxPDUSize = 16384\nMaxAssociations = 16\n"
        "HostTable BEGIN\nHostTable END\nVendorTable BEGIN\nVendorTable END\n"
        f"AETable BEGIN\nQR {tmp_path / 'db'} RW (20, 64mb) ANY\nAETable END\n"
    )
    process = subprocess.Popen([tool("dcmqrscp"), "-c", str(config), "+xv"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, process, "dcmqrscp")
        stored = subprocess.run([tool("storescu"), "-xv", "-aec", "QR", "127.0.0.1", str(port), str(_file("MR_small_jp2klossless.dcm"))],
                                capture_output=True, text=True, timeout=60)
        assert stored.returncode == 0, stored.stdout + stored.stderr
        yield port
    finally:
        process.terminate()
        process.wait(10)


def test_accept_ts_compressed_first_gets_jpeg_2000_back_byte_for_byte(dcmqrscp: int, tmp_path: Path) -> None:
    original = pydicom.dcmread(_file("MR_small_jp2klossless.dcm"))
    got = subprocess.run(
        [sys.executable, "-m", "dicom_runtime.net", "get", "127.0.0.1", str(dcmqrscp), "--aec", "QR", "--out", str(tmp_path / "got"),
         "--accept-ts", J2K_LOSSLESS, "--accept-ts", EXPLICIT,
         "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={original.StudyInstanceUID}"],
        capture_output=True, text=True, timeout=120,
    )
    assert got.returncode == 0 and "1 completed, 0 failed" in got.stdout, got.stdout + got.stderr
    [received] = list((tmp_path / "got").iterdir())
    back = pydicom.dcmread(received)
    assert back.file_meta.TransferSyntaxUID == J2K_LOSSLESS and back.PixelData == original.PixelData
